/**
 * A circuit breaker per provider or tool: after `failureThreshold` consecutive failures it opens and refuses
 * work for `openMs`; then it lets one trial through (half-open): success closes it, failure opens it again.
 * The clock is injectable so tests step through the states without waiting.
 */

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** consecutive failures that open the breaker (default 3) */
  failureThreshold?: number;
  /** how long it stays open before one trial is let through (default 10 000 ms) */
  openMs?: number;
  now?: () => number;
  /** told on every state change (metrics, logs, the dashboard's provider health) */
  onStateChange?: (state: BreakerState, previous: BreakerState) => void;
}

export class CircuitOpenError extends Error {
  constructor(readonly target: string) {
    super(`${target}: circuit open`);
    this.name = 'CircuitOpenError';
  }
}

export class CircuitBreaker {
  private readonly failureThreshold: number;
  private readonly openMs: number;
  private readonly now: () => number;
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private current: BreakerState = 'closed';

  constructor(
    readonly target: string,
    private readonly opts: CircuitBreakerOptions = {},
  ) {
    this.failureThreshold = opts.failureThreshold ?? 3;
    this.openMs = opts.openMs ?? 10_000;
    this.now = opts.now ?? (() => performance.now());
  }

  get state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.openMs) this.transition('half_open');
    return this.current;
  }

  /** true when a call may go ahead now; in half-open only one trial at a time is allowed */
  canPass(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.trialInFlight = false;
    if (this.current !== 'closed') this.transition('closed');
  }

  failure(): void {
    this.trialInFlight = false;
    this.failures += 1;
    if (this.current === 'half_open' || (this.current === 'closed' && this.failures >= this.failureThreshold)) {
      this.openedAt = this.now();
      this.transition('open');
    }
  }

  /** runs `fn` through the breaker: refuses with CircuitOpenError while open, records the outcome otherwise */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.canPass()) throw new CircuitOpenError(this.target);
    try {
      const value = await fn();
      this.success();
      return value;
    } catch (err) {
      // a cancelled call (barge-in, hang-up) says nothing about the target's health
      if ((err as Error)?.name === 'AbortError') this.trialInFlight = false;
      else this.failure();
      throw err;
    }
  }

  private transition(next: BreakerState): void {
    const previous = this.current;
    if (previous === next) return;
    this.current = next;
    this.opts.onStateChange?.(next, previous);
  }
}
