/**
 * Plumbing shared by the HTTP adapters (chat completions, speech): one request with its own AbortController
 * linked to the caller's signal, an idle timer (no response headers / no body bytes for `idleTimeoutMs`), and
 * the mapping of what can go wrong onto the errors the router understands:
 *
 * - the caller's signal fired            → an Error named 'AbortError'
 * - 429, 408, 5xx                        → RetryableProviderError (retryAfterS from Retry-After)
 * - other 4xx                            → plain Error with the status and the server's message (truncated)
 * - connection refused / reset / timeout → RetryableProviderError
 * - body cut after output was emitted    → plain Error('stream cut …') (the router cannot replay half a reply)
 * - body cut before any output           → RetryableProviderError('stream cut …')
 */
import { RetryableProviderError } from '../ports.js';

/** The error every adapter throws once its signal fired. */
export function abortError(message = 'aborted'): Error {
  const err = new Error(message);
  err.name = 'AbortError';
  return err;
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

/** Retry-After: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** Statuses worth retrying on the same provider. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

export function truncate(text: string, max = 300): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length <= max ? t : `${t.slice(0, max)}…`;
}

/** Pulls a human message out of an error body: OpenAI's {error:{message}}, {error:'…'}, {message}, {detail}, or the text. */
export function errorMessageFromBody(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object') {
      const o = parsed as Record<string, unknown>;
      const e = o.error;
      if (e && typeof e === 'object' && typeof (e as Record<string, unknown>).message === 'string') {
        return (e as Record<string, unknown>).message as string;
      }
      if (typeof e === 'string') return e;
      if (typeof o.message === 'string') return o.message;
      if (typeof o.detail === 'string') return o.detail;
      if (o.err_msg !== undefined) return String(o.err_msg);
    }
  } catch {
    // not JSON (or cut short): look for a "message" field, else use the text
    const m = /"message"\s*:\s*"((?:[^"\\]|\\.)*)/.exec(body);
    if (m?.[1] !== undefined) return m[1];
  }
  return body;
}

/** Describes a low-level network failure: `fetch failed (ECONNREFUSED)` and the like. */
export function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  let code: string | undefined;
  let causeMsg: string | undefined;
  if (cause && typeof cause === 'object') {
    const c = cause as { code?: unknown; message?: unknown };
    if (typeof c.code === 'string') code = c.code;
    if (typeof c.message === 'string') causeMsg = c.message;
  }
  const own = (err as { code?: unknown }).code;
  if (!code && typeof own === 'string') code = own;
  const parts = [err.message];
  if (causeMsg && causeMsg !== err.message) parts.push(causeMsg);
  if (code) parts.push(`(${code})`);
  return parts.join(': ').replace(/: \(/, ' (');
}

export interface RemoteRequestOptions {
  /** provider id, used in error messages */
  provider: string;
  /** the caller's signal */
  signal: AbortSignal;
  /** longest wait for response headers and between body chunks; 0 disables */
  idleTimeoutMs: number;
}

/**
 * One HTTP exchange. `dispose()` must run when the caller is done (finally): it aborts the request if the body
 * was not read to its end, which closes the connection so the server stops producing.
 */
export class RemoteRequest {
  private readonly ctl = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timedOut = false;
  private completed = false;
  private readonly onAbort = (): void => this.ctl.abort();

  constructor(private readonly opts: RemoteRequestOptions) {
    if (opts.signal.aborted) this.ctl.abort();
    else opts.signal.addEventListener('abort', this.onAbort, { once: true });
  }

  get aborted(): boolean {
    return this.opts.signal.aborted;
  }

  throwIfAborted(): void {
    if (this.opts.signal.aborted) throw abortError();
  }

