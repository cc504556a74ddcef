/**
 * The post-call flow of one ended call on the BullMQ `batch` queue, and its producer.
 *
 * Shape: one BullMQ flow per session, a chain of four jobs where each is the parent of the step before it, so
 * BullMQ runs them in order (a parent runs once its child completed):
 *
 *     retention  (root)          id pc-<session>-retention
 *       └ analytics              id pc-<session>-analytics
 *           └ summarize          id pc-<session>-summarize
 *               └ redact (leaf)  id pc-<session>-redact      ← runs first
 *
 * Job ids derive from the session id, so enqueueing the same ended call twice gives one flow (BullMQ does not
 * add a job whose id exists; `enqueue` also looks for the root first). Each step retries with exponential
 * backoff (`attempts`, `backoffMs`); a step that fails its last attempt fails its parents too
 * (`failParentOnFailure`), so the whole flow ends visibly `failed`, and failed jobs are kept (default 30 days)
 * for `status` and for operators. Completed jobs are kept a day by default: enqueueing the call again within
 * that time is a no-op, later it runs the (idempotent) steps again.
 */
import { createHash } from 'node:crypto';
import { FlowProducer, Job, Queue, type ConnectionOptions, type FlowJob, type JobsOptions } from 'bullmq';

export const DEFAULT_BATCH_QUEUE_NAME = 'callgate-batch';

/** the steps in the order they run */
export const POST_CALL_STEPS = ['redact', 'summarize', 'analytics', 'retention'] as const;
export type PostCallStep = (typeof POST_CALL_STEPS)[number];

export function isPostCallStep(name: string): name is PostCallStep {
  return (POST_CALL_STEPS as readonly string[]).includes(name);
}

/** what every job of a flow carries */
export interface PostCallJobData {
  sessionId: string;
  /** when the flow was enqueued (epoch ms): the retention anchor of a call without an end time */
  enqueuedAt: number;
}

/**
 * The job id of a step: BullMQ refuses ids that parse as integers or contain ':', so the session id is
 * percent-encoded (and hashed when very long).
 */
export function postCallJobId(sessionId: string, step: PostCallStep): string {
  const encoded = encodeURIComponent(sessionId);
  if (encoded.length <= 180) return `pc-${encoded}-${step}`;
  return `pch-${createHash('sha256').update(sessionId).digest('hex')}-${step}`;
}

/** BullMQ's state of one step's job */
export type StepJobState =
  | 'completed'
  | 'failed'
  | 'active'
  | 'delayed'
  | 'prioritized'
  | 'waiting'
  | 'waiting-children'
  | 'unknown'
  | 'missing';

export interface PostCallStatus {
  /** waiting: queued, or between retries; active: a step is running; failed: a step used its last attempt */
  state: 'waiting' | 'active' | 'completed' | 'failed';
  /** the step running, next to run, or that failed (absent when completed) */
  step?: PostCallStep;
  /** attempts made by that step (completed: by all steps together) */
  attempts: number;
  /** the step's last error (a failed flow, or a step waiting for its retry) */
  error?: string;
  /** every step's job, in run order */
  steps: Array<{ step: PostCallStep; state: StepJobState; attempts: number }>;
}

export interface BatchQueueCommonOptions {
  /** BullMQ connection: `{host, port}` (e.g. `PrivateRedis.connection`) or an ioredis instance */
  connection: ConnectionOptions;
  /** default 'callgate-batch' */
  queueName?: string;
  /** BullMQ key prefix (default 'bull') */
  prefix?: string;
  /** connection errors BullMQ reports (default: ignored; BullMQ reconnects by itself) */
  onError?: (err: Error) => void;
}

export interface PostCallFlowsOptions extends BatchQueueCommonOptions {
  /** attempts per step, first one included (default 5) */
  attempts?: number;
  /** first retry delay; doubles with every further retry (default 2000 ms) */
  backoffMs?: number;
  /** how long completed jobs are kept (default 86 400 s) */
  keepCompletedS?: number;
  /** how long failed jobs are kept (default 30 days) */
  keepFailedS?: number;
  /** clock for `enqueuedAt` (epoch ms) */
  now?: () => number;
}

export interface EnqueueResult {
  /** false when a flow for the session already existed (nothing was added) */
  created: boolean;
  /** the root job's id (the retention step) */
  jobId: string;
}

/** The producer: enqueues ended calls and tells how their flows stand. */
export class PostCallFlows {
  readonly queueName: string;
  private readonly producer: FlowProducer;
  private readonly queue: Queue<PostCallJobData>;
  private readonly prefix: string | undefined;
  private readonly jobOpts: Pick<JobsOptions, 'attempts' | 'backoff' | 'removeOnComplete' | 'removeOnFail'>;

