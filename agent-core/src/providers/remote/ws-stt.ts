/**
 * SpeechToText over the Deepgram-style live-transcription WebSocket protocol:
 *
 * - connect to `{url}?encoding=linear16&sample_rate=8000&channels=1&interim_results=true[&model][&language]
 *   [&keywords=…]`, with `Authorization: Token <apiKey>` when a key is set;
 * - send the caller's audio as binary frames of PCM16 LE;
 * - receive `{type:'Results', is_final, speech_final, from_finalize?, channel:{alternatives:[{transcript,
 *   confidence}]}}`: interim results become `partial` events (the utterance's finalised segments + the
 *   current interim), `is_final` segments are collected for the utterance;
 * - `flush()` sends `{"type":"Finalize"}`; the answer marked `from_finalize` closes the utterance with a `final`
 *   (all its is_final segments joined); when nothing comes within `finalizeTimeoutMs` the `final` is emitted
 *   anyway with what was collected (empty text when nothing);
 * - `{"type":"KeepAlive"}` goes out when no audio was sent for `keepAliveMs`;
 * - `close()` sends `{"type":"CloseStream"}`, waits briefly for the server to close, then closes;
 * - a socket that drops while in use yields one `error` event, then nothing more.
 *
 * By default only `flush()` ends an utterance (the media bridge's VAD owns turn-taking); set
 * `finalOnSpeechFinal` to also end one on the server's own endpointing (`speech_final`).
 */
import { endianness } from 'node:os';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { RetryableProviderError, type SpeechToText, type SttEvent, type SttStartOptions, type SttStream } from '../ports.js';
import { abortError, describeNetworkError, isRetryableStatus, parseRetryAfter } from './http.js';

export interface WebSocketSttOptions {
  /** provider id as named in config */
  id: string;
  /** ws:// or wss:// endpoint, e.g. `wss://…/v1/listen`; the protocol's query parameters are appended */
  url: string;
  /** sent as `Authorization: Token <apiKey>` when set */
  apiKey?: string;
  model?: string;
  /** used when the start options name no language; the port's default is en-US */
  language?: string;
  /** query parameter the hints go into, one per word/phrase: 'keywords' (default), 'keyterm', or null (none) */
  hintParam?: 'keywords' | 'keyterm' | null;
  /** at most this many hints are sent (words first, then phrases); default 50 */
  maxHints?: number;
  /** more query parameters (e.g. `{ punctuate: true, smart_format: true }`) */
  extraParams?: Record<string, string | number | boolean>;
  /** wait for the server's answer to Finalize; default 1500 */
  finalizeTimeoutMs?: number;
  /** send KeepAlive after this long without audio; default 4000 */
  keepAliveMs?: number;
  /** opening handshake limit; default 5000 */
  connectTimeoutMs?: number;
  /** how long close() waits for the server to close after CloseStream; default 1000 */
  closeTimeoutMs?: number;
  /** also end an utterance on the server's `speech_final` without a flush; default false */
  finalOnSpeechFinal?: boolean;
}

const LITTLE_ENDIAN = endianness() === 'LE';

/** PCM16 as little-endian bytes (a view when the host is LE). */
function pcmBytes(pcm: Int16Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const b = Buffer.alloc(pcm.byteLength);
  for (let i = 0; i < pcm.length; i++) b.writeInt16LE(pcm[i] as number, 2 * i);
  return b;
}

export class WebSocketStt implements SpeechToText {
  readonly id: string;

  constructor(private readonly opts: WebSocketSttOptions) {
    this.id = opts.id;
    const u = new URL(opts.url);
    if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new Error(`${opts.id}: url must be ws:// or wss://`);
  }

  /** The URL a stream for `opts` connects to (exposed for tests and debugging). */
  buildUrl(opts: SttStartOptions): string {
    const u = new URL(this.opts.url);
    const q = u.searchParams;
    q.set('encoding', 'linear16');
    q.set('sample_rate', '8000');
    q.set('channels', '1');
    q.set('interim_results', 'true');
    if (this.opts.model) q.set('model', this.opts.model);
    const language = opts.language ?? this.opts.language ?? 'en-US';
    if (language) q.set('language', language);
    const param = this.opts.hintParam === undefined ? 'keywords' : this.opts.hintParam;
    if (param) {
      const seen = new Set<string>();
      for (const h of [...opts.hints.words, ...opts.hints.phrases]) {
        const t = h.trim();
        if (t === '' || seen.has(t.toLowerCase())) continue;
        if (seen.size >= (this.opts.maxHints ?? 50)) break;
        seen.add(t.toLowerCase());
        q.append(param, t);
      }
    }
    for (const [k, v] of Object.entries(this.opts.extraParams ?? {})) q.set(k, String(v));
    return u.toString();
  }

