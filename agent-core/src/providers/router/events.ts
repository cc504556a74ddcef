/**
 * What the provider routers report while they work: one union for the three stages, for metrics, logs and the
 * supervisor dashboard. Every event names the stage, the router (its configured id) and the provider concerned.
 * Events never carry caller content (no transcript, no prompt text), only ids, counts, timings and errors.
 */
import type { BreakerState } from './circuit-breaker.js';

export type Stage = 'stt' | 'dialogue' | 'tts';

/** why a router gave up on a provider and moved to the next one */
export type FallbackReason =
  /** the provider failed with an error that is not worth retrying */
  | 'error'
  /** it failed retryably (RetryableProviderError or a first-output timeout) on every allowed attempt */
  | 'retries_exhausted'
  /** it asked to be retried later (Retry-After) than the router's backoff ceiling allows */
  | 'retry_after_too_long'
  /** its circuit breaker refused the call (open, or half-open with its one trial already in flight) */
  | 'breaker_open';

/** which clock ran out: before the first output, the whole request, or the gap between two outputs */
export type TimeoutKind = 'first_output' | 'total' | 'idle';

interface EventBase {
  stage: Stage;
  /** the router's id */
  router: string;
  /** the provider's id */
  provider: string;
}

export type RouterEvent =
  /** a call to a provider begins; `attempt` counts from 1 per provider and request */
  | (EventBase & { type: 'attempt'; attempt: number })
  /** attempt `attempt` failed retryably; the next one starts after `delayMs` */
  | (EventBase & { type: 'retry'; attempt: number; delayMs: number; error: Error })
  /** a clock ran out during attempt `attempt`; `afterOutput` says whether the caller had already got output */
  | (EventBase & { type: 'timeout'; kind: TimeoutKind; attempt: number; timeoutMs: number; afterOutput: boolean })
  /** the router leaves `provider` for `next` (not sent when no provider is left: the request fails instead) */
  | (EventBase & { type: 'fallback'; next: string; reason: FallbackReason; error: Error })
  /** the provider's circuit breaker changed state */
  | (EventBase & { type: 'breaker_state'; state: BreakerState; previous: BreakerState })
  /** STT only: `provider`'s stream failed mid-call and `next` now serves it; `replayedMs` of audio was replayed */
  | (EventBase & { type: 'failover'; next: string; error: Error; replayedMs: number })
  /** STT only: no final came within `finalTimeoutMs` of flush(); an empty final was emitted in its place */
  | (EventBase & { type: 'stall'; finalTimeoutMs: number });

export type RouterEventType = RouterEvent['type'];

export type RouterEventListener = (event: RouterEvent) => void;

/** an event as a router builds it, before it adds its stage and id */
export type RouterEventBody = RouterEvent extends infer E ? (E extends RouterEvent ? Omit<E, 'stage' | 'router'> : never) : never;
