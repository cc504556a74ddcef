/**
 * The errors a router raises. The session needs to tell three outcomes apart:
 * - `AllProvidersFailedError`: nothing reached the caller; it may say something else (an apology, a transfer);
 * - `StageFailedAfterOutputError`: part of the answer already reached the caller and the rest is lost; retrying
 *   elsewhere would repeat words, so the session apologises for the cut instead;
 * - an error named 'AbortError': the session itself cancelled (barge-in, hang-up); nothing to handle.
 */
import type { Stage } from './events.js';

/** one provider's last error in a request that no provider could serve */
export interface ProviderFailure {
  provider: string;
  error: Error;
}

export class AllProvidersFailedError extends Error {
  constructor(
    readonly stage: Stage,
    readonly router: string,
    /** every provider tried or skipped, in order, with its last error */
    readonly failures: readonly ProviderFailure[],
  ) {
    const detail = failures.map((f) => `${f.provider}: ${f.error.message}`).join('; ');
    super(`${router} (${stage}): all providers failed${detail ? `: ${detail}` : ''}`);
    this.name = 'AllProvidersFailedError';
  }
}

export class StageFailedAfterOutputError extends Error {
  constructor(
    readonly stage: Stage,
    readonly router: string,
    /** the provider whose stream broke */
    readonly provider: string,
    /** what broke it: the provider's error or a TimeoutError */
    override readonly cause: Error,
    /** how many output chunks the caller had already received */
    readonly chunksDelivered: number,
  ) {
    super(`${router} (${stage}): ${provider} failed after ${chunksDelivered} chunk(s) had been delivered: ${cause.message}`, { cause });
    this.name = 'StageFailedAfterOutputError';
  }
}

/** a router's own clock ran out on a provider (see TimeoutKind in events.ts) */
export class ProviderTimeoutError extends Error {
  constructor(
    readonly provider: string,
    readonly kind: 'first_output' | 'total' | 'idle',
    readonly timeoutMs: number,
  ) {
    const what = kind === 'first_output' ? 'no first output' : kind === 'total' ? 'request not finished' : 'no further output';
    super(`${provider}: ${what} within ${timeoutMs} ms`);
    this.name = 'ProviderTimeoutError';
  }
}

/** normalises anything thrown into an Error */
export function toError(err: unknown): Error {
  if (err instanceof Error) return err;
  return new Error(typeof err === 'string' ? err : `non-error thrown: ${String(err)}`);
}
