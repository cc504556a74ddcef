/**
 * A loopback HTTP server that speaks enough of the OpenAI protocol for adapter tests:
 *
 * - POST /v1/chat/completions — streams a scripted reply as SSE: the text in token-ish pieces, tool calls as
 *   fragmented `delta.tool_calls` (first the id and name, then the arguments a few characters at a time), a
 *   finish chunk and `data: [DONE]`. Non-streaming requests get the reply as one JSON object.
 * - POST /v1/audio/speech — streams a tone (PCM16 LE, 24 kHz by default; or WAV) whose length follows the
 *   input text, in several pieces cut at odd byte offsets with small gaps between them.
 *
 * Each request takes the next mode from a queue (default `ok`): `slow_first_token(ms)`, `status(code,
 * retryAfter)`, `cut_after(n)` (destroy the socket after n pieces), `hang` (never answer). Every request is
 * recorded (method, path, headers, parsed body) along with whether the client went away before the end.
 * With `apiKey` set, a request without `Authorization: Bearer <apiKey>` gets 401.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { wavHeader } from '../providers/remote/pcm-decode.js';
import { Sleeper, waitFor } from './wait.js';

export type FakeHttpMode =
  | { kind: 'ok' }
  | { kind: 'slow_first_token'; ms: number }
  | { kind: 'status'; status: number; retryAfter?: number | string; message?: string }
  | { kind: 'cut_after'; chunks: number }
  | { kind: 'hang' };

/** Constructors for the modes: `fakeMode.status(429, 2)`, `fakeMode.cutAfter(3)` … */
export const fakeMode = {
  ok: (): FakeHttpMode => ({ kind: 'ok' }),
  slowFirstToken: (ms: number): FakeHttpMode => ({ kind: 'slow_first_token', ms }),
  status: (status: number, retryAfter?: number | string, message?: string): FakeHttpMode => ({
    kind: 'status',
    status,
    retryAfter,
    message,
  }),
  cutAfter: (chunks: number): FakeHttpMode => ({ kind: 'cut_after', chunks }),
  hang: (): FakeHttpMode => ({ kind: 'hang' }),
};

export interface FakeToolCall {
  name: string;
  /** an object (serialised by the server) or a raw string (sent as is, e.g. to script invalid JSON) */
  arguments: Record<string, unknown> | string;
  id?: string;
}

export interface FakeChatReply {
  text?: string;
  toolCalls?: FakeToolCall[];
  /** leave `id` out of tool-call deltas (some local servers do) */
  omitToolCallIds?: boolean;
  /** leave `index` out of tool-call deltas */
  omitIndex?: boolean;
  /** finish_reason of the last chunk; default 'tool_calls' with tool calls, else 'stop'; null = no finish chunk */
  finishReason?: string | null;
  /** send `data: [DONE]` at the end; default true */
  sendDone?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** the JSON body, or the raw text when it was not JSON */
  body: unknown;
  mode: FakeHttpMode['kind'] | 'unauthorized' | 'not_found';
  /** stream pieces written (SSE events or audio pieces) */
  chunksSent: number;
  /** the client closed the connection before the response was complete */
  clientClosedEarly: boolean;
  /** the server itself cut the connection (cut_after) */
  cutByServer: boolean;
}

export interface FakeOpenAiServerOptions {
  /** when set, requests must carry `Authorization: Bearer <apiKey>` (401 otherwise) */
  apiKey?: string;
  /** reply used when the reply queue is empty; default text 'Hello from the fake model.' */
  defaultReply?: FakeChatReply;
  /** gap between SSE events; default 1 ms */
  chunkGapMs?: number;
  /** speech: source rate of the tone; default 24 000 */
  speechSampleRate?: number;
  /** speech: tone frequency; default 440 Hz */
  speechToneHz?: number;
  /** speech: tone amplitude; default 8000 */
  speechAmplitude?: number;
  /** speech: duration per input character; default 40 ms (at least 200 ms) */
  speechMsPerChar?: number;
  /** speech: pieces the audio is sent in; default 5 */
  speechChunks?: number;
  /** speech: gap between pieces; default 5 ms */
  speechChunkGapMs?: number;
}

export class FakeOpenAiServer {
  readonly requests: RecordedRequest[] = [];
  private readonly modes: FakeHttpMode[] = [];
  private readonly replies: FakeChatReply[] = [];
  private readonly sleeper = new Sleeper();
  private seq = 0;

  private readonly server: Server;
  private boundPort = 0;

