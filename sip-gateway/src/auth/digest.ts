/**
 * SIP Digest verification (RFC 3261 §22, RFC 2617 §3.2.2, RFC 7616 with MD5), qop=auth only: the gateway
 * always challenges with qop="auth", so a credential without qop, cnonce and nc is refused (RFC 2617 §3.2.2:
 * the client MUST use the qop the server offered).
 */
import { createHash } from 'node:crypto';
import type { DigestCredentials } from './digest-header.js';
import type { NonceIssuer } from './nonce.js';

export interface DigestAccount {
  realm: string;
  username: string;
  password: string;
}

export type DigestVerdict =
  | { ok: true }
  | { ok: false; reason: 'mismatch' | 'stale' | 'bad-nonce' | 'replay' | 'unsupported' | 'uri-mismatch' };

export function md5(s: string): string {
  return createHash('md5').update(s, 'utf8').digest('hex');
}

/** request-digest per RFC 2617 §3.2.2.1 (qop=auth) or the RFC 2069 form when qop is absent */
export function computeDigestResponse(p: {
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
}): string {
  const ha1 = md5(`${p.username}:${p.realm}:${p.password}`);
  const ha2 = md5(`${p.method}:${p.uri}`);
  if (p.qop) return md5(`${ha1}:${p.nonce}:${p.nc ?? ''}:${p.cnonce ?? ''}:${p.qop}:${ha2}`);
  return md5(`${ha1}:${p.nonce}:${ha2}`);
}

/** remembers (nonce, nc, cnonce) triples for the nonce lifetime so a captured request cannot be replayed */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 100_000,
  ) {}

  /** true the first time a triple is seen, false for a replay */
  admit(key: string): boolean {
    const t = this.now();
    for (const [k, at] of this.seen) {
      if (t - at <= this.ttlMs && this.seen.size < this.maxEntries) break;
      this.seen.delete(k);
    }
    if (this.seen.has(key)) return false;
    this.seen.set(key, t);
    return true;
  }
}

function safeEqualHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export class DigestVerifier {
  private readonly replay: ReplayGuard;

  constructor(
    private readonly nonces: NonceIssuer,
    now: () => number = Date.now,
  ) {
    this.replay = new ReplayGuard(nonces.lifetimeMs, now);
  }

  challengeNonce(realm: string): string {
    return this.nonces.issue(realm);
  }

  verify(cred: DigestCredentials, account: DigestAccount, method: string, requestUri: string): DigestVerdict {
    if (cred.algorithm !== undefined && cred.algorithm.toUpperCase() !== 'MD5') return { ok: false, reason: 'unsupported' };
    if (cred.qop === undefined || cred.qop.toLowerCase() !== 'auth') return { ok: false, reason: 'unsupported' };
    if (!cred.cnonce || !cred.nc || !/^[0-9a-fA-F]{8}$/.test(cred.nc)) return { ok: false, reason: 'unsupported' };
    if (cred.username !== account.username || cred.realm !== account.realm) return { ok: false, reason: 'mismatch' };
    const nonceState = this.nonces.check(cred.nonce, account.realm);
    if (nonceState === 'invalid') return { ok: false, reason: 'bad-nonce' };
    const expected = computeDigestResponse({
      username: account.username,
      realm: account.realm,
      password: account.password,
      method,
      uri: cred.uri,
      nonce: cred.nonce,
      qop: 'auth',
      nc: cred.nc,
      cnonce: cred.cnonce,
    });
    if (!safeEqualHex(expected, cred.response.toLowerCase())) return { ok: false, reason: 'mismatch' };
    // RFC 2617 §3.2.1: stale=TRUE only when the digest itself was right
    if (nonceState === 'stale') return { ok: false, reason: 'stale' };
    if (!sameUri(cred.uri, requestUri)) return { ok: false, reason: 'uri-mismatch' };
    if (!this.replay.admit(`${cred.nonce}|${cred.nc.toLowerCase()}|${cred.cnonce}`)) return { ok: false, reason: 'replay' };
    return { ok: true };
  }
}

/** RFC 2617 §3.2.2.5: the digest-uri must name the Request-URI (compared without surrounding whitespace) */
function sameUri(a: string, b: string): boolean {
  return a.trim() === b.trim();
}
