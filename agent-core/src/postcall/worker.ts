/**
 * The consumer of the `batch` queue: runs the four post-call steps of every ended call.
 *
 *   redact     — runs every stored turn's text through the redactor again and rewrites the turns that still
 *                held PII (a belt-and-braces pass; counts what it changed);
 *   summarize  — the extractive summary, or the dialogue model's when `summarizeWithModel` is given (falling
 *                back to the extractive one when the model fails); the text is redacted before it is stored;
 *   analytics  — `callAnalytics` of the call;
 *   retention  — expiresAt per collection from the retention policy, counted from the call's end.
 *
 * Idempotent: every step reads what is stored and writes only what differs (a turn whose text is already
 * clean, a summary/analytics/retention record equal to the stored one is not written again), so a step retried
 * after a failure, a stall or a Redis restart does not write twice. Steps of one session never run at once in
 * this process (a stalled job handed out again while its first run still finishes waits for it). A model
 * summary, once stored, is kept: a retry does not ask the model again.
 *
 * Yielding: `pause()` (what `BatchGovernor` calls) stops taking jobs and lets running ones finish; a job that
 * was taken in the same moment is put back as delayed (`yieldDelayMs`) before it does any work, without using
 * an attempt.
 */
import { isDeepStrictEqual } from 'node:util';
import { DelayedError, Worker, type Job } from 'bullmq';
import { redact, type RedactOptions } from '../privacy/index.js';
import { callAnalytics } from './analytics.js';
import {
  DEFAULT_BATCH_QUEUE_NAME,
  isPostCallStep,
  type BatchQueueCommonOptions,
  type PostCallJobData,
  type PostCallStep,
} from './flow.js';
import type {
  CallSummary,
  PostCallStore,
  RetentionMarks,
  RetentionPolicy,
  SessionRecord,
  TurnRecord,
} from './store-port.js';
import { extractiveSummary, splitSentences, type ExtractiveSummaryOptions } from './summary.js';

const DAY_MS = 86_400_000;

/** the default retention: raw material goes soon after the call, derived records stay longer */
export const DEFAULT_RETENTION_POLICY: RetentionPolicy = {
  audio: 1 * DAY_MS,
  events: 7 * DAY_MS,
  turns: 30 * DAY_MS,
  summary: 365 * DAY_MS,
  analytics: 365 * DAY_MS,
};

/** what a step returns (the job's return value) */
export type StepResult =
  | { step: 'redact'; checked: number; rewritten: number; spans: number }
  | { step: 'summarize'; source: CallSummary['source']; sentences: number; written: boolean; modelError?: string }
  | { step: 'analytics'; turns: number; written: boolean }
  | { step: 'retention'; collections: number; written: boolean };

export interface StepCompleted {
  sessionId: string;
  step: PostCallStep;
  jobId: string;
  result: StepResult;
  /** attempts the step took, this one included */
  attempts: number;
}

export interface StepFailed {
  sessionId: string | undefined;
  step: string | undefined;
  jobId: string | undefined;
  error: Error;
  /** attempts made so far, this one included */
  attempts: number;
  /** true when no retry follows: the flow is failed */
  final: boolean;
  /**
   * true when the step did not run because the step before it failed for good (BullMQ fails the parents of a
   * failed step one by one); count failed flows as `final && !dependency`
   */
  dependency: boolean;
}

/** asks the dialogue model for a summary of the (redacted) turns */
export type ModelSummarizer = (turns: TurnRecord[], session: SessionRecord, signal: AbortSignal) => Promise<string>;

