/**
 * The process-wide media clock: one 20 ms tick for every registered endpoint, keyed to absolute deadlines on
 * `process.hrtime.bigint()`. Each tick is rescheduled against the next absolute deadline (not "20 ms from now"),
 * so timer lateness does not accumulate as drift. When the event loop stalls for more than a period, the missed
 * deadlines are skipped (and reported in the tick) instead of being replayed as a burst of packets.
 *
 * Precision. Node's timers count whole milliseconds from the loop's cached time, so a timer alone wakes anywhere
 * in about [deadline − 1 ms, deadline + its lateness]: ±1 ms of send jitter before any load. The timer is
 * therefore aimed `leadMs` early and the last stretch is waited out:
 *  - with a `sleep` in the clock (the real clock: a futex wait, `Atomics.wait`), by sleeping until the deadline:
 *    the tick starts within tens of µs of it, at no CPU cost. I/O waits meanwhile (at most the lead): packets
 *    queue in their sockets and are read right after, and the receive side still runs after they are read (an
 *    offset side goes through `poll`, the check phase, once);
 *  - with only a `poll` (`setImmediate`), by re-checking the clock once per event-loop turn: I/O is handled
 *    meanwhile, but the loop spins (about 7 % of a core measured for the two halves of each period, and an
 *    object per turn for the GC).
 */
import type { Logger } from '@callgate/contracts';

/** One tick of the clock as an endpoint sees it. */
export interface PacerTick {
  /** the absolute deadline (hrtime ns) this tick serves */
  deadline: bigint;
  /** hrtime ns when the tick actually ran */
  now: bigint;
  /** periods since the previous tick: 1 normally, 1 + skipped periods after a stall */
  periods: number;
}

/** Anything the pacer drives: an RTP endpoint. */
export interface PacedEndpoint {
  /** the send side: runs at the tick's deadline, or on its second half (`sendsAtOffset`) */
  onTick(tick: PacerTick): void;
  /** the receive side, `inboundOffsetMs` after the same tick; see PacerOptions */
  onInbound?(tick: PacerTick): void;
  /**
   * true: send on the tick's second half (`inboundOffsetMs` after its deadline) instead of at the deadline. Read
   * at each tick, so a change takes effect on the next period: one interval of period ± offset.
   */
  readonly sendsAtOffset?: boolean;
  /**
   * On the second half, for an endpoint that sent on this tick's deadline: its chance to start a talkspurt here,
   * half a period early, and to move to the second half (optional).
   */
  onOffsetHalf?(tick: PacerTick): void;
}

/** Time source and timers; injectable so tests can drive the clock by hand. */
export interface PacerClock {
  now(): bigint;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  /** runs `fn` on the next event-loop turn, after pending I/O (optional: without it the pacer uses timers only) */
  poll?(fn: () => void): void;
  /** blocks this thread for `ns` (optional; with it the last stretch before a deadline is slept, not polled) */
  sleep?(ns: bigint): void;
}

/** Options for `Pacer`; every field has a default. */
export interface PacerOptions {
  /** tick period in ms (default 20: one G.711 packet) */
  periodMs?: number;
  clock?: PacerClock;
  /** with a sleeping or polling clock: aim the timer this many ms early and wait the rest of the way (default 1; 0 = timers only) */
  leadMs?: number;
  /**
   * When each tick's receive side runs, in ms after its send side (default 0: right before it, in the same
   * tick). With an offset (the service uses half a period) each tick has two halves, both on the clock's
   * precision: the deadline (sends) and the offset (the receive sides, then the after-tick hooks: the VAD
   * batch). An endpoint may send on the second half instead (`sendsAtOffset`), and one on the deadline may start
   * a talkspurt on the second half (`onOffsetHalf`): one clock, two send phases, so an answer waits at most half
   * a period for its first packet (see RtpEndpoint.sendsAtOffset).
   */
  inboundOffsetMs?: number;
  logger?: Logger;
}

/** A tick's second half, `inboundOffsetMs` after it. */
interface OffsetSide {
  due: bigint;
  tick: PacerTick;
  /** every endpoint registered at the tick (their receive sides) */
  ticked: PacedEndpoint[];
  /** those of them that send on this half */
  atOffset: PacedEndpoint[];
  /** and those that sent on the deadline */
  atDeadline: PacedEndpoint[];
}

/** Counters for metrics: how many ticks ran, how many deadlines were skipped, the worst lateness seen. */
export interface PacerStats {
  ticks: number;
  skippedPeriods: number;
  maxLateMs: number;
  registered: number;
}

