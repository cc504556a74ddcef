/**
 * Tool calls through the BullMQ `realtime` queue.
 *
 * The producer (`ToolQueue`, one per agent-core process, used by every call's session) validates the model's
 * arguments, refuses at once what must not run (invalid arguments, open circuit, rate limit), enqueues the rest
 * with `jobId` derived from the call's idempotency key and waits for the job's outcome, bounded by the tool's
 * `timeoutMs`. The consumer (`ToolWorker`, its own concurrency) runs the webhook and stores the outcome as the
 * job's return value.
 *
 * Idempotency: BullMQ does not add a job whose id exists, so a retried or duplicated tool call (same key) joins
 * the first one: the webhook is hit once and every caller gets the same outcome. Finished jobs are kept for
 * `retentionS` (default 1 h), so a retry within that time gets the stored outcome, including one that
 * finished after the first caller stopped waiting. Failure outcomes are stored the same way: a retry with the
 * same key gets the same failure; a fresh attempt needs a fresh tool call id (which is what a model's own retry
 * produces).
 *
 * Deadlines: every job carries the moment its caller stops waiting. A worker that takes a job after that moment
 * (workers were down, Redis was restarting) does not run it — a booking the caller was told failed must not
 * happen silently later — and stores a `timeout` outcome; a running webhook is cut off at the deadline too.
 *
 * Cancellation: when the caller's signal fires, `run` rejects with an AbortError; a job already queued or
 * running still completes (its outcome is stored for a retry with the same key).
 */
import { createHash } from 'node:crypto';
import { Job, Queue, QueueEvents, Worker, type ConnectionOptions } from 'bullmq';
import type { ToolCall } from '../providers/ports.js';
import { CircuitBreaker, CircuitOpenError, type BreakerState } from '../providers/router/circuit-breaker.js';
import type { CompiledWebhookTool } from './definitions.js';
import { isSealed, type JobSealer, type Sealed } from './job-sealer.js';
import {
  ToolError,
  abortError,
  asOutcome,
  failure,
  isHealthFailure,
  type ToolOutcome,
} from './outcome.js';
import { TokenBucket } from './rate-limit.js';
import type { ToolRegistry } from './registry.js';
import { callWebhook } from './webhook.js';

export const DEFAULT_QUEUE_NAME = 'callgate-realtime';
/** how long finished jobs (and so their outcomes) are kept for retries with the same key */
export const DEFAULT_RETENTION_S = 3600;

/** told once per finished `run` (metrics): tool name, outcome, milliseconds */
export type OutcomeHook = (tool: string, outcome: ToolOutcome, ms: number) => void;

/** what a job carries */
export interface ToolJobData {
  tool: string;
  /** sealed (job-sealer.ts): the arguments never sit in Redis in clear */
  arguments: Sealed;
  sessionId: string;
  callId?: string;
  toolCallId: string;
  turnId: string;
  idempotencyKey: string;
  /** epoch ms after which the caller no longer waits: the worker does not start it any more */
  deadline: number;
}

export interface ToolRunContext {
  sessionId: string;
  turnId: string;
  /** stable across retries of the same tool call, e.g. `toolIdempotencyKey(sessionId, call)` */
  idempotencyKey: string;
  /** telephony call id, passed to the webhook when known */
  callId?: string;
}

/** the idempotency key of a model's tool call within a session */
export function toolIdempotencyKey(sessionId: string, call: Pick<ToolCall, 'id'>): string {
  return `${sessionId}/${call.id}`;
}

/**
 * BullMQ refuses custom job ids that parse as integers or contain ':' (unless shaped like its own
 * repeat ids), so the key is prefixed and percent-encoded; very long keys are hashed.
 */
export function jobIdFor(idempotencyKey: string): string {
  const encoded = encodeURIComponent(idempotencyKey);
  if (encoded.length <= 200) return `ik-${encoded}`;
  return `ikh-${createHash('sha256').update(idempotencyKey).digest('hex')}`;
}

interface QueueCommonOptions {
  registry: ToolRegistry;
  /** seals arguments and outcomes in Redis; producer and worker need the same one (the same key) */
  sealer: JobSealer;
  /** BullMQ connection: `{host, port}` (e.g. `PrivateRedis.connection`) or an ioredis instance */
  connection: ConnectionOptions;
  /** default 'callgate-realtime' */
  queueName?: string;
  /** BullMQ key prefix (default 'bull') */
  prefix?: string;
  onOutcome?: OutcomeHook;
  /** connection and processing errors BullMQ reports (default: ignored; BullMQ reconnects by itself) */
  onError?: (err: Error) => void;
}

