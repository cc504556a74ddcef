/**
 * The part every router shares (internal): its providers with one circuit breaker each, the retry policy, event
 * emission, and `acquire`, the loop that finds a provider able to start serving a request: providers in order,
 * skipping those whose breaker refuses, retrying retryable failures and first-output timeouts on the same
 * provider with backoff, then falling back to the next.
 */
import { CircuitBreaker, CircuitOpenError, type CircuitBreakerOptions } from './circuit-breaker.js';
import { AllProvidersFailedError, ProviderTimeoutError, toError, type ProviderFailure } from './errors.js';
import type { FallbackReason, RouterEvent, RouterEventBody, RouterEventListener, Stage } from './events.js';
import type { ProviderHealth } from './health.js';
import { abortError, DEFAULT_BACKOFF, isRetryable, retryDelay, sleep as realSleep, type BackoffOptions, type Sleep } from './retry.js';
import { follow } from './signals.js';

/** options every router takes */
export interface RouterCommonOptions {
  /** the router's id; it is also the `id` the router shows as a provider of its stage */
  id: string;
  /** retries per provider, only before its first output (default 1: two attempts per provider) */
  retries?: number;
  /** backoff between retries (default { baseMs: 100, maxMs: 1000 }); maxMs also caps an honoured Retry-After */
  backoff?: BackoffOptions;
  /** options for each provider's circuit breaker (default: 3 consecutive failures open it for 10 s) */
  breaker?: CircuitBreakerOptions;
  /** told of every RouterEvent; must not throw (what it throws is ignored) */
  onEvent?: RouterEventListener;
  /** registry that lists this router's providers and their breaker states */
  health?: ProviderHealth;
  /** uniform [0, 1) source for the backoff jitter (default Math.random) */
  random?: () => number;
  /** the wait between retries (default: a real abortable timer); tests inject one that records the delays */
  sleep?: Sleep;
}

export interface PoolEntry<P> {
  provider: P;
  breaker: CircuitBreaker;
}

export class ProviderPool<P extends { readonly id: string }> {
  readonly entries: readonly PoolEntry<P>[];
  readonly retries: number;
  readonly backoff: BackoffOptions;
  readonly random: () => number;
  readonly sleep: Sleep;
  private readonly onEvent: RouterEventListener | undefined;
  private readonly unregister: (() => void)[] = [];

  constructor(
    readonly stage: Stage,
    readonly router: string,
    providers: readonly P[],
    opts: RouterCommonOptions,
  ) {
    if (providers.length === 0) throw new RangeError(`${router}: a router needs at least one provider`);
    const ids = new Set<string>();
    for (const p of providers) {
      if (ids.has(p.id)) throw new RangeError(`${router}: provider ${p.id} is listed twice`);
      ids.add(p.id);
    }
    const retries = opts.retries ?? 1;
    if (!Number.isInteger(retries) || retries < 0) throw new RangeError(`${router}: retries must be a whole number ≥ 0`);
    const backoff = opts.backoff ?? DEFAULT_BACKOFF;
    if (!(backoff.baseMs >= 0) || !(backoff.maxMs >= 0)) throw new RangeError(`${router}: backoff delays must be ≥ 0`);
    this.retries = retries;
    this.backoff = { baseMs: backoff.baseMs, maxMs: backoff.maxMs };
    this.random = opts.random ?? Math.random;
    this.sleep = opts.sleep ?? realSleep;
    this.onEvent = opts.onEvent;
    const health = opts.health;
    this.entries = providers.map((provider) => {
      const breaker = new CircuitBreaker(`${stage}/${router}/${provider.id}`, {
        ...opts.breaker,
        onStateChange: (state, previous) => {
          opts.breaker?.onStateChange?.(state, previous);
          this.emit({ type: 'breaker_state', provider: provider.id, state, previous });
          health?.report({ stage, router, provider: provider.id, state, previous });
        },
      });
      if (health) this.unregister.push(health.register(stage, router, provider.id, breaker));
      return { provider, breaker };
    });
  }