const NS_PER_MS = 1_000_000n;

/** what the real clock's `sleep` waits on: a value nobody changes, so the wait always runs to its timeout */
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** The real clock: hrtime and unref'd timers (open sockets, not the pacer, keep the process alive). */
export const systemClock: PacerClock = {
  now: () => process.hrtime.bigint(),
  setTimer: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  // not unref'd: the loop blocks in its poll phase while only unref'd immediates are pending, which would turn
  // the last stretch into a wait for the next I/O; a ref'd immediate keeps the loop alive for at most the lead
  poll: (fn) => void setImmediate(fn),
  sleep: (ns) => void Atomics.wait(sleeper, 0, 0, Number(ns) / 1e6),
};

/** One clock for all calls. Starts when the first endpoint registers and stops when the last leaves. */
export class Pacer {
  readonly periodMs: number;
  private readonly periodNs: bigint;
  private readonly clock: PacerClock;
  private readonly endpoints = new Set<PacedEndpoint>();
  private readonly afterTick = new Set<(tick: PacerTick) => void>();
  private timer: unknown;
  /** a poll is pending (a poll cannot be cancelled: `fire` checks `polling` and the generation) */
  private polling = false;
  private generation = 0;
  private readonly leadNs: bigint;
  readonly inboundOffsetMs: number;
  /** the offset side of the last tick, waiting for its time (endpoints as they were at that tick) */
  private offsetSide: OffsetSide | undefined;
  private running = false;
  private deadline = 0n;
  private readonly counters = { ticks: 0, skippedPeriods: 0, maxLateMs: 0 };

  constructor(private readonly opts: PacerOptions = {}) {
    this.periodMs = opts.periodMs ?? 20;
    if (!Number.isInteger(this.periodMs) || this.periodMs <= 0) throw new RangeError('pacer period must be a positive integer ms');
    this.periodNs = BigInt(this.periodMs) * NS_PER_MS;
    this.clock = opts.clock ?? systemClock;
    const leadMs = opts.leadMs ?? 1;
    if (!(leadMs >= 0 && leadMs < this.periodMs)) throw new RangeError('pacer leadMs must be in [0, period)');
    this.leadNs = this.clock.poll || this.clock.sleep ? BigInt(Math.round(leadMs * 1e6)) : 0n;
    this.inboundOffsetMs = opts.inboundOffsetMs ?? 0;
    if (!Number.isInteger(this.inboundOffsetMs) || this.inboundOffsetMs < 0 || this.inboundOffsetMs >= this.periodMs) {
      throw new RangeError('pacer inboundOffsetMs must be an integer in [0, period)');
    }
  }

  /** Adds an endpoint; it is called on the next tick and every tick after. */
  register(endpoint: PacedEndpoint): void {
    this.endpoints.add(endpoint);
    if (!this.running) this.start();
  }

  /** Removes an endpoint (safe during a tick, and when it is not registered). */
  unregister(endpoint: PacedEndpoint): void {
    this.endpoints.delete(endpoint);
    if (this.endpoints.size === 0) this.halt();
  }

  /**
   * Runs `fn` once per tick after every endpoint has had its turn (the VAD batcher: all calls' windows of this
   * tick in one inference). Returns a function that removes it.
   */
  onAfterTick(fn: (tick: PacerTick) => void): () => void {
    this.afterTick.add(fn);
    return () => this.afterTick.delete(fn);
  }

  /** Drops every endpoint and stops the clock. */
  stop(): void {
    this.endpoints.clear();
    this.halt();
  }

  get isRunning(): boolean {
    return this.running;
  }

  stats(): PacerStats {
    return { ...this.counters, registered: this.endpoints.size };
  }

  private start(): void {
    this.running = true;
    this.deadline = this.clock.now() + this.periodNs;
    this.schedule();
  }

  private halt(): void {
    this.running = false;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.offsetSide = undefined;
    this.polling = false;
    this.generation++;
  }

  /** waits for the next half (the pending offset side, else the deadline): a timer while it is more than the lead
   *  away, then polls (when the clock can) */
  private schedule(): void {
    const remaining = (this.offsetSide?.due ?? this.deadline) - this.clock.now();
    if (this.leadNs > 0n && remaining <= this.leadNs) {
      if (!this.clock.sleep) return this.pollOnce();
      if (remaining > 0n) this.clock.sleep(remaining);
      return this.fire(false);
    }
    const waitMs = Number((remaining - this.leadNs) / NS_PER_MS);
    this.timer = this.clock.setTimer(this.onTimer, Math.max(1, waitMs));
  }

