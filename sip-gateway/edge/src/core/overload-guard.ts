/**
 * Sheds new calls at the edge when the process is overloaded, measured as event-loop delay: a saturated
 * process answers late, callers retransmit, and the retransmissions make it worse. New out-of-dialog INVITEs
 * then get 503 with Retry-After at once, before any application work, so calls already up keep their
 * signalling and media timely.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface OverloadGuardOptions {
  /** shed when the mean event-loop delay over the last window exceeds this (ms); 0 disables */
  maxDelayMs: number;
  windowMs?: number;
}

export class OverloadGuard {
  private readonly histogram: IntervalHistogram | undefined;
  private readonly timer: NodeJS.Timeout | undefined;
  private overloaded = false;
  shedCount = 0;

  constructor(private readonly opts: OverloadGuardOptions) {
    if (opts.maxDelayMs <= 0) return;
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    this.timer = setInterval(() => this.evaluate(), opts.windowMs ?? 500);
    this.timer.unref();
  }

  /** true while new calls should be refused */
  get shedding(): boolean {
    return this.overloaded;
  }

  /** mean delay in ms minus the sampling resolution, i.e. how late timers ran */
  private evaluate(): void {
    const h = this.histogram;
    if (!h) return;
    const lagMs = Math.max(0, h.mean / 1e6 - 10);
    this.overloaded = h.count > 0 && lagMs > this.opts.maxDelayMs;
    h.reset();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.histogram?.disable();
  }
}
