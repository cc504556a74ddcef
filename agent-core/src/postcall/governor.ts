/**
 * Interactive work preempts batch work. `BatchGovernor` watches live load and pauses the batch worker while it
 * is high:
 *
 *   yield   when live calls ≥ maxLiveCalls, or the realtime queue's oldest waiting job is ≥ maxRealtimeLagMs old,
 *           or (when set) ≥ maxRealtimeWaiting realtime jobs wait;
 *   resume  when every one of them is below `resumeRatio` (default 0.8) of its threshold — the hysteresis keeps
 *           the worker from flapping at the boundary.
 *
 * Pausing lets running batch jobs finish (a step is short) and takes no new ones; see `PostCallWorker.pause`.
 * Load is sampled every `intervalMs` (default 250 ms) and whenever `check()` is called — call it when a call
 * starts so a burst preempts at once. The realtime lag comes from the realtime queue in Redis (its oldest
 * waiting job's age and the number waiting) or from a `realtimeLag` function. When the lag cannot be read
 * (Redis down) the governor keeps its state and reports the error.
 *
 * `state` (mode, reasons, the inputs last seen) is for metrics and the dashboard; 'change' is emitted with the
 * new and previous state whenever the mode changes.
 */
import { EventEmitter } from 'node:events';
import { Queue, type ConnectionOptions } from 'bullmq';

export const DEFAULT_REALTIME_QUEUE_NAME = 'callgate-realtime';

/** what the governor pauses and resumes (a PostCallWorker) */
export interface Yieldable {
  pause(): Promise<void>;
  resume(): Promise<void>;
}

export interface RealtimeLag {
  /** realtime jobs waiting for a worker */
  waiting: number;
  /** age of the oldest of them (0 when none wait) */
  oldestWaitingMs: number;
}

export type YieldReason = 'live_calls' | 'realtime_lag' | 'realtime_backlog';

export interface GovernorState {
  mode: 'running' | 'yielding';
  /** why it yields (empty while running): every input at or above its threshold — or, while yielding, not yet
   * below its resume level */
  reasons: YieldReason[];
  /** epoch ms of the last mode change (the start, before any) */
  since: number;
  liveCalls: number;
  realtimeWaiting: number;
  realtimeLagMs: number;
  /** the last error reading the realtime queue (cleared by the next good read) */
  error?: string;
}

export interface BatchGovernorOptions {
  /** what is paused and resumed */
  target: Yieldable;
  /** live calls right now */
  liveCalls: () => number;
  /** yield at this many live calls */
  maxLiveCalls: number;
  /** yield when the oldest waiting realtime job is this old */
  maxRealtimeLagMs: number;
  /** yield when this many realtime jobs wait (default: not used) */
  maxRealtimeWaiting?: number;
  /** resume when every input is below this fraction of its threshold (default 0.8) … */
  resumeRatio?: number;
  /** … on this many checks in a row (default 1; more keeps one odd reading from ending a yield) */
  resumeAfterChecks?: number;
  /** sampling period (default 250 ms) */
  intervalMs?: number;
  /** reads the realtime lag; default: from the realtime queue over `connection` */
  realtimeLag?: () => Promise<RealtimeLag>;
  /** Redis connection for the default lag reader */
  connection?: ConnectionOptions;
  /** default 'callgate-realtime' */
  realtimeQueueName?: string;
  /** BullMQ key prefix (default 'bull') */
  prefix?: string;
  /** errors reading the lag or pausing/resuming the target */
  onError?: (err: Error) => void;
  /** wall clock (epoch ms) */
  now?: () => number;
}

export interface BatchGovernorEvents {
  change: [state: GovernorState, previous: GovernorState];
}

/** the lag of a BullMQ queue: waiting (and prioritized) jobs and the age of the oldest */
export async function queueLag(queue: Queue, now = Date.now()): Promise<RealtimeLag> {
  const [waiting, oldest] = await Promise.all([
    queue.getJobCountByTypes('wait', 'prioritized'),
    queue.getJobs(['wait', 'prioritized'], 0, 0, true),
  ]);
  let first = Infinity;
  for (const j of oldest) if (j && j.timestamp < first) first = j.timestamp;
  return { waiting, oldestWaitingMs: Number.isFinite(first) ? Math.max(0, now - first) : 0 };
}

