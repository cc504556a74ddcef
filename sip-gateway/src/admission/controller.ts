/**
 * Admission control: at most `maxConcurrentCalls` calls in progress (setting up or connected) and at most
 * `maxCallsPerSecond` new calls a second. A new call that passes holds a ticket until its call ends; releasing
 * is idempotent so every end path may release without double counting. Calls already admitted are never
 * affected by a limit being reached.
 */
import { TokenBucket } from './token-bucket.js';

export interface AdmissionLimits {
  maxConcurrentCalls: number;
  maxCallsPerSecond: number;
}

export interface AdmissionTicket {
  readonly released: boolean;
  release(): void;
}

export type AdmissionResult =
  | { admitted: true; ticket: AdmissionTicket }
  | { admitted: false; reason: 'concurrency' | 'rate' | 'draining' };

export class AdmissionController {
  private active = 0;
  private readonly bucket: TokenBucket;

  constructor(
    private readonly limits: AdmissionLimits,
    now?: () => number,
  ) {
    this.bucket = new TokenBucket(limits.maxCallsPerSecond, now);
  }

  /** draining: every new call is refused (a rolling upgrade waits for the admitted ones to end) */
  draining = false;

  get inUse(): number {
    return this.active;
  }

  tryAdmit(): AdmissionResult {
    if (this.draining) return { admitted: false, reason: 'draining' };
    // the concurrency check comes first so a refused call does not also spend a rate token
    if (this.active >= this.limits.maxConcurrentCalls) return { admitted: false, reason: 'concurrency' };
    if (!this.bucket.tryTake()) return { admitted: false, reason: 'rate' };
    this.active++;
    let released = false;
    return {
      admitted: true,
      ticket: {
        get released() {
          return released;
        },
        release: () => {
          if (released) return;
          released = true;
          this.active--;
        },
      },
    };
  }
}
