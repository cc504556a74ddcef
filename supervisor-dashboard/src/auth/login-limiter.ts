/**
 * Login rate limiting: failures counted per username and per client address; `maxFailures` within the lockout
 * window locks that key out for `lockoutMs` (answered 429 with Retry-After, without checking the password).
 * A success clears the username's count. Memory is bounded.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, { count: number; first: number; lockedUntil: number }>();

  constructor(
    private readonly maxFailures: number,
    private readonly lockoutMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 50_000,
  ) {}

  /** ms until this login may be tried again; 0 = allowed */
  retryAfterMs(username: string, address: string): number {
    const t = this.now();
    let wait = 0;
    for (const key of keys(username, address)) {
      const f = this.failures.get(key);
      if (f && f.lockedUntil > t) wait = Math.max(wait, f.lockedUntil - t);
    }
    return wait;
  }

  failed(username: string, address: string): void {
    const t = this.now();
    if (this.failures.size >= this.maxKeys) this.evict(t);
    for (const key of keys(username, address)) {
      let f = this.failures.get(key);
      if (!f || t - f.first > this.lockoutMs) f = { count: 0, first: t, lockedUntil: 0 };
      f.count += 1;
      // an address gets more tries than one username: several people may share a NAT
      const limit = key.startsWith('a:') ? this.maxFailures * 4 : this.maxFailures;
      if (f.count >= limit) f.lockedUntil = t + this.lockoutMs;
      this.failures.set(key, f);
    }
  }

  succeeded(username: string): void {
    this.failures.delete(`u:${username}`);
  }

  private evict(t: number): void {
    for (const [k, f] of this.failures) if (f.lockedUntil <= t && t - f.first > this.lockoutMs) this.failures.delete(k);
    if (this.failures.size >= this.maxKeys) this.failures.clear();
  }
}

function keys(username: string, address: string): string[] {
  return [`u:${username.toLowerCase()}`, `a:${address}`];
}