  private constructor(private readonly opts: FakeOpenAiServerOptions) {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  static async start(opts: FakeOpenAiServerOptions = {}): Promise<FakeOpenAiServer> {
    const self = new FakeOpenAiServer(opts);
    await new Promise<void>((resolve, reject) => {
      self.server.once('error', reject);
      self.server.listen(0, '127.0.0.1', () => resolve());
    });
    self.boundPort = (self.server.address() as AddressInfo).port;
    return self;
  }

  get port(): number {
    return this.boundPort;
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `http://127.0.0.1:<port>/v1` — what the adapters take as baseUrl */
  get baseUrl(): string {
    return `${this.url}/v1`;
  }

  /** modes for the next requests, in order (then `ok`) */
  enqueue(...modes: FakeHttpMode[]): void {
    this.modes.push(...modes);
  }

  /** chat replies for the next chat requests, in order (then the default reply) */
  enqueueReplies(...replies: FakeChatReply[]): void {
    this.replies.push(...replies);
  }

  get speechSampleRate(): number {
    return this.opts.speechSampleRate ?? 24_000;
  }

  /** how many source-rate samples the server sends for `text` */
  speechSamplesFor(text: string): number {
    const ms = Math.max(200, text.length * (this.opts.speechMsPerChar ?? 40));
    return Math.round((this.speechSampleRate * ms) / 1000);
  }

  /** resolves once request `index` (0-based) has seen its client go away early */
  async waitForClientClose(index: number, timeoutMs = 2000): Promise<void> {
    await waitFor(() => this.requests[index]?.clientClosedEarly === true, timeoutMs, `client close of request ${index}`);
  }

  async close(): Promise<void> {
    this.sleeper.stop();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = raw;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      // keep the text
    }
    const path = (req.url ?? '/').split('?')[0] as string;
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      body,
      mode: 'ok',
      chunksSent: 0,
      clientClosedEarly: false,
      cutByServer: false,
    };
    this.requests.push(rec);
    res.on('close', () => {
      if (!res.writableFinished && !rec.cutByServer) rec.clientClosedEarly = true;
    });

    if (this.opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${this.opts.apiKey}`) {
      rec.mode = 'unauthorized';
      sendJson(res, 401, {
        error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' },
      });
      return;
    }
    const isChat = req.method === 'POST' && path === '/v1/chat/completions';
    const isSpeech = req.method === 'POST' && path === '/v1/audio/speech';
    if (!isChat && !isSpeech) {
      rec.mode = 'not_found';
      sendJson(res, 404, { error: { message: `no route for ${req.method} ${path}`, type: 'invalid_request_error' } });
      return;
    }
    const mode = this.modes.shift() ?? { kind: 'ok' };
    rec.mode = mode.kind;
    if (mode.kind === 'hang') return; // never answer; close() tears the socket down
    if (mode.kind === 'status') {
      const headers: Record<string, string> = {};
      if (mode.retryAfter !== undefined) headers['retry-after'] = String(mode.retryAfter);
      sendJson(
        res,
        mode.status,
        { error: { message: mode.message ?? `fake server answers ${mode.status}`, type: 'fake_error', code: mode.status } },
        headers,
      );
      return;
    }
    const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    if (isChat) {
      const reply = this.replies.shift() ?? this.opts.defaultReply ?? { text: 'Hello from the fake model.' };
      if (b.stream !== true) {
        sendJson(res, 200, this.wholeReply(reply, b));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      await this.stream(res, rec, mode, this.sseEvents(reply, b), this.opts.chunkGapMs ?? 1);
      return;
    }
    const format = typeof b.response_format === 'string' ? b.response_format : 'mp3';
    if (format !== 'pcm' && format !== 'wav') {
      sendJson(res, 400, { error: { message: `fake server supports only pcm and wav, not ${format}` } });
      return;
    }
    const input = typeof b.input === 'string' ? b.input : '';
    if (input === '') {
      sendJson(res, 400, { error: { message: 'input is empty' } });
      return;
    }
    res.writeHead(200, { 'content-type': format === 'wav' ? 'audio/wav' : 'audio/pcm' });
    res.flushHeaders();
    await this.stream(res, rec, mode, this.speechPieces(input, format), this.opts.speechChunkGapMs ?? 5);
  }

  /** writes `pieces` with `gap` ms between them, applying the mode */
  private async stream(
    res: ServerResponse,
    rec: RecordedRequest,
    mode: FakeHttpMode,
    pieces: Array<string | Uint8Array>,
    gap: number,
  ): Promise<void> {
    if (mode.kind === 'slow_first_token') await this.sleeper.sleep(mode.ms);
    for (let i = 0; i < pieces.length; i++) {
      if (res.destroyed) return;
      if (mode.kind === 'cut_after' && rec.chunksSent >= mode.chunks) {
        rec.cutByServer = true;
        res.socket?.destroy();
        return;
      }
      if (i > 0) await this.sleeper.sleep(gap);
      if (res.destroyed) return;
      res.write(pieces[i] as string | Uint8Array);
      rec.chunksSent++;
    }
    if (mode.kind === 'cut_after') {
      rec.cutByServer = true;
      await this.sleeper.sleep(gap);
      res.socket?.destroy();
      return;
    }
    res.end();
  }

  private toolCallId(call: FakeToolCall, i: number): string {
    return call.id ?? `call_fake_${this.seq}_${i}`;
  }

  private sseEvents(reply: FakeChatReply, body: Record<string, unknown>): string[] {
    this.seq++;
    const model = typeof body.model === 'string' ? body.model : 'fake-model';
    const created = Math.floor(Date.now() / 1000);
    const event = (delta: Record<string, unknown>, finish: string | null = null): string =>
      `data: ${JSON.stringify({
        id: `chatcmpl-fake${this.seq}`,
        object: 'chat.completion.chunk',
        created,
        model,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      })}\n\n`;
    const out = [event({ role: 'assistant', content: '' })];
    for (const piece of tokenize(reply.text ?? '')) out.push(event({ content: piece }));
    (reply.toolCalls ?? []).forEach((call, i) => {
      const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
      const head: Record<string, unknown> = { type: 'function', function: { name: call.name, arguments: '' } };
      if (!reply.omitIndex) head.index = i;
      if (!reply.omitToolCallIds) head.id = this.toolCallId(call, i);
      out.push(event({ tool_calls: [head] }));
      for (let at = 0; at < args.length; at += 7) {
        const frag: Record<string, unknown> = { function: { arguments: args.slice(at, at + 7) } };
        if (!reply.omitIndex) frag.index = i;
        out.push(event({ tool_calls: [frag] }));
      }
    });
    const finish = reply.finishReason === undefined ? (reply.toolCalls?.length ? 'tool_calls' : 'stop') : reply.finishReason;
    if (finish !== null) out.push(event({}, finish));
    if (reply.sendDone !== false) out.push('data: [DONE]\n\n');
    return out;
  }

  private wholeReply(reply: FakeChatReply, body: Record<string, unknown>): Record<string, unknown> {
    this.seq++;
    const message: Record<string, unknown> = { role: 'assistant', content: reply.text ?? null };
    if (reply.toolCalls?.length) {
      message.tool_calls = reply.toolCalls.map((c, i) => ({
        id: this.toolCallId(c, i),
        type: 'function',
        function: { name: c.name, arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments) },
      }));
    }
    return {
      id: `chatcmpl-fake${this.seq}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: typeof body.model === 'string' ? body.model : 'fake-model',
      choices: [{ index: 0, message, finish_reason: reply.toolCalls?.length ? 'tool_calls' : 'stop' }],
    };
  }

