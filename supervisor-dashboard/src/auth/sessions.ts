/**
 * Login sessions, in memory: an unguessable id in an HttpOnly cookie, a CSRF token bound to the session (sent
 * back in `x-csrf-token` on state-changing requests), an idle lifetime. A restart logs everyone out.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from '../api/types.js';

export interface LoginSession {
  id: string;
  username: string;
  role: Role;
  csrf: string;
  createdAt: number;
  lastSeen: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, LoginSession>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    /** bound on concurrent sessions: the oldest idle ones go first */
    private readonly max = 10_000,
  ) {}

  create(username: string, role: Role): LoginSession {
    this.sweep();
    if (this.sessions.size >= this.max) {
      const oldest = [...this.sessions.values()].sort((a, b) => a.lastSeen - b.lastSeen)[0];
      if (oldest) this.sessions.delete(oldest.id);
    }
    const t = this.now();
    const s: LoginSession = { id: randomBytes(32).toString('base64url'), username, role, csrf: randomBytes(24).toString('base64url'), createdAt: t, lastSeen: t };
    this.sessions.set(s.id, s);
    return s;
  }

  /** the live session of this id (touching it), or undefined */
  get(id: string | undefined): LoginSession | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const t = this.now();
    if (t - s.lastSeen > this.ttlMs) {
      this.sessions.delete(id);
      return undefined;
    }
    s.lastSeen = t;
    return s;
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  /** ends every session of a user (password change, account removal) */
  destroyUser(username: string): void {
    for (const [id, s] of this.sessions) if (s.username === username) this.sessions.delete(id);
  }

  static csrfMatches(session: LoginSession, header: string | undefined): boolean {
    if (!header) return false;
    const a = Buffer.from(session.csrf);
    const b = Buffer.from(header);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private sweep(): void {
    const t = this.now();
    for (const [id, s] of this.sessions) if (t - s.lastSeen > this.ttlMs) this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }
}