export interface ToolQueueOptions extends QueueCommonOptions {
  /** default 3600 s */
  retentionS?: number;
  /** breaker defaults for tools that configure none */
  breaker?: { failureThreshold?: number; openMs?: number };
  /** clock for breakers and rate limits (ms, monotonic) */
  now?: () => number;
  onBreakerStateChange?: (tool: string, state: BreakerState, previous: BreakerState) => void;
}

class OutcomeFailure extends Error {
  constructor(readonly outcome: ToolOutcome) {
    super('tool failed');
  }
}

/** the producer side: what a session calls */
export class ToolQueue {
  readonly queueName: string;
  private readonly queue: Queue<ToolJobData, Sealed, string>;
  private readonly events: QueueEvents;
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly retentionS: number;
  private readyPromise: Promise<void> | undefined;
  private closed = false;
  /** settles every waiting run (used by close) */
  private readonly pending = new Set<(outcome: ToolOutcome) => void>();

  constructor(private readonly opts: ToolQueueOptions) {
    this.queueName = opts.queueName ?? DEFAULT_QUEUE_NAME;
    this.retentionS = opts.retentionS ?? DEFAULT_RETENTION_S;
    const base = { connection: opts.connection, ...(opts.prefix ? { prefix: opts.prefix } : {}) };
    this.queue = new Queue<ToolJobData, Sealed, string>(this.queueName, base);
    this.events = new QueueEvents(this.queueName, base);
    // hundreds of concurrent calls each listen for their own job's events
    this.events.setMaxListeners(0);
    const onError = (err: Error): void => opts.onError?.(err);
    this.queue.on('error', onError);
    this.events.on('error', onError);
  }

