/**
 * One webhook tool call over HTTP: POST of `{tool, arguments, sessionId, callId?, toolCallId?}` as JSON with the
 * tool's configured headers, `Idempotency-Key` (the same key on every retry of the same tool call, so the
 * endpoint can deduplicate) and `Content-Type: application/json`. Redirects are not followed (they could carry
 * auth headers elsewhere); the JSON response is checked against the tool's result schema.
 */
import { formatSchemaErrors, type CompiledWebhookTool } from './definitions.js';
import { ToolError, abortError } from './outcome.js';

export interface WebhookPayload {
  tool: string;
  arguments: Record<string, unknown>;
  /** the agent session (one phone call) */
  sessionId: string;
  /** the telephony call id, when the session knows it */
  callId?: string;
  /** the model's id for this tool call */
  toolCallId?: string;
}

export interface WebhookCallOptions {
  idempotencyKey: string;
  /** cancels the request (hang-up, barge-in): the promise rejects with an AbortError */
  signal?: AbortSignal;
  /** overrides the tool's webhook timeout (the worker passes what is left of the call's deadline) */
  timeoutMs?: number;
  /** for tests; default: global fetch */
  fetch?: typeof fetch;
}

/** largest response body accepted; a tool result goes into the model's context */
export const MAX_RESPONSE_BYTES = 256 * 1024;

/**
 * Runs the webhook once. Resolves with the validated JSON result (`null` for an empty body); rejects with a
 * ToolError (`timeout`, `http_error`, `invalid_result`, `failed`) or, when `signal` fires, an AbortError.
 */
export async function callWebhook(
  tool: CompiledWebhookTool,
  payload: WebhookPayload,
  opts: WebhookCallOptions,
): Promise<unknown> {
  const caller = opts.signal;
  if (caller?.aborted) throw abortError(caller);
  const timeoutMs = Math.max(1, opts.timeoutMs ?? tool.webhookTimeoutMs);
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = caller ? AbortSignal.any([caller, timeout]) : timeout;
  const doFetch = opts.fetch ?? fetch;

  const classify = (err: unknown): Error => {
    if (caller?.aborted) return abortError(caller);
    if (timeout.aborted) return new ToolError('timeout', `${tool.name}: webhook did not answer within ${timeoutMs} ms`);
    if (err instanceof ToolError) return err;
    const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
    const detail = cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
    return new ToolError('failed', `${tool.name}: webhook request failed: ${detail}`);
  };

  let text: string;
  let status: number;
  try {
    const res = await doFetch(tool.url, {
      method: tool.method,
      headers: {
        ...tool.headers,
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'Idempotency-Key': opts.idempotencyKey,
      },
      body: JSON.stringify(payload),
      redirect: 'manual',
      signal,
    });
    status = res.status;
    if (status < 200 || status > 299) {
      await res.body?.cancel().catch(() => undefined);
      throw new ToolError('http_error', `${tool.name}: webhook answered HTTP ${status}`, status);
    }
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > MAX_RESPONSE_BYTES) {
      await res.body?.cancel().catch(() => undefined);
      throw new ToolError('invalid_result', `${tool.name}: response of ${declared} bytes exceeds ${MAX_RESPONSE_BYTES}`);
    }
    text = await res.text();
  } catch (err) {
    throw classify(err);
  }
  if (Buffer.byteLength(text) > MAX_RESPONSE_BYTES) {
    throw new ToolError('invalid_result', `${tool.name}: response exceeds ${MAX_RESPONSE_BYTES} bytes`);
  }

  let result: unknown = null;
  if (text.trim() !== '') {
    try {
      result = JSON.parse(text);
    } catch {
      throw new ToolError('invalid_result', `${tool.name}: webhook response (HTTP ${status}) is not JSON`);
    }
  }
  if (tool.validateResult && !tool.validateResult(result)) {
    throw new ToolError(
      'invalid_result',
      `${tool.name}: webhook result does not match the result schema: ${formatSchemaErrors(tool.validateResult.errors, 'result')}`,
    );
  }
  return result;
}