  private pollOnce(): void {
    this.polling = true;
    const generation = this.generation;
    this.clock.poll!(() => {
      if (generation === this.generation && this.polling) this.fire(true);
    });
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.fire(false);
  };

  /** the next event is due (or nearly): the offset side of the last tick if it waits, else the next tick */
  private fire(fromPoll: boolean): void {
    this.polling = false;
    if (!this.running) return;
    const now = this.clock.now();
    const side = this.offsetSide;
    // polling: run once the deadline has come. Timers only (1 ms resolution): waking up to 1 ms early counts as
    // on time, earlier than that waits again
    if ((side?.due ?? this.deadline) - now > (this.leadNs > 0n ? 0n : NS_PER_MS)) return this.schedule();
    const generation = this.generation;
    if (side && !fromPoll && this.clock.poll) {
      // timers run before I/O in a loop turn: after a busy spell the packets that came meanwhile still wait in the
      // sockets. The offset side runs on the turn's check phase instead, after the pending packets have been read
      return this.pollOnce();
    }
    if (side) {
      this.offsetSide = undefined;
      this.runOffsetSide(side);
    } else this.runTick(now);
    // halted by the last unregister, or halted and restarted (with its own timer) by a register in this tick
    if (generation !== this.generation || !this.running) return;
    this.schedule();
  }

  /** the tick at `deadline`: sends (all endpoints, or those not sending at the offset), then the receive side */
  private runTick(at: bigint): void {
    const late = at > this.deadline ? at - this.deadline : 0n;
    const skipped = Number(late / this.periodNs);
    const deadline = this.deadline + BigInt(skipped) * this.periodNs;
    this.counters.ticks++;
    this.counters.skippedPeriods += skipped;
    this.counters.maxLateMs = Math.max(this.counters.maxLateMs, Number(late / 1000n) / 1000);
    const generation = this.generation;
    const tick: PacerTick = { deadline, now: at, periods: 1 + skipped };
    const ticked = [...this.endpoints];
    const atOffset: PacedEndpoint[] = [];
    const atDeadline: PacedEndpoint[] = this.inboundOffsetMs > 0 ? [] : ticked;
    if (this.inboundOffsetMs > 0) for (const e of ticked) (e.sendsAtOffset ? atOffset : atDeadline).push(e);
    if (this.inboundOffsetMs === 0) this.runInbound(ticked, tick);
    this.runSends(atDeadline, tick);
    if (this.inboundOffsetMs === 0) this.runAfterTick(tick);
    if (generation !== this.generation) return;
    this.deadline = deadline + this.periodNs;
    if (this.inboundOffsetMs > 0) this.offsetSide = { due: deadline + BigInt(this.inboundOffsetMs) * NS_PER_MS, tick, ticked, atOffset, atDeadline };
  }

  /**
   * the offset side of a tick: the sends of the endpoints on that half, the others' chance to start a talkspurt
   * early, then every receive side, then the hooks
   */
  private runOffsetSide(side: OffsetSide): void {
    this.runSends(side.atOffset, side.tick);
    for (const endpoint of side.atDeadline) {
      if (!endpoint.onOffsetHalf || !this.endpoints.has(endpoint)) continue;
      try {
        endpoint.onOffsetHalf(side.tick);
      } catch (err) {
        this.opts.logger?.error('pacer: endpoint tick failed', { err });
      }
    }
    this.runInbound(side.ticked, side.tick);
    this.runAfterTick(side.tick);
  }

  private runSends(endpoints: PacedEndpoint[], tick: PacerTick): void {
    for (const endpoint of endpoints) {
      if (!this.endpoints.has(endpoint)) continue; // unregistered by an earlier endpoint in this tick
      try {
        endpoint.onTick(tick);
      } catch (err) {
        this.opts.logger?.error('pacer: endpoint tick failed', { err });
      }
    }
  }

  /** every endpoint's receive side (those unregistered since the tick are skipped) */
  private runInbound(endpoints: PacedEndpoint[], tick: PacerTick): void {
    for (const endpoint of endpoints) {
      if (!endpoint.onInbound || !this.endpoints.has(endpoint)) continue;
      try {
        endpoint.onInbound(tick);
      } catch (err) {
        this.opts.logger?.error('pacer: endpoint inbound failed', { err });
      }
    }
  }

  private runAfterTick(tick: PacerTick): void {
    for (const fn of this.afterTick) {
      try {
        fn(tick);
      } catch (err) {
        this.opts.logger?.error('pacer: after-tick hook failed', { err });
      }
    }
  }
}