export interface PostCallWorkerOptions extends BatchQueueCommonOptions {
  store: PostCallStore;
  /** jobs run at once (default 2: batch work stays small next to live calls) */
  concurrency?: number;
  /** at most `max` jobs per `duration` ms across every worker of the queue (default: no limit) */
  limiter?: { max: number; duration: number };
  /** expiry per collection after the call (default DEFAULT_RETENTION_POLICY) */
  retention?: RetentionPolicy;
  /** how the redact step writes what it finds (default placeholders) */
  redactOptions?: RedactOptions;
  summary?: ExtractiveSummaryOptions;
  /** the dialogue model's summary, when one is configured (the extractive one when it fails) */
  summarizeWithModel?: ModelSummarizer;
  /** how long the model may take (default 30 000 ms) */
  modelTimeoutMs?: number;
  /** a job taken while yielding is delayed this long (default 1000 ms) */
  yieldDelayMs?: number;
  /** BullMQ lock of a running job (default 30 000 ms); a job whose lock expires is stalled and runs again */
  lockDurationMs?: number;
  /** how often stalled jobs are looked for (default 30 000 ms) */
  stalledIntervalMs?: number;
  /** times a job may stall before it fails (default 3: a Redis restart or a crash should not fail a flow) */
  maxStalledCount?: number;
  /** a step finished */
  onCompleted?: (info: StepCompleted) => void;
  /** a step attempt failed (final: no retry follows) — log and count these */
  onFailed?: (info: StepFailed) => void;
  /** a running job was found stalled and goes back to the queue */
  onStalled?: (jobId: string) => void;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class PostCallWorker {
  readonly queueName: string;
  private readonly worker: Worker<PostCallJobData, StepResult, string>;
  private readonly retention: RetentionPolicy;
  /** the tail of each session's chain of step runs in this process */
  private readonly sessionTails = new Map<string, Promise<unknown>>();
  private yielding = false;
  private closed = false;

  constructor(private readonly opts: PostCallWorkerOptions) {
    this.queueName = opts.queueName ?? DEFAULT_BATCH_QUEUE_NAME;
    this.retention = opts.retention ?? DEFAULT_RETENTION_POLICY;
    for (const [collection, ms] of Object.entries(this.retention)) {
      if (ms !== null && !(Number.isFinite(ms) && ms >= 0)) {
        throw new Error(`post-call worker: retention of "${collection}" must be ms ≥ 0 or null, not ${ms}`);
      }
    }
    this.worker = new Worker<PostCallJobData, StepResult, string>(
      this.queueName,
      (job, token, signal) => this.process(job, token, signal),
      {
        connection: opts.connection,
        concurrency: opts.concurrency ?? 2,
        ...(opts.prefix ? { prefix: opts.prefix } : {}),
        ...(opts.limiter ? { limiter: opts.limiter } : {}),
        ...(opts.lockDurationMs !== undefined ? { lockDuration: opts.lockDurationMs } : {}),
        ...(opts.stalledIntervalMs !== undefined ? { stalledInterval: opts.stalledIntervalMs } : {}),
        maxStalledCount: opts.maxStalledCount ?? 3,
      },
    );
    this.worker.on('error', (err) => opts.onError?.(err));
    this.worker.on('stalled', (jobId) => opts.onStalled?.(jobId));
    this.worker.on('completed', (job, result) => {
      if (!isPostCallStep(job.name)) return;
      opts.onCompleted?.({
        sessionId: job.data.sessionId,
        step: job.name,
        jobId: job.id ?? '',
        result,
        attempts: job.attemptsMade,
      });
    });
    this.worker.on('failed', (job, error) => {
      opts.onFailed?.({
        sessionId: job?.data.sessionId,
        step: job?.name,
        jobId: job?.id,
        error,
        attempts: job?.attemptsMade ?? 0,
        // moveToFailed sets finishedOn only when the job is failed for good (no retry scheduled)
        final: job === undefined || typeof job.finishedOn === 'number',
        dependency: Boolean(job?.deferredFailure),
      });
    });
  }

  ready(): Promise<void> {
    return this.worker.waitUntilReady().then(() => undefined);
  }

  /** yielding to live calls (paused by `pause()`) */
  get paused(): boolean {
    return this.yielding;
  }

  /** stops taking jobs; running ones finish (resolves at once) */
  async pause(): Promise<void> {
    if (this.closed || this.yielding) return;
    this.yielding = true;
    await this.worker.pause(true);
  }

  /** takes jobs again */
  async resume(): Promise<void> {
    if (this.closed || !this.yielding) return;
    this.yielding = false;
    await this.worker.resume();
  }

  /** stops taking jobs and waits for running ones */
  async close(): Promise<void> {
    this.closed = true;
    await this.worker.close();
  }

  private async process(job: Job<PostCallJobData, StepResult, string>, token?: string, signal?: AbortSignal): Promise<StepResult> {
    const step = job.name;
    if (!isPostCallStep(step)) throw new Error(`post-call worker: unknown step "${step}"`);
    if (this.yielding && token) {
      await job.moveToDelayed(Date.now() + (this.opts.yieldDelayMs ?? 1000), token);
      throw new DelayedError();
    }
    const { sessionId } = job.data;
    const previous = this.sessionTails.get(sessionId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.runStep(step, job.data, signal ?? new AbortController().signal));
    const tail = run.catch(() => undefined);
    this.sessionTails.set(sessionId, tail);
    try {
      return await run;
    } finally {
      if (this.sessionTails.get(sessionId) === tail) this.sessionTails.delete(sessionId);
    }
  }

  private async loadSession(sessionId: string): Promise<SessionRecord> {
    const session = await this.opts.store.getSession(sessionId);
    if (!session) throw new Error(`session ${sessionId} not found in the store`);
    return session;
  }

  private runStep(step: PostCallStep, data: PostCallJobData, signal: AbortSignal): Promise<StepResult> {
    switch (step) {
      case 'redact':
        return this.redactStep(data.sessionId);
      case 'summarize':
        return this.summarizeStep(data.sessionId, signal);
      case 'analytics':
        return this.analyticsStep(data.sessionId);
      case 'retention':
        return this.retentionStep(data);
    }
  }

  private async redactStep(sessionId: string): Promise<StepResult> {
    const { store } = this.opts;
    await this.loadSession(sessionId);
    const turns = [...(await store.getTurns(sessionId))].sort((a, b) => a.seq - b.seq);
    let rewritten = 0;
    let spans = 0;
    for (const t of turns) {
      const r = redact(t.text, this.opts.redactOptions);
      if (r.found.length === 0 || r.text === t.text) continue;
      await store.updateTurnText(sessionId, t.seq, r.text);
      rewritten++;
      spans += r.found.length;
    }
    return { step: 'redact', checked: turns.length, rewritten, spans };
  }

  private async summarizeStep(sessionId: string, signal: AbortSignal): Promise<StepResult> {
    const { store } = this.opts;
    const [session, turns, existing] = await Promise.all([
      this.loadSession(sessionId),
      store.getTurns(sessionId),
      store.getPostCall(sessionId),
    ]);
    if (existing.summary?.source === 'model') {
      return { step: 'summarize', source: 'model', sentences: existing.summary.sentences.length, written: false };
    }
    let summary: CallSummary | undefined;
    let modelError: string | undefined;
    if (this.opts.summarizeWithModel) {
      try {
        summary = await this.modelSummary(turns, session, signal);
      } catch (err) {
        modelError = errorMessage(err);
      }
    }
    summary ??= extractiveSummary(turns, session, this.opts.summary);
    const written = !isDeepStrictEqual(existing.summary, summary);
    if (written) await store.setSummary(sessionId, summary);
    return {
      step: 'summarize',
      source: summary.source,
      sentences: summary.sentences.length,
      written,
      ...(modelError !== undefined ? { modelError } : {}),
    };
  }

  private async modelSummary(turns: TurnRecord[], session: SessionRecord, signal: AbortSignal): Promise<CallSummary> {
    const model = this.opts.summarizeWithModel!;
    const timeoutMs = this.opts.modelTimeoutMs ?? 30_000;
    const ac = new AbortController();
    const onAbort = (): void => ac.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    try {
      const text = await Promise.race([
        model([...turns].sort((a, b) => a.seq - b.seq), session, ac.signal),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const err = new Error(`the model gave no summary within ${timeoutMs} ms`);
            ac.abort(err);
            reject(err);
          }, timeoutMs);
        }),
      ]);
      const clean = typeof text === 'string' ? redact(text.trim(), this.opts.redactOptions).text : '';
      if (!clean) throw new Error('the model returned an empty summary');
      return { text: clean, sentences: splitSentences(clean), source: 'model' };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async analyticsStep(sessionId: string): Promise<StepResult> {
    const { store } = this.opts;
    const [session, turns, existing] = await Promise.all([
      this.loadSession(sessionId),
      store.getTurns(sessionId),
      store.getPostCall(sessionId),
    ]);
    const analytics = callAnalytics(turns, session);
    const written = !isDeepStrictEqual(existing.analytics, analytics);
    if (written) await store.setAnalytics(sessionId, analytics);
    return { step: 'analytics', turns: turns.length, written };
  }

  private async retentionStep(data: PostCallJobData): Promise<StepResult> {
    const { store } = this.opts;
    const [session, existing] = await Promise.all([this.loadSession(data.sessionId), store.getPostCall(data.sessionId)]);
    // counted from the call's end (the enqueue time when the store has none): the same on every retry
    const anchor = session.endedAt ?? data.enqueuedAt;
    const marks: RetentionMarks = {};
    for (const [collection, keepMs] of Object.entries(this.retention)) marks[collection] = keepMs === null ? null : anchor + keepMs;
    const written = !isDeepStrictEqual(existing.retention, marks);
    if (written) await store.markRetention(data.sessionId, marks);
    return { step: 'retention', collections: Object.keys(marks).length, written };
  }
}