  async start(opts: SttStartOptions, signal: AbortSignal): Promise<SttStream> {
    if (signal.aborted) throw abortError();
    const headers: Record<string, string> = {};
    if (this.opts.apiKey) headers.authorization = `Token ${this.opts.apiKey}`;
    const ws = new WebSocket(this.buildUrl(opts), {
      headers,
      handshakeTimeout: this.opts.connectTimeoutMs ?? 5000,
      perMessageDeflate: false,
    });
    // from here on errors are handled by the promise below and then by the stream
    ws.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err?: Error): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        ws.off('open', onOpen);
        ws.off('error', onError);
        ws.off('close', onClose);
        ws.off('unexpected-response', onResponse);
        if (err) {
          ws.terminate();
          reject(err);
        } else resolve();
      };
      const onAbort = (): void => settle(abortError());
      const onOpen = (): void => settle();
      const onError = (err: Error): void =>
        settle(new RetryableProviderError(`${this.id}: connection failed: ${describeNetworkError(err)}`));
      const onClose = (): void => settle(new RetryableProviderError(`${this.id}: connection closed during handshake`));
      const onResponse = (_req: unknown, res: IncomingMessage): void => {
        const status = res.statusCode ?? 0;
        res.resume();
        const what = `${this.id}: upgrade refused with HTTP ${status}`;
        if (isRetryableStatus(status)) {
          const ra = res.headers['retry-after'];
          settle(new RetryableProviderError(what, parseRetryAfter(Array.isArray(ra) ? ra[0] : ra)));
        } else if (status === 401 || status === 403) {
          settle(new Error(`${what} (credentials rejected)`));
        } else {
          settle(new Error(what));
        }
      };
      signal.addEventListener('abort', onAbort, { once: true });
      ws.on('open', onOpen);
      ws.on('error', onError);
      ws.on('close', onClose);
      ws.on('unexpected-response', onResponse);
    });
    return new WebSocketSttStream(this.id, ws, this.opts, signal);
  }
}

class WebSocketSttStream implements SttStream {
  private readonly listeners: Array<(event: SttEvent) => void> = [];
  private readonly backlog: SttEvent[] = [];
  /** is_final segments of the current utterance, and their confidences */
  private segments: string[] = [];
  private confidences: number[] = [];
  private lastPartial = '';
  private finalizePending = false;
  /** Finalize answers still owed for utterances that were already closed by the timeout */
  private staleFinalizes = 0;
  private finalizeTimer: ReturnType<typeof setTimeout> | undefined;
  private keepAliveTimer: ReturnType<typeof setInterval> | undefined;
  private lastSendAt = Date.now();
  /** closing: close() called or aborted (emit nothing more); ended: socket gone */
  private closing = false;
  private ended = false;
  private closed: Promise<void> | undefined;
  private readonly onAbort = (): void => this.shutdown();