  /** resolves once the queue and its event stream are connected (run() waits for it itself) */
  ready(): Promise<void> {
    this.readyPromise ??= Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]).then(() => undefined);
    return this.readyPromise;
  }

  /** the breaker state of a webhook tool (undefined before its first call) */
  breakerState(tool: string): BreakerState | undefined {
    return this.breakers.get(tool)?.state;
  }

  /**
   * Runs one tool call and resolves with its outcome; never rejects for a tool failure, only with an
   * AbortError when `signal` fires (the job, if queued, still runs to completion).
   */
  /** a stored outcome, opened (an outcome that cannot be opened is a failure, never a guess) */
  private openOutcome(value: unknown, jobId: string, tool: string): ToolOutcome {
    if (!isSealed(value)) return asOutcome(value);
    try {
      return asOutcome(this.opts.sealer.open(value, jobId));
    } catch {
      return failure('failed', `${tool}: the stored outcome cannot be opened (sealed by another agent-core or before a restart)`);
    }
  }

  async run(call: ToolCall, ctx: ToolRunContext, signal?: AbortSignal): Promise<ToolOutcome> {
    const started = performance.now();
    const outcome = await this.runInner(call, ctx, signal);
    this.opts.onOutcome?.(call.name, outcome, performance.now() - started);
    return outcome;
  }

  private async runInner(call: ToolCall, ctx: ToolRunContext, signal?: AbortSignal): Promise<ToolOutcome> {
    if (signal?.aborted) throw abortError(signal);
    const { registry } = this.opts;
    const tool = registry.get(call.name);
    const check = registry.validateArgs(call.name, call.arguments);
    if (!tool || !check.ok) return failure('invalid_args', check.ok ? `unknown tool "${call.name}"` : check.message);

    if (tool.kind === 'builtin') {
      const reason = typeof call.arguments.reason === 'string' ? call.arguments.reason : undefined;
      const type = tool.name === 'transfer_call' ? 'transfer' : 'end';
      return { ok: true, action: reason !== undefined ? { type, reason } : { type } };
    }

    const breaker = this.breakerFor(tool);
    if (breaker.state === 'open') return failure('circuit_open', `${tool.name}: circuit open after repeated failures`);
    const bucket = this.bucketFor(tool);
    if (bucket && !bucket.tryTake()) {
      return failure('rate_limited', `${tool.name}: rate limit of ${tool.rateLimit?.perSecond}/s reached; try again shortly`);
    }
    try {
      return await breaker.run(async () => {
        const outcome = await this.enqueueAndWait(tool, call, ctx, signal);
        if (!outcome.ok && isHealthFailure(outcome.error.code)) throw new OutcomeFailure(outcome);
        return outcome;
      });
    } catch (err) {
      if (err instanceof OutcomeFailure) return err.outcome;
      if (err instanceof CircuitOpenError) return failure('circuit_open', `${tool.name}: circuit open, a trial call is in flight`);
      throw err;
    }
  }

  private breakerFor(tool: CompiledWebhookTool): CircuitBreaker {
    let b = this.breakers.get(tool.name);
    if (!b) {
      const cfg = { ...this.opts.breaker, ...tool.breaker };
      b = new CircuitBreaker(`tool ${tool.name}`, {
        ...(cfg.failureThreshold !== undefined ? { failureThreshold: cfg.failureThreshold } : {}),
        ...(cfg.openMs !== undefined ? { openMs: cfg.openMs } : {}),
        ...(this.opts.now ? { now: this.opts.now } : {}),
        onStateChange: (s, p) => this.opts.onBreakerStateChange?.(tool.name, s, p),
      });
      this.breakers.set(tool.name, b);
    }
    return b;
  }

  private bucketFor(tool: CompiledWebhookTool): TokenBucket | undefined {
    if (!tool.rateLimit) return undefined;
    let b = this.buckets.get(tool.name);
    if (!b) {
      b = new TokenBucket(tool.rateLimit.perSecond, tool.rateLimit.burst, this.opts.now);
      this.buckets.set(tool.name, b);
    }
    return b;
  }

  private enqueueAndWait(
    tool: CompiledWebhookTool,
    call: ToolCall,
    ctx: ToolRunContext,
    signal?: AbortSignal,
  ): Promise<ToolOutcome> {
    if (this.closed) return Promise.resolve(failure('failed', 'tool queue is closed'));
    const jobId = jobIdFor(ctx.idempotencyKey);
    const deadline = Date.now() + tool.timeoutMs;
    const data: ToolJobData = {
      tool: tool.name,
      arguments: this.opts.sealer.seal(call.arguments, jobId),
      sessionId: ctx.sessionId,
      ...(ctx.callId !== undefined ? { callId: ctx.callId } : {}),
      toolCallId: call.id,
      turnId: ctx.turnId,
      idempotencyKey: ctx.idempotencyKey,
      deadline,
    };

    return new Promise<ToolOutcome>((resolve, reject) => {
      let settled = false;
      let pollTimer: NodeJS.Timeout | undefined;
      const completedEvent = `completed:${jobId}`;
      const failedEvent = `failed:${jobId}`;
      const cleanup = (): void => {
        settled = true;
        clearTimeout(timer);
        clearTimeout(pollTimer);
        this.pending.delete(finish);
        this.events.off(completedEvent as 'completed', onCompleted);
        this.events.off(failedEvent as 'failed', onFailed);
        signal?.removeEventListener('abort', onAbort);
      };
      const finish = (outcome: ToolOutcome): void => {
        if (settled) return;
        cleanup();
        resolve(outcome);
      };
      const onCompleted = (args: { returnvalue: unknown }): void => finish(this.openOutcome(args.returnvalue, jobId, tool.name));
      const onFailed = (args: { failedReason: string }): void =>
        finish(failure('failed', `${tool.name}: ${args.failedReason || 'tool job failed'}`));
      const onAbort = (): void => {
        if (settled) return;
        cleanup();
        reject(abortError(signal));
      };
      const timer = setTimeout(
        () => finish(failure('timeout', `${tool.name}: no outcome within ${tool.timeoutMs} ms`)),
        tool.timeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.add(finish);

      // the outcome stored on the job, when it has finished (null while it has not)
      const stored = async (): Promise<ToolOutcome | null> => {
        const job = await Job.fromId<ToolJobData, Sealed>(this.queue, jobId);
        if (!job || !job.finishedOn) return null;
        if (job.returnvalue !== null && job.returnvalue !== undefined) return this.openOutcome(job.returnvalue, jobId, tool.name);
        return failure('failed', `${tool.name}: ${job.failedReason || 'tool job failed'}`);
      };
      // Events are the fast path; a slow poll covers what the event stream can miss (events written before its
      // first blocking read, or while its connection was re-established after a Redis restart).
      let pollMs = 250;
      const poll = (): void => {
        pollTimer = setTimeout(() => {
          stored()
            .then((o) => (o ? finish(o) : undefined))
            .catch(() => undefined)
            .finally(() => {
              if (!settled) poll();
            });
        }, pollMs);
        pollMs = Math.min(pollMs * 2, 1000);
      };

      void (async () => {
        await this.ready();
        if (settled) return;
        // listen before adding, so a quick completion is not missed
        this.events.on(completedEvent as 'completed', onCompleted);
        this.events.on(failedEvent as 'failed', onFailed);
        await this.queue.add(tool.name, data, {
          jobId,
          attempts: 1,
          removeOnComplete: { age: this.retentionS },
          removeOnFail: { age: this.retentionS },
        });
        if (settled) return;
        // a job with this id may have finished before (a retry): its outcome is stored on it
        const o = await stored().catch(() => null);
        if (o) finish(o);
        else if (!settled) poll();
      })().catch((err: Error) => finish(failure('failed', `${tool.name}: could not enqueue: ${err.message}`)));
    });
  }

  /** stops listening and closes the connections; runs still waiting settle with a `failed` outcome */
  async close(): Promise<void> {
    this.closed = true;
    for (const finish of [...this.pending]) finish(failure('failed', 'tool queue closed while waiting'));
    await Promise.allSettled([this.events.close(), this.queue.close()]);
  }
}

