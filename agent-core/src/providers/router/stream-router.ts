/**
 * Routing for the streaming stages (dialogue, TTS), shared by DialogueRouter and TtsRouter (internal).
 *
 * Phase 1 (`acquire`): find a provider whose stream yields its first output within the first-output timeout,
 * with retries and fallback. Chunks that are not output (empty text, empty audio) are held back until then.
 * Phase 2 (`deliver`): pass the rest through. From here on nothing is retried or switched, because the caller
 * already has part of the answer: a failure becomes StageFailedAfterOutputError.
 */
import { ProviderTimeoutError, StageFailedAfterOutputError, toError } from './errors.js';
import { acquire, RequestScope, type Acquired, type ProviderPool } from './pool.js';
import { abortError } from './retry.js';
import { closeIterator, raceAbort } from './signals.js';

export interface StreamRouteConfig<P extends { readonly id: string }, T> {
  pool: ProviderPool<P>;
  firstOutputTimeoutMs: number;
  totalTimeoutMs: number | undefined;
  idleTimeoutMs: number | undefined;
  open: (provider: P, signal: AbortSignal) => AsyncIterable<T>;
  /** whether a chunk is output the caller can perceive (it ends the retry phase) */
  isOutput: (chunk: T) => boolean;
}

interface Opened<T> {
  iterator: AsyncIterator<T>;
  /** chunks received so far: non-output ones, then the first output (absent when `done`) */
  prelude: T[];
  /** the stream ended before any output */
  done: boolean;
}

export async function* routeStream<P extends { readonly id: string }, T>(cfg: StreamRouteConfig<P, T>, signal: AbortSignal): AsyncGenerator<T, void, undefined> {
  if (signal.aborted) throw abortError(signal);
  const scope = new RequestScope(signal, cfg.totalTimeoutMs);
  try {
    const got = await acquire(cfg.pool, scope, { firstOutputTimeoutMs: cfg.firstOutputTimeoutMs }, (provider, attemptSignal) =>
      firstOutput(cfg, provider, attemptSignal),
    );
    yield* deliver(cfg, scope, got);
  } finally {
    scope.dispose();
  }
}

async function firstOutput<P extends { readonly id: string }, T>(cfg: StreamRouteConfig<P, T>, provider: P, signal: AbortSignal): Promise<Opened<T>> {
  let iterator: AsyncIterator<T> | undefined;
  try {
    iterator = cfg.open(provider, signal)[Symbol.asyncIterator]();
    const prelude: T[] = [];
    while (true) {
      const r = await raceAbort(iterator.next(), signal);
      if (r.done) return { iterator, prelude, done: true };
      prelude.push(r.value);
      if (cfg.isOutput(r.value)) return { iterator, prelude, done: false };
    }
  } catch (err) {
    closeIterator(iterator);
    throw err;
  }
}

async function* deliver<P extends { readonly id: string }, T>(
  cfg: StreamRouteConfig<P, T>,
  scope: RequestScope,
  got: Acquired<P, Opened<T>>,
): AsyncGenerator<T, void, undefined> {
  const { pool } = cfg;
  const id = got.entry.provider.id;
  const { iterator } = got.result;
  let completed = got.result.done;
  let delivered = 0;
  let idleTimedOut = false;
  try {
    for (const chunk of got.result.prelude) {
      if (cfg.isOutput(chunk)) delivered += 1;
      yield chunk;
    }
    while (!completed) {
      // the idle clock only runs while we wait for the provider, never while the consumer holds a chunk
      const idleMs = cfg.idleTimeoutMs;
      const idleTimer =
        idleMs === undefined
          ? undefined
          : setTimeout(() => {
              idleTimedOut = true;
              got.control.abort(new ProviderTimeoutError(id, 'idle', idleMs));
            }, idleMs);
      let r: IteratorResult<T>;
      try {
        r = await raceAbort(iterator.next(), got.control.signal);
      } finally {
        if (idleTimer !== undefined) clearTimeout(idleTimer);
      }
      if (r.done) {
        completed = true;
        break;
      }
      if (cfg.isOutput(r.value)) delivered += 1;
      yield r.value;
    }
    await got.ticket.success();
  } catch (err) {
    if (scope.outer.aborted) {
      await got.ticket.release();
      throw abortError(scope.outer);
    }
    let cause = toError(err);
    if (scope.timedOut) {
      const timeoutMs = scope.totalTimeoutMs ?? 0;
      cause = new ProviderTimeoutError(id, 'total', timeoutMs);
      pool.emit({ type: 'timeout', kind: 'total', provider: id, attempt: got.attempt, timeoutMs, afterOutput: delivered > 0 });
    } else if (idleTimedOut && cfg.idleTimeoutMs !== undefined) {
      cause = new ProviderTimeoutError(id, 'idle', cfg.idleTimeoutMs);
      pool.emit({ type: 'timeout', kind: 'idle', provider: id, attempt: got.attempt, timeoutMs: cfg.idleTimeoutMs, afterOutput: delivered > 0 });
    }
    await got.ticket.failure();
    throw new StageFailedAfterOutputError(pool.stage, pool.router, id, cause, delivered);
  } finally {
    got.unlink();
    if (!completed) {
      // failed, aborted, or the consumer stopped early: stop the provider
      got.control.abort();
      closeIterator(iterator);
    }
    // the consumer stopped early: the provider was serving fine until then (no-op when already settled)
    if (delivered > 0) void got.ticket.success();
    else void got.ticket.release();
  }
}