  constructor(private readonly opts: PostCallFlowsOptions) {
    this.queueName = opts.queueName ?? DEFAULT_BATCH_QUEUE_NAME;
    this.prefix = opts.prefix;
    const attempts = opts.attempts ?? 5;
    if (!Number.isInteger(attempts) || attempts < 1) throw new Error(`post-call flows: attempts must be an integer ≥ 1, not ${attempts}`);
    this.jobOpts = {
      attempts,
      backoff: { type: 'exponential', delay: opts.backoffMs ?? 2000 },
      removeOnComplete: { age: opts.keepCompletedS ?? 86_400 },
      removeOnFail: { age: opts.keepFailedS ?? 30 * 86_400 },
    };
    const base = { connection: opts.connection, ...(opts.prefix ? { prefix: opts.prefix } : {}) };
    this.producer = new FlowProducer(base);
    this.queue = new Queue<PostCallJobData>(this.queueName, base);
    const onError = (err: Error): void => opts.onError?.(err);
    this.producer.on('error', onError);
    this.queue.on('error', onError);
  }

  ready(): Promise<void> {
    return Promise.all([this.producer.waitUntilReady(), this.queue.waitUntilReady()]).then(() => undefined);
  }

  /** the flow tree for a session (exported for tests and tooling; `enqueue` adds it) */
  flowFor(sessionId: string, enqueuedAt: number): FlowJob {
    const data: PostCallJobData = { sessionId, enqueuedAt };
    // built from the leaf up: each step is the only child of the step after it
    let node: FlowJob | undefined;
    for (const step of POST_CALL_STEPS) {
      const isRoot = step === POST_CALL_STEPS[POST_CALL_STEPS.length - 1];
      const next: FlowJob = {
        name: step,
        queueName: this.queueName,
        data,
        ...(this.prefix ? { prefix: this.prefix } : {}),
        opts: { ...this.jobOpts, jobId: postCallJobId(sessionId, step), ...(isRoot ? {} : { failParentOnFailure: true }) },
        ...(node ? { children: [node] } : {}),
      } as FlowJob;
      node = next;
    }
    return node!;
  }

  /** adds the flow of an ended call, unless the session already has one */
  async enqueue(sessionId: string): Promise<EnqueueResult> {
    if (!sessionId) throw new Error('post-call flows: empty session id');
    const jobId = postCallJobId(sessionId, 'retention');
    if (await this.queue.getJob(jobId)) return { created: false, jobId };
    await this.producer.add(this.flowFor(sessionId, (this.opts.now ?? Date.now)()));
    return { created: true, jobId };
  }

  /** where the session's flow stands; undefined when it has none (never enqueued, or removed after keeping) */
  async status(sessionId: string): Promise<PostCallStatus | undefined> {
    const steps = await Promise.all(
      POST_CALL_STEPS.map(async (step) => {
        // the state first, then the job: a job read before it finished could show a completed state with the
        // attempt count it had while active
        const id = postCallJobId(sessionId, step);
        const state = (await this.queue.getJobState(id)) as StepJobState | 'unknown';
        const job = state === 'unknown' ? undefined : await Job.fromId<PostCallJobData>(this.queue, id);
        if (!job) return { step, state: 'missing' as StepJobState, attempts: 0, error: undefined };
        return { step, state: state as StepJobState, attempts: job.attemptsMade, error: job.failedReason || undefined };
      }),
    );
    if (steps.every((s) => s.state === 'missing')) return undefined;
    const summary = steps.map(({ step, state, attempts }) => ({ step, state, attempts }));
    const withError = (s: (typeof steps)[number]): { error?: string } => (s.error ? { error: s.error } : {});

    // the first failed step in run order is where the failure began (it failed its parents after it)
    const failed = steps.find((s) => s.state === 'failed');
    if (failed) return { state: 'failed', step: failed.step, attempts: failed.attempts, ...withError(failed), steps: summary };
    const root = steps[steps.length - 1];
    if (root?.state === 'completed') {
      return { state: 'completed', attempts: steps.reduce((a, s) => a + s.attempts, 0), steps: summary };
    }
    const active = steps.find((s) => s.state === 'active');
    if (active) return { state: 'active', step: active.step, attempts: active.attempts, ...withError(active), steps: summary };
    // a step before an existing one that is missing completed and was removed; the next one is the first other
    const next = steps.find((s) => s.state !== 'completed' && s.state !== 'missing') ?? steps[0]!;
    return { state: 'waiting', step: next.step, attempts: next.attempts, ...withError(next), steps: summary };
  }

  /**
   * Runs a failed flow again from its first step: removes the session's jobs and enqueues the call anew (the
   * steps are idempotent). Resolves false, doing nothing, when the flow is not failed.
   */
  async retry(sessionId: string): Promise<boolean> {
    const s = await this.status(sessionId);
    if (s?.state !== 'failed') return false;
    await this.queue.remove(postCallJobId(sessionId, 'retention'), { removeChildren: true });
    for (const step of POST_CALL_STEPS) await this.queue.remove(postCallJobId(sessionId, step));
    await this.enqueue(sessionId);
    return true;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.producer.close(), this.queue.close()]);
  }
}