  emit(body: RouterEventBody): void {
    if (!this.onEvent) return;
    try {
      this.onEvent({ ...body, stage: this.stage, router: this.router } as RouterEvent);
    } catch {
      // diagnostics must never change the outcome of a call
    }
  }

  /** each provider's breaker state, in order */
  states(): { provider: string; state: CircuitBreaker['state'] }[] {
    return this.entries.map((e) => ({ provider: e.provider.id, state: e.breaker.state }));
  }

  /** removes this pool's entries from the health registry */
  dispose(): void {
    for (const off of this.unregister.splice(0)) off();
  }
}

/**
 * Permission from a breaker for one call, settled exactly once with its outcome. Goes through
 * `CircuitBreaker.run` so that a cancelled call (release) frees a half-open breaker's trial slot without
 * counting as a failure. Each method resolves once the breaker has recorded the outcome.
 */
export interface Ticket {
  success(): Promise<void>;
  /** records a failure; after the ticket was settled it records one more failure on the breaker directly */
  failure(): Promise<void>;
  /** a cancelled call: records nothing (no-op when already settled) */
  release(): Promise<void>;
}

export function admit(breaker: CircuitBreaker): Ticket | undefined {
  let resolveCall!: () => void;
  let rejectCall!: (err: Error) => void;
  const call = new Promise<void>((resolve, reject) => {
    resolveCall = resolve;
    rejectCall = reject;
  });
  let admitted = false;
  // run() asks canPass() and calls fn synchronously, so `admitted` is known when run() returns
  const recorded = breaker
    .run(() => {
      admitted = true;
      return call;
    })
    .then(
      () => {},
      () => {},
    );
  if (!admitted) return undefined;
  let settled = false;
  const settle = (how: () => void): Promise<void> => {
    if (!settled) {
      settled = true;
      how();
    }
    return recorded;
  };
  return {
    success: () => settle(resolveCall),
    failure: () => {
      if (settled) {
        breaker.failure();
        return recorded;
      }
      return settle(() => rejectCall(new Error('provider call failed')));
    },
    release: () =>
      settle(() => {
        const cancelled = new Error('provider call cancelled');
        cancelled.name = 'AbortError';
        rejectCall(cancelled);
      }),
  };
}

/** the lifetime of one request: the caller's signal plus an optional overall deadline */
export class RequestScope {
  private readonly controller = new AbortController();
  private readonly unlink: () => void;
  private readonly timer: ReturnType<typeof setTimeout> | undefined;
  private expired = false;

  constructor(
    readonly outer: AbortSignal,
    readonly totalTimeoutMs?: number,
  ) {
    this.unlink = follow(outer, this.controller);
    this.timer =
      totalTimeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            this.expired = true;
            const reason = new Error(`request not finished within ${totalTimeoutMs} ms`);
            reason.name = 'TimeoutError';
            this.controller.abort(reason);
          }, totalTimeoutMs);
  }

  /** aborts when the caller aborts or the deadline passes */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** the deadline passed (and the caller had not aborted first) */
  get timedOut(): boolean {
    return this.expired && !this.outer.aborted;
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.unlink();
  }
}

/** a provider that started serving: its breaker ticket (unsettled), its attempt's signal and what it produced */
export interface Acquired<P, R> {
  index: number;
  entry: PoolEntry<P>;
  attempt: number;
  ticket: Ticket;
  /** the controller of the signal the provider was given; it follows the request's signal until unlink() */
  control: AbortController;
  unlink: () => void;
  result: R;
}

export interface AcquireOptions {
  /** how long one attempt may take to produce its result before it is aborted and counted as failed */
  firstOutputTimeoutMs: number;
  /** indices of the providers to try, in this order (default: all, in configured order) */
  order?: readonly number[];
}

/**
 * Finds the first provider (in order) that produces a result with `attemptFn` within the first-output timeout.
 * `attemptFn` must reject promptly when its signal aborts and clean up after itself. Throws an AbortError when
 * the caller aborts, and AllProvidersFailedError when every provider failed or was skipped, or the request's
 * deadline passed.
 */