  private speechPieces(input: string, format: 'pcm' | 'wav'): Uint8Array[] {
    const rate = this.speechSampleRate;
    const n = this.speechSamplesFor(input);
    const hz = this.opts.speechToneHz ?? 440;
    const amp = this.opts.speechAmplitude ?? 8000;
    const pcm = Buffer.alloc(n * 2);
    for (let i = 0; i < n; i++) pcm.writeInt16LE(Math.round(amp * Math.sin((2 * Math.PI * hz * i) / rate)), 2 * i);
    const all = format === 'wav' ? Buffer.concat([Buffer.from(wavHeader(rate)), pcm]) : pcm;
    const count = Math.max(1, this.opts.speechChunks ?? 5);
    const pieces: Uint8Array[] = [];
    let start = 0;
    for (let k = 1; k <= count; k++) {
      // odd boundaries so that samples (and the WAV header) straddle pieces
      let end = k === count ? all.length : Math.floor((all.length * k) / count) | 1;
      end = Math.min(all.length, Math.max(start, end));
      if (end > start) pieces.push(all.subarray(start, end));
      start = end;
    }
    return pieces;
  }
}

/** Splits text into token-ish pieces (≤ 5 visible characters, leading spaces kept) that concatenate back to it. */
export function tokenize(text: string): string[] {
  return text.match(/\s*\S{1,5}|\s+/g) ?? [];
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Starts a fake OpenAI server on an ephemeral loopback port. */
export function startFakeOpenAiServer(opts: FakeOpenAiServerOptions = {}): Promise<FakeOpenAiServer> {
  return FakeOpenAiServer.start(opts);
}
