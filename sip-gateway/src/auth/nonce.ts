/**
 * Stateless server nonces: `<timestamp>.<random>.<mac>`, where mac = HMAC-SHA256(secret, timestamp.random.realm).
 * The gateway can tell a nonce it issued (signature) from a forged one, and a stale one (age) from a fresh
 * one, without keeping a table of outstanding challenges.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type NonceState = 'valid' | 'stale' | 'invalid';

export interface NonceOptions {
  /** HMAC key; random per process by default (nonces then do not survive a restart, which is fine) */
  secret?: Buffer;
  /** how long a nonce may be used, ms (default 5 minutes) */
  ttlMs?: number;
  now?: () => number;
}

export class NonceIssuer {
  private readonly secret: Buffer;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(opts: NonceOptions = {}) {
    this.secret = opts.secret ?? randomBytes(32);
    this.ttlMs = opts.ttlMs ?? 300_000;
    this.now = opts.now ?? Date.now;
  }

  issue(realm: string): string {
    const ts = this.now().toString(36);
    const rand = randomBytes(9).toString('base64url');
    return `${ts}.${rand}.${this.mac(ts, rand, realm)}`;
  }

  check(nonce: string, realm: string): NonceState {
    const parts = nonce.split('.');
    if (parts.length !== 3) return 'invalid';
    const [ts, rand, mac] = parts as [string, string, string];
    const expected = Buffer.from(this.mac(ts, rand, realm));
    const got = Buffer.from(mac);
    if (expected.length !== got.length || !timingSafeEqual(expected, got)) return 'invalid';
    const issued = parseInt(ts, 36);
    if (!Number.isFinite(issued)) return 'invalid';
    const age = this.now() - issued;
    if (age < 0) return 'invalid';
    return age > this.ttlMs ? 'stale' : 'valid';
  }

  get lifetimeMs(): number {
    return this.ttlMs;
  }

  private mac(ts: string, rand: string, realm: string): string {
    return createHmac('sha256', this.secret).update(`${ts}.${rand}.${realm}`).digest('base64url').slice(0, 22);
  }
}
