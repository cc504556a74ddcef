/**
 * A token bucket for the call-attempt rate: `ratePerSecond` tokens a second, holding at most `burst` (one
 * second's worth by default). The clock is injected so tests need no real time.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly burst: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly now: () => number = () => performance.now(),
    burst?: number,
  ) {
    if (!(ratePerSecond > 0)) throw new Error('token bucket rate must be positive');
    this.burst = Math.max(1, burst ?? ratePerSecond);
    this.tokens = this.burst;
    this.last = now();
  }

  /** takes one token when there is one */
  tryTake(): boolean {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /** tokens available now (fractional) */
  available(): number {
    this.refill();
    return this.tokens;
  }

  private refill(): void {
    const t = this.now();
    const elapsed = Math.max(0, t - this.last) / 1000;
    this.last = t;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.ratePerSecond);
  }
}