  private arm(): void {
    this.disarm();
    if (this.opts.idleTimeoutMs > 0) {
      this.timer = setTimeout(() => {
        this.timedOut = true;
        this.ctl.abort();
      }, this.opts.idleTimeoutMs);
    }
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** POSTs JSON; resolves with a 2xx response, throws the mapped error otherwise. */
  async postJson(url: string, headers: Record<string, string>, body: unknown): Promise<Response> {
    this.throwIfAborted();
    this.arm();
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
        signal: this.ctl.signal,
      });
    } catch (err) {
      this.disarm();
      if (this.opts.signal.aborted) throw abortError();
      if (this.timedOut) {
        throw new RetryableProviderError(`${this.opts.provider}: no response within ${this.opts.idleTimeoutMs} ms`);
      }
      throw new RetryableProviderError(`${this.opts.provider}: connection failed: ${describeNetworkError(err)}`);
    }
    this.disarm();
    if (!res.ok) throw await this.errorFromResponse(res);
    return res;
  }

  /** Builds the error for a non-2xx response, reading at most a few KB of its body. */
  private async errorFromResponse(res: Response): Promise<Error> {
    let text = '';
    try {
      text = await this.readSome(res, 65_536);
    } catch {
      if (this.opts.signal.aborted) return abortError();
      // keep the status even when the body cannot be read
    }
    const msg = truncate(errorMessageFromBody(text));
    const what = `${this.opts.provider}: HTTP ${res.status}${msg ? `: ${msg}` : ''}`;
    if (isRetryableStatus(res.status)) {
      return new RetryableProviderError(what, parseRetryAfter(res.headers.get('retry-after')));
    }
    return new Error(what);
  }

  private async readSome(res: Response, max: number): Promise<string> {
    if (!res.body) return '';
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let out = '';
    try {
      while (out.length < max) {
        this.arm();
        const { done, value } = await reader.read();
        this.disarm();
        if (done) break;
        out += decoder.decode(value, { stream: true });
      }
    } finally {
      this.disarm();
      reader.cancel().catch(() => undefined);
    }
    return out.slice(0, max);
  }

  /**
   * The body's bytes as they arrive. `emitted()` tells whether the adapter has already handed output to its
   * caller, which decides whether a cut is retryable.
   */
  async *body(res: Response, emitted: () => boolean): AsyncGenerator<Uint8Array> {
    if (!res.body) {
      this.completed = true;
      return;
    }
    const reader = res.body.getReader();
    let readToEnd = false;
    try {
      while (true) {
        this.throwIfAborted();
        this.arm();
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (err) {
          throw this.streamError(err, emitted());
        } finally {
          this.disarm();
        }
        if (chunk.done) {
          readToEnd = true;
          this.completed = true;
          return;
        }
        this.throwIfAborted();
        if (chunk.value.byteLength > 0) yield chunk.value;
      }
    } finally {
      if (readToEnd) reader.releaseLock();
      else reader.cancel().catch(() => undefined);
    }
  }

  /** The error for a stream that broke (or stalled) while being read. */
  streamError(err: unknown, emitted: boolean): Error {
    if (this.opts.signal.aborted) return abortError();
    const why = this.timedOut ? `no data for ${this.opts.idleTimeoutMs} ms` : describeNetworkError(err);
    const msg = `${this.opts.provider}: stream cut${emitted ? '' : ' before any output'}: ${why}`;
    return emitted ? new Error(msg) : new RetryableProviderError(msg);
  }

  /** Marks the exchange as finished normally (the protocol's end marker arrived). */
  markComplete(): void {
    this.completed = true;
  }

  dispose(): void {
    this.disarm();
    this.opts.signal.removeEventListener('abort', this.onAbort);
    if (!this.completed) this.ctl.abort();
  }
}

/** `{base}/{path}` without doubled slashes. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** whether `headers` has `name`, whatever its case */
export function hasHeader(headers: Record<string, string>, name: string): boolean {
  const n = name.toLowerCase();
  return Object.keys(headers).some((k) => k.toLowerCase() === n);
}