export async function acquire<P extends { readonly id: string }, R>(
  pool: ProviderPool<P>,
  scope: RequestScope,
  opts: AcquireOptions,
  attemptFn: (provider: P, signal: AbortSignal) => Promise<R>,
): Promise<Acquired<P, R>> {
  const failures: ProviderFailure[] = [];
  const order = opts.order ?? pool.entries.map((_, i) => i);
  const timeoutMs = opts.firstOutputTimeoutMs;
  for (let k = 0; k < order.length; k++) {
    const index = order[k]!;
    const entry = pool.entries[index]!;
    const id = entry.provider.id;
    let attempt = 0;
    let last: Error | undefined;
    let reason: FallbackReason = 'error';
    while (true) {
      stopIfOver(pool, scope, id, attempt, failures);
      const ticket = admit(entry.breaker);
      if (!ticket) {
        reason = 'breaker_open';
        last ??= new CircuitOpenError(id);
        break;
      }
      attempt += 1;
      pool.emit({ type: 'attempt', provider: id, attempt });
      const control = new AbortController();
      const unlink = follow(scope.signal, control);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        control.abort(new ProviderTimeoutError(id, 'first_output', timeoutMs));
      }, timeoutMs);
      let error: Error;
      try {
        const result = await attemptFn(entry.provider, control.signal);
        clearTimeout(timer);
        return { index, entry, attempt, ticket, control, unlink, result };
      } catch (err) {
        clearTimeout(timer);
        unlink();
        control.abort(); // lets the provider release what it holds; a no-op when already aborted
        error = toError(err);
      }
      if (scope.outer.aborted) {
        await ticket.release();
        throw abortError(scope.outer);
      }
      if (scope.timedOut) {
        await ticket.failure();
        stopIfOver(pool, scope, id, attempt, failures);
      }
      if (timedOut) {
        error = new ProviderTimeoutError(id, 'first_output', timeoutMs);
        pool.emit({ type: 'timeout', kind: 'first_output', provider: id, attempt, timeoutMs, afterOutput: false });
      }
      await ticket.failure();
      last = error;
      if (!timedOut && !isRetryable(error)) {
        reason = 'error';
        break;
      }
      if (attempt > pool.retries) {
        reason = 'retries_exhausted';
        break;
      }
      const delayMs = retryDelay(error, attempt, pool.backoff, pool.random);
      if (delayMs === undefined) {
        reason = 'retry_after_too_long';
        break;
      }
      pool.emit({ type: 'retry', provider: id, attempt, delayMs, error });
      try {
        await pool.sleep(delayMs, scope.signal);
      } catch (err) {
        if (!scope.signal.aborted) throw err;
        // aborted or past the deadline: the check at the top of the loop says which
      }
    }
    failures.push({ provider: id, error: last ?? new CircuitOpenError(id) });
    const next = order[k + 1];
    if (next !== undefined) {
      pool.emit({ type: 'fallback', provider: id, next: pool.entries[next]!.provider.id, reason, error: last ?? new CircuitOpenError(id) });
    }
  }
  throw new AllProvidersFailedError(pool.stage, pool.router, failures);
}

/** throws an AbortError when the caller aborted, AllProvidersFailedError when the request's deadline passed */
function stopIfOver<P extends { readonly id: string }>(pool: ProviderPool<P>, scope: RequestScope, provider: string, attempt: number, failures: ProviderFailure[]): void {
  if (scope.outer.aborted) throw abortError(scope.outer);
  if (!scope.timedOut) return;
  const timeoutMs = scope.totalTimeoutMs ?? 0;
  pool.emit({ type: 'timeout', kind: 'total', provider, attempt, timeoutMs, afterOutput: false });
  failures.push({ provider, error: new ProviderTimeoutError(provider, 'total', timeoutMs) });
  throw new AllProvidersFailedError(pool.stage, pool.router, failures);
}