export class BatchGovernor extends EventEmitter<BatchGovernorEvents> {
  private current: GovernorState;
  private readonly ratio: number;
  private readonly now: () => number;
  private readonly queue: Queue | undefined;
  private readonly readLag: () => Promise<RealtimeLag>;
  private timer: NodeJS.Timeout | undefined;
  /** one check at a time; a check asked for meanwhile runs after it */
  private checking: Promise<GovernorState> | undefined;
  private again = false;
  /** checks in a row on which nothing called for a yield */
  private calmChecks = 0;
  /** the target's pause/resume calls, in order */
  private applying: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: BatchGovernorOptions) {
    super();
    const positive = (name: string, v: number | undefined): void => {
      if (v !== undefined && !(v > 0)) throw new Error(`batch governor: ${name} must be > 0, not ${v}`);
    };
    positive('maxLiveCalls', opts.maxLiveCalls);
    positive('maxRealtimeLagMs', opts.maxRealtimeLagMs);
    positive('maxRealtimeWaiting', opts.maxRealtimeWaiting);
    positive('intervalMs', opts.intervalMs);
    this.ratio = opts.resumeRatio ?? 0.8;
    if (!(this.ratio > 0 && this.ratio <= 1)) throw new Error(`batch governor: resumeRatio must be in (0, 1], not ${this.ratio}`);
    this.now = opts.now ?? Date.now;
    if (opts.realtimeLag) {
      this.readLag = opts.realtimeLag;
    } else {
      if (!opts.connection) throw new Error('batch governor: give either realtimeLag or connection');
      const queue = new Queue(opts.realtimeQueueName ?? DEFAULT_REALTIME_QUEUE_NAME, {
        connection: opts.connection,
        ...(opts.prefix ? { prefix: opts.prefix } : {}),
      });
      queue.on('error', (err) => opts.onError?.(err));
      this.queue = queue;
      this.readLag = () => queueLag(queue, this.now());
    }
    this.current = { mode: 'running', reasons: [], since: this.now(), liveCalls: 0, realtimeWaiting: 0, realtimeLagMs: 0 };
  }

  get state(): GovernorState {
    return { ...this.current, reasons: [...this.current.reasons] };
  }

  /** starts sampling (checks once at once) */
  start(): void {
    if (this.timer || this.stopped) return;
    const tick = (): void => {
      this.timer = setTimeout(() => {
        void this.check().finally(() => {
          if (!this.stopped) tick();
        });
      }, this.opts.intervalMs ?? 250);
    };
    void this.check();
    tick();
  }

  /** samples the load now and pauses or resumes the target; resolves with the state after it */
  check(): Promise<GovernorState> {
    if (this.checking) {
      this.again = true;
      return this.checking;
    }
    const run = async (): Promise<GovernorState> => {
      try {
        do {
          this.again = false;
          await this.checkOnce();
        } while (this.again && !this.stopped);
        return this.state;
      } finally {
        this.checking = undefined;
      }
    };
    this.checking = run();
    return this.checking;
  }

  private async checkOnce(): Promise<void> {
    if (this.stopped) return;
    const liveCalls = this.opts.liveCalls();
    let lag: RealtimeLag | undefined;
    let error: string | undefined;
    try {
      lag = await this.readLag();
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      this.opts.onError?.(err instanceof Error ? err : new Error(error));
    }
    const realtimeWaiting = lag?.waiting ?? this.current.realtimeWaiting;
    const realtimeLagMs = lag?.oldestWaitingMs ?? this.current.realtimeLagMs;
    const inputs = { liveCalls, realtimeWaiting, realtimeLagMs };

    const yielding = this.current.mode === 'yielding';
    // while yielding, an input holds the yield until it is below its resume level
    const factor = yielding ? this.ratio : 1;
    const over = (value: number, threshold: number | undefined): boolean =>
      threshold !== undefined && (yielding ? value >= threshold * factor : value >= threshold);
    const reasons: YieldReason[] = [];
    if (over(liveCalls, this.opts.maxLiveCalls)) reasons.push('live_calls');
    if (over(realtimeLagMs, this.opts.maxRealtimeLagMs)) reasons.push('realtime_lag');
    if (over(realtimeWaiting, this.opts.maxRealtimeWaiting)) reasons.push('realtime_backlog');

    // a failed lag read never resumes: Redis may be down, and the live calls alone do not tell the whole load
    const calm = reasons.length === 0 && !(yielding && lag === undefined);
    this.calmChecks = calm ? this.calmChecks + 1 : 0;
    const mode: GovernorState['mode'] = !calm || (yielding && this.calmChecks < (this.opts.resumeAfterChecks ?? 1)) ? 'yielding' : 'running';
    const previous = this.current;
    this.current = {
      mode,
      reasons,
      since: mode === previous.mode ? previous.since : this.now(),
      ...inputs,
      ...(error !== undefined ? { error } : {}),
    };
    if (mode !== previous.mode) {
      this.apply(mode);
      this.emit('change', this.state, { ...previous, reasons: [...previous.reasons] });
    }
  }

  private apply(mode: GovernorState['mode']): void {
    const target = this.opts.target;
    this.applying = this.applying
      .then(() => (mode === 'yielding' ? target.pause() : target.resume()))
      .catch((err: unknown) => this.opts.onError?.(err instanceof Error ? err : new Error(String(err))));
  }

  /** resolves once the pause/resume calls made so far are done (tests) */
  settled(): Promise<void> {
    return this.applying;
  }

  /** stops sampling and resumes the target if it was yielding (or leaves it paused with `leavePaused`) */
  async stop(opts: { leavePaused?: boolean } = {}): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.checking?.catch(() => undefined);
    if (this.current.mode === 'yielding' && !opts.leavePaused) {
      const previous = this.current;
      this.current = { ...previous, mode: 'running', reasons: [], since: this.now() };
      this.apply('running');
      this.emit('change', this.state, previous);
    }
    await this.applying;
    await this.queue?.close();
  }
}
