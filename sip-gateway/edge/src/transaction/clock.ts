/**
 * Time source for the transaction layer. Every RFC 3261 timer goes through a {@link Clock}, so
 * production code uses {@link systemClock} and unit tests drive a {@link FakeClock} by hand.
 */
import { performance } from 'node:perf_hooks';

declare const timerHandleBrand: unique symbol;
/** Opaque handle returned by {@link Clock.setTimer}. */
export type TimerHandle = { readonly [timerHandleBrand]: true };

export interface Clock {
  /** milliseconds on a monotonic scale (only differences matter) */
  now(): number;
  /** run `fn` once after `ms` milliseconds (negative values count as 0) */
  setTimer(ms: number, fn: () => void): TimerHandle;
  /** cancel a timer; clearing a fired or cleared timer is a no-op */
  clearTimer(h: TimerHandle): void;
}

/** Real time. Timers are unref'd: a pending SIP timer alone does not keep the process alive. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return t as unknown as TimerHandle;
  },
  clearTimer(h) {
    clearTimeout(h as unknown as ReturnType<typeof setTimeout>);
  },
};

interface FakeTimer {
  id: number;
  due: number;
  fn: () => void;
}

/** Manual clock for tests: nothing fires until {@link FakeClock.advance} is called. */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Map<number, FakeTimer>();

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { id, due: this.current + Math.max(0, ms), fn });
    return { id } as unknown as TimerHandle;
  }

  clearTimer(h: TimerHandle): void {
    this.timers.delete((h as unknown as { id: number }).id);
  }

  /** number of timers scheduled and not yet fired or cleared */
  get pending(): number {
    return this.timers.size;
  }

  /**
   * Move time forward by `ms`, firing every timer that falls due on the way, earliest first (timers
   * due at the same instant fire in the order they were set). Timers set by a firing timer fire in the
   * same call when they fall due before the end of the interval.
   */
  advance(ms: number): void {
    const target = this.current + Math.max(0, ms);
    for (;;) {
      let next: FakeTimer | undefined;
      for (const t of this.timers.values()) {
        if (t.due <= target && (next === undefined || t.due < next.due)) next = t;
      }
      if (next === undefined) break;
      this.timers.delete(next.id);
      this.current = next.due;
      next.fn();
    }
    this.current = target;
  }
}

/** A set of named one-shot timers on a clock (Timer A, Timer B, ...), each restartable and stoppable. */
export class TimerSlots<N extends string> {
  private readonly handles = new Map<N, TimerHandle>();
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  start(name: N, ms: number, fn: () => void): void {
    this.stop(name);
    const h = this.clock.setTimer(ms, () => {
      this.handles.delete(name);
      fn();
    });
    this.handles.set(name, h);
  }

  stop(name: N): void {
    const h = this.handles.get(name);
    if (h === undefined) return;
    this.clock.clearTimer(h);
    this.handles.delete(name);
  }

  stopAll(): void {
    for (const h of this.handles.values()) this.clock.clearTimer(h);
    this.handles.clear();
  }

  has(name: N): boolean {
    return this.handles.has(name);
  }
}
