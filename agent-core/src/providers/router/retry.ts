/**
 * Retry helpers: exponential backoff with full jitter, the Retry-After rule, and a sleep that an AbortSignal
 * cuts short.
 */
import { RetryableProviderError } from '../ports.js';

export interface BackoffOptions {
  /** ceiling of the first retry's delay */
  baseMs: number;
  /** no delay exceeds this; a Retry-After above it is not waited for (the router moves on instead) */
  maxMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ baseMs: 100, maxMs: 1_000 });

/**
 * Full jitter: a delay drawn uniformly from [0, min(maxMs, baseMs * 2^(retry-1))). `retry` counts from 1.
 * `random` returns a number in [0, 1) like Math.random (injectable for tests).
 */
export function backoffDelay(retry: number, backoff: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, retry - 1));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.max(0, Math.floor(r * ceiling));
}

export function isRetryable(err: unknown): err is RetryableProviderError {
  return err instanceof RetryableProviderError || (err instanceof Error && err.name === 'RetryableProviderError');
}

/**
 * How long to wait before retrying after `err` (attempt `retry`, from 1): the provider's Retry-After when it
 * gave one and it is at most `maxMs`; undefined when it asked for longer (do not wait; try another provider);
 * the jittered backoff otherwise.
 */
export function retryDelay(err: Error, retry: number, backoff: BackoffOptions, random: () => number = Math.random): number | undefined {
  const after = isRetryable(err) ? err.retryAfterS : undefined;
  if (typeof after === 'number' && Number.isFinite(after) && after >= 0) {
    const ms = Math.ceil(after * 1000);
    return ms <= backoff.maxMs ? ms : undefined;
  }
  return backoffDelay(retry, backoff, random);
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

/** the error to throw for an aborted signal: its reason when that is an AbortError, else an AbortError citing it */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (isAbortError(reason)) return reason as Error;
  const err = new Error('The operation was aborted', { cause: reason });
  err.name = 'AbortError';
  return err;
}

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** waits `ms`; rejects with an AbortError (see abortError) as soon as `signal` aborts */
export const sleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