  constructor(
    private readonly id: string,
    private readonly ws: WebSocket,
    private readonly opts: WebSocketSttOptions,
    private readonly signal: AbortSignal,
  ) {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onMessage(String(data));
    });
    ws.on('close', (code, reason) => this.onClose(code, reason.toString()));
    const keepAliveMs = opts.keepAliveMs ?? 4000;
    if (keepAliveMs > 0) {
      this.keepAliveTimer = setInterval(() => {
        if (Date.now() - this.lastSendAt >= keepAliveMs) this.sendJson({ type: 'KeepAlive' });
      }, Math.max(10, Math.floor(keepAliveMs / 4)));
      this.keepAliveTimer.unref();
    }
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  push(pcm: Int16Array): void {
    if (this.closing || this.ended || pcm.length === 0) return;
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(pcmBytes(pcm), { binary: true });
    this.lastSendAt = Date.now();
  }

  flush(): void {
    if (this.closing || this.ended || this.finalizePending) return;
    this.finalizePending = true;
    this.sendJson({ type: 'Finalize' });
    this.finalizeTimer = setTimeout(() => {
      this.finalizeTimer = undefined;
      if (!this.finalizePending) return;
      this.staleFinalizes++;
      this.emitFinal();
    }, this.opts.finalizeTimeoutMs ?? 1500);
  }

  onEvent(listener: (event: SttEvent) => void): void {
    this.listeners.push(listener);
    if (this.listeners.length === 1 && this.backlog.length > 0) {
      for (const e of this.backlog.splice(0)) listener(e);
    }
  }

  close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closing = true;
    this.stopTimers();
    this.signal.removeEventListener('abort', this.onAbort);
    this.closed = new Promise<void>((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) {
        resolve();
        return;
      }
      const timer = setTimeout(() => this.ws.terminate(), this.opts.closeTimeoutMs ?? 1000);
      this.ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (this.ws.readyState === WebSocket.OPEN) {
        this.sendJson({ type: 'CloseStream' });
      } else {
        this.ws.terminate();
      }
    });
    return this.closed;
  }

  /** abort: drop everything now, emit nothing */
  private shutdown(): void {
    if (this.closing) return;
    this.closing = true;
    this.stopTimers();
    this.ws.terminate();
    this.closed = Promise.resolve();
  }

  private stopTimers(): void {
    if (this.finalizeTimer !== undefined) clearTimeout(this.finalizeTimer);
    this.finalizeTimer = undefined;
    if (this.keepAliveTimer !== undefined) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = undefined;
  }

  private sendJson(msg: Record<string, unknown>): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify(msg));
    this.lastSendAt = Date.now();
  }

  private emit(event: SttEvent): void {
    if (this.closing || this.ended) return;
    if (this.listeners.length === 0) {
      this.backlog.push(event);
      return;
    }
    for (const l of this.listeners) l(event);
  }

  private onMessage(text: string): void {
    if (this.closing || this.ended) return;
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return; // not ours to interpret
    }
    if (msg.type !== undefined && msg.type !== 'Results') return; // Metadata, SpeechStarted, UtteranceEnd …
    const channel = msg.channel as { alternatives?: Array<{ transcript?: unknown; confidence?: unknown }> } | undefined;
    const alt = channel?.alternatives?.[0];
    if (!alt && msg.type !== 'Results') return;
    const transcript = typeof alt?.transcript === 'string' ? alt.transcript.trim() : '';
    const confidence = typeof alt?.confidence === 'number' ? alt.confidence : undefined;
    const fromFinalize = msg.from_finalize === true;

    if (msg.is_final === true) {
      if (fromFinalize && this.staleFinalizes > 0) {
        // answers come in order: this one belongs to a Finalize whose utterance the timeout already closed
        this.staleFinalizes--;
        return;
      }
      if (transcript !== '') {
        this.segments.push(transcript);
        if (confidence !== undefined) this.confidences.push(confidence);
      }
      const ends =
        (this.finalizePending && fromFinalize) || (this.opts.finalOnSpeechFinal === true && msg.speech_final === true);
      if (ends) this.emitFinal();
      else if (transcript !== '') this.emitPartial(this.segments.join(' '));
      return;
    }
    const joined = [...this.segments, transcript].filter((s) => s !== '').join(' ');
    if (joined !== '') this.emitPartial(joined);
  }

  private emitPartial(text: string): void {
    if (text === this.lastPartial) return;
    this.lastPartial = text;
    this.emit({ type: 'partial', text });
  }

  private emitFinal(): void {
    if (this.finalizeTimer !== undefined) clearTimeout(this.finalizeTimer);
    this.finalizeTimer = undefined;
    this.finalizePending = false;
    const text = this.segments.join(' ').trim();
    const conf =
      this.confidences.length > 0 ? this.confidences.reduce((a, b) => a + b, 0) / this.confidences.length : undefined;
    this.segments = [];
    this.confidences = [];
    this.lastPartial = '';
    this.emit(conf === undefined || text === '' ? { type: 'final', text } : { type: 'final', text, confidence: conf });
  }

  private onClose(code: number, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.stopTimers();
    this.signal.removeEventListener('abort', this.onAbort);
    if (this.closing) return;
    // emit() checks `ended`, so deliver the error directly
    const event: SttEvent = {
      type: 'error',
      error: new Error(`${this.id}: connection lost (code ${code}${reason ? `, ${reason}` : ''})`),
    };
    if (this.listeners.length === 0) this.backlog.push(event);
    else for (const l of this.listeners) l(event);
  }
}
