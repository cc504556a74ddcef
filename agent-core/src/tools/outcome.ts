/** What running one tool call produced, as the session hands it to the model (or acts on it). */

export type ToolErrorCode =
  | 'invalid_args'
  | 'timeout'
  | 'http_error'
  | 'invalid_result'
  | 'rate_limited'
  | 'circuit_open'
  | 'failed';

/** an action the session performs itself (built-in tools) */
export type ToolAction = { type: 'transfer'; reason?: string } | { type: 'end'; reason?: string };

export type ToolOutcome =
  | { ok: true; result: unknown }
  | { ok: true; action: ToolAction }
  | { ok: false; error: { code: ToolErrorCode; message: string } };

/** an error carrying its outcome code (webhook.ts throws these) */
export class ToolError extends Error {
  constructor(
    readonly code: ToolErrorCode,
    message: string,
    /** HTTP status for `http_error` */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ToolError';
  }
}

export function failure(code: ToolErrorCode, message: string): ToolOutcome {
  return { ok: false, error: { code, message } };
}

/** outcome codes that say something about the tool's health (they count toward its circuit breaker) */
export function isHealthFailure(code: ToolErrorCode): boolean {
  return code === 'timeout' || code === 'http_error' || code === 'invalid_result' || code === 'failed';
}

/** the error a cancelled run rejects with (name 'AbortError', like fetch's) */
export function abortError(signal?: AbortSignal): Error {
  const err = new Error('tool call aborted', signal?.reason instanceof Error ? { cause: signal.reason } : undefined);
  err.name = 'AbortError';
  return err;
}

/** a stored job result back as a ToolOutcome (anything malformed becomes a `failed` outcome) */
export function asOutcome(value: unknown): ToolOutcome {
  if (value && typeof value === 'object' && 'ok' in value) {
    const v = value as Record<string, unknown>;
    if (v.ok === true && 'result' in v) return { ok: true, result: v.result };
    if (v.ok === true && v.action && typeof v.action === 'object') return { ok: true, action: v.action as ToolAction };
    const e = v.error as { code?: unknown; message?: unknown } | undefined;
    if (v.ok === false && e && typeof e.code === 'string' && typeof e.message === 'string') {
      return failure(e.code as ToolErrorCode, e.message);
    }
  }
  return failure('failed', 'tool worker returned a malformed outcome');
}