export interface ToolWorkerOptions extends QueueCommonOptions {
  /** jobs run at once by this worker (default 16) */
  concurrency?: number;
  /** run jobs whose caller stopped waiting (default false: they get a `timeout` outcome without a request) */
  runExpiredJobs?: boolean;
  /** for tests; default: global fetch */
  fetch?: typeof fetch;
}

/** the consumer side: runs webhook jobs */
export class ToolWorker {
  readonly queueName: string;
  private readonly worker: Worker<ToolJobData, Sealed, string>;

  constructor(private readonly opts: ToolWorkerOptions) {
    this.queueName = opts.queueName ?? DEFAULT_QUEUE_NAME;
    this.worker = new Worker<ToolJobData, Sealed, string>(
      this.queueName,
      async (job, _token, signal) => opts.sealer.seal(await this.process(job.data, job.id ?? '', signal), job.id ?? ''),
      {
        connection: opts.connection,
        concurrency: opts.concurrency ?? 16,
        ...(opts.prefix ? { prefix: opts.prefix } : {}),
      },
    );
    this.worker.on('error', (err) => opts.onError?.(err));
  }

  ready(): Promise<void> {
    return this.worker.waitUntilReady().then(() => undefined);
  }

  /** stops taking jobs and waits for the running ones to finish */
  async close(): Promise<void> {
    await this.worker.close();
  }

  private async process(data: ToolJobData, jobId: string, signal?: AbortSignal): Promise<ToolOutcome> {
    const started = performance.now();
    const outcome = await this.execute(data, jobId, signal);
    this.opts.onOutcome?.(data.tool, outcome, performance.now() - started);
    return outcome;
  }

  private async execute(data: ToolJobData, jobId: string, signal?: AbortSignal): Promise<ToolOutcome> {
    const tool = this.opts.registry.webhook(data.tool);
    if (!tool) return failure('failed', `${data.tool}: not a webhook tool known to this worker`);
    let args: Record<string, unknown>;
    try {
      args = this.opts.sealer.open(data.arguments, jobId) as Record<string, unknown>;
    } catch {
      return failure('failed', `${tool.name}: the job's arguments cannot be opened (sealed by another agent-core or before a restart)`);
    }
    const check = this.opts.registry.validateArgs(tool.name, args);
    if (!check.ok) return failure('invalid_args', check.message);
    const left = data.deadline - Date.now();
    if (left <= 0 && !this.opts.runExpiredJobs) {
      return failure('timeout', `${tool.name}: the caller stopped waiting before a worker took the job`);
    }
    const timeoutMs = this.opts.runExpiredJobs ? tool.webhookTimeoutMs : Math.min(tool.webhookTimeoutMs, left);
    try {
      const result = await callWebhook(
        tool,
        {
          tool: tool.name,
          arguments: args,
          sessionId: data.sessionId,
          ...(data.callId !== undefined ? { callId: data.callId } : {}),
          toolCallId: data.toolCallId,
        },
        {
          idempotencyKey: data.idempotencyKey,
          timeoutMs,
          ...(signal ? { signal } : {}),
          ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}),
        },
      );
      return { ok: true, result };
    } catch (err) {
      if (err instanceof ToolError) return failure(err.code, err.message);
      // the worker is shutting down or the job was cancelled: let BullMQ mark it failed
      throw err;
    }
  }
}
