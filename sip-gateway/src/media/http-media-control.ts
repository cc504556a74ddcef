/**
 * `MediaControl` (contract v1) over HTTP: the gateway's side of a media bridge running in another process or on
 * another host (media-bridge's control server, `http://address:port/v1`). node:http only, one keep-alive agent
 * for the requests and a separate long-lived `GET /v1/events` stream (newline-delimited JSON, empty lines are
 * heartbeats) that is re-opened with backoff whenever it drops or goes quiet for too long.
 *
 * Semantics follow the in-process control: the methods resolve or reject like it (errors carry the HTTP status
 * and the server's message, or say that the bridge timed out or could not be reached); `onEvent` handlers get
 * every event in order, a throwing handler is logged and does not stop the others, and `onEvent` returns the
 * unsubscribe function. Events are validated with the contract's schema; invalid lines are logged and skipped.
 * Events that happen while the stream is down are lost (the server does not replay them).
 */
import http from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import {
  MEDIA_CONTROL_HTTP_PREFIX,
  allocationSchema,
  callInfoSchema,
  mediaControlHealthSchema,
  mediaEventSchema,
  type AllocateRequest,
  type Allocation,
  type CallInfo,
  type Logger,
  type MediaControl,
  type MediaControlHealth,
  type MediaEvent,
  type RemoteMedia,
} from '@callgate/contracts';

/** Where the media bridge's control listens, and the client's timing. */
export interface HttpMediaControlOptions {
  address: string;
  port: number;
  logger: Logger;
  /** sent as `Authorization: Bearer <token>` when set */
  token?: string;
  /** per request, from sending it to the whole answer (default 2000 ms; `sendDtmf` adds 250 ms a digit) */
  timeoutMs?: number;
  /** first wait before re-opening a dropped event stream; doubles up to `reconnectMaxMs` (default 100 ms) */
  reconnectMinMs?: number;
  /** longest wait between event stream attempts (default 5000 ms) */
  reconnectMaxMs?: number;
  /** no event or heartbeat for this long: the stream is taken for dead and re-opened (default 15000 ms) */
  streamIdleMs?: number;
}

/** Why a control request failed: `status` is the HTTP status when the bridge answered. */
export class MediaControlHttpError extends Error {
  constructor(
    message: string,
    readonly kind: 'http' | 'timeout' | 'unreachable' | 'invalid_response',
    readonly status?: number,
  ) {
    super(message);
    this.name = 'MediaControlHttpError';
  }
}

const MAX_RESPONSE_BYTES = 1024 * 1024;
/** a single event line longer than this means the stream is broken */
const MAX_EVENT_LINE_BYTES = 256 * 1024;
const DTMF_OUT_MS_PER_DIGIT = 250;

type StreamState = 'idle' | 'connecting' | 'open' | 'closed';

/** `MediaControl` towards a media bridge's HTTP control. */
export class HttpMediaControl implements MediaControl {
  /** `http://address:port/v1` */
  readonly url: string;
  private readonly log: Logger;
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;
  private readonly handlers = new Set<(event: MediaEvent) => void>();
  /** SIP INFO digits of one endpoint go out one after the other, so they arrive in order */
  private readonly dtmfChains = new Map<string, Promise<void>>();
  private state: StreamState = 'idle';
  private stream?: http.ClientRequest;
  private reconnectTimer?: NodeJS.Timeout;
  private idleTimer?: NodeJS.Timeout;
  private attempt = 0;
  private everOpened = false;
  private readyWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];

  constructor(private readonly opts: HttpMediaControlOptions) {
    this.log = opts.logger.child({ component: 'media-control-client' });
    this.timeoutMs = opts.timeoutMs ?? 2000;
    const host = opts.address.includes(':') ? `[${opts.address}]` : opts.address;
    this.url = `http://${host}:${opts.port}${MEDIA_CONTROL_HTTP_PREFIX}`;
    // idle sockets are given up after 30 s, well before the server's 65 s keep-alive timeout
    this.agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 1000, timeout: 30_000 });
  }

  async allocate(req: AllocateRequest): Promise<Allocation> {
    const body = await this.request('POST', '/endpoints', req);
    const parsed = allocationSchema.safeParse(body);
    if (!parsed.success) {
      throw new MediaControlHttpError(`media control POST /endpoints: invalid allocation: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`, 'invalid_response');
    }
    return parsed.data;
  }

  async update(endpointId: string, remote: RemoteMedia): Promise<void> {
    await this.request('PUT', `${this.endpointPath(endpointId)}/remote`, remote);
  }

  async play(endpointId: string, promptId: string): Promise<void> {
    await this.request('POST', `${this.endpointPath(endpointId)}/play`, { promptId });
  }

  /** A field of `call` over the contract's length limit is left out rather than failing the call's start. */
  async connect(endpointId: string, call: CallInfo = {}): Promise<void> {
    const info: CallInfo = {};
    for (const key of ['callId', 'from', 'to'] as const) {
      const value = call[key];
      if (value === undefined) continue;
      if (callInfoSchema.shape[key].safeParse(value).success) info[key] = value;
      else this.log.debug('media control: call info field left out (over its length limit)', { field: key, endpoint_id: endpointId });
    }
    await this.request('POST', `${this.endpointPath(endpointId)}/connect`, info);
  }

  /** Idempotent like the in-process one: the bridge answers 204 for an unknown endpoint too. */
  async release(endpointId: string, reason: string): Promise<void> {
    await this.request('DELETE', this.endpointPath(endpointId), { reason: reason.slice(0, 256) || 'released' });
  }

  /** Fire and forget like the in-process one; a failure is logged. Digits of one endpoint keep their order. */
  dtmfFromSignalling(endpointId: string, digit: string, durationMs: number): void {
    // like the in-process control: a duration that is not a number counts as 0
    durationMs = Number.isFinite(durationMs) && durationMs >= 0 ? Math.min(durationMs, 60_000) : 0;
    const previous = this.dtmfChains.get(endpointId) ?? Promise.resolve();
    const next = previous
      .then(() => this.request('POST', `${this.endpointPath(endpointId)}/dtmf-in`, { digit, durationMs }))
      .then(
        () => {},
        (err: unknown) => this.log.warn('media control: SIP INFO digit not delivered', { endpoint_id: endpointId, err }),
      );
    this.dtmfChains.set(endpointId, next);
    void next.then(() => {
      if (this.dtmfChains.get(endpointId) === next) this.dtmfChains.delete(endpointId);
    });
  }

  /** Resolves once the digits are on the wire (the timeout grows with the number of digits). */
  async sendDtmf(endpointId: string, digits: string): Promise<void> {
    await this.request('POST', `${this.endpointPath(endpointId)}/dtmf-out`, { digits }, this.timeoutMs + DTMF_OUT_MS_PER_DIGIT * digits.length);
  }

  /** Subscribes to media events (opening the event stream on the first subscription); returns the unsubscribe. */
  onEvent(handler: (event: MediaEvent) => void): () => void {
    this.handlers.add(handler);
    if (this.state === 'idle') this.openStream();
    return () => this.handlers.delete(handler);
  }

  /** Resolves once the event stream is open (opening it if needed); rejects after `timeoutMs` or on close. */
  ready(timeoutMs = this.timeoutMs): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new Error('media control client closed'));
    if (this.state === 'open') return Promise.resolve();
    if (this.state === 'idle') this.openStream();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err: Error) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== waiter);
        reject(new MediaControlHttpError(`media control event stream at ${this.url} not open after ${timeoutMs} ms`, 'timeout'));
      }, timeoutMs);
      this.readyWaiters.push(waiter);
    });
  }

  /** true while the event stream is open */
  get streaming(): boolean {
    return this.state === 'open';
  }

  /** The bridge's health answer. */
  async health(): Promise<MediaControlHealth> {
    const body = await this.request('GET', '/health');
    const parsed = mediaControlHealthSchema.safeParse(body);
    if (!parsed.success) throw new MediaControlHttpError('media control GET /health: invalid answer', 'invalid_response');
    return parsed.data;
  }

  /** Closes the event stream and the idle connections; the client is unusable afterwards. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.idleTimer);
    this.stream?.destroy();
    this.stream = undefined;
    for (const w of this.readyWaiters.splice(0)) w.reject(new Error('media control client closed'));
    this.agent.destroy();
  }

  private endpointPath(endpointId: string): string {
    return `/endpoints/${encodeURIComponent(endpointId)}`;
  }

  private headers(body?: string): http.OutgoingHttpHeaders {
    const h: http.OutgoingHttpHeaders = { Accept: 'application/json' };
    if (this.opts.token !== undefined) h.Authorization = `Bearer ${this.opts.token}`;
    if (body !== undefined) {
      h['Content-Type'] = 'application/json';
      h['Content-Length'] = Buffer.byteLength(body);
    }
    return h;
  }

  /** One request; the parsed JSON answer (undefined for 204). Retries once when a reused keep-alive socket was reset. */
  private async request(method: string, path: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<unknown> {
    if (this.state === 'closed') throw new MediaControlHttpError(`media control ${method} ${path}: client closed`, 'unreachable');
    const text = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      try {
        const answer = await this.once(method, path, text, timeoutMs);
        this.bridgeAnswered();
        return answer;
      } catch (err) {
        if (attempt === 0 && err instanceof StaleSocketError) continue;
        throw err instanceof StaleSocketError ? err.cause : err;
      }
    }
  }

  private once(method: string, path: string, text: string | undefined, timeoutMs: number): Promise<unknown> {
    const what = `media control ${method} ${path}`;
    return new Promise<unknown>((resolve, reject) => {
      let settled = false;
      const finish = (err: Error | undefined, value?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(value);
      };
      const req = http.request({
        agent: this.agent,
        hostname: this.opts.address,
        port: this.opts.port,
        method,
        path: `${MEDIA_CONTROL_HTTP_PREFIX}${path}`,
        headers: this.headers(text),
      });
      const timer = setTimeout(() => {
        finish(new MediaControlHttpError(`${what}: no answer from ${this.url} within ${timeoutMs} ms`, 'timeout'));
        req.destroy();
      }, timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => {
        const failure = new MediaControlHttpError(`${what}: media bridge unreachable at ${this.url} (${err.code ?? err.message})`, 'unreachable');
        // a keep-alive socket the server closed just as we reused it: the request never got there
        finish(req.reusedSocket && err.code === 'ECONNRESET' ? new StaleSocketError(failure) : failure);
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            finish(new MediaControlHttpError(`${what}: answer over ${MAX_RESPONSE_BYTES} bytes`, 'invalid_response', res.statusCode));
            req.destroy();
          } else chunks.push(chunk);
        });
        res.on('error', () => {});
        res.on('close', () => {
          if (!res.complete) finish(new MediaControlHttpError(`${what}: answer cut off`, 'unreachable', res.statusCode));
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const raw = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          if (raw.length > 0) {
            try {
              json = JSON.parse(raw) as unknown;
            } catch {
              finish(new MediaControlHttpError(`${what}: ${status} with a body that is not JSON`, 'invalid_response', status));
              return;
            }
          }
          if (status >= 200 && status < 300) {
            finish(undefined, json);
            return;
          }
          const message =
            json && typeof json === 'object' && typeof (json as { error?: unknown }).error === 'string' ? (json as { error: string }).error : res.statusMessage ?? '';
          finish(new MediaControlHttpError(`${what}: ${status} ${message}`, 'http', status));
        });
      });
      req.end(text);
    });
  }

  private openStream(): void {
    if (this.state === 'closed') return;
    this.state = 'connecting';
    const headers: http.OutgoingHttpHeaders = { Accept: 'application/x-ndjson' };
    if (this.opts.token !== undefined) headers.Authorization = `Bearer ${this.opts.token}`;
    const req = http.request({ agent: false, hostname: this.opts.address, port: this.opts.port, method: 'GET', path: `${MEDIA_CONTROL_HTTP_PREFIX}/events`, headers });
    this.stream = req;
    let ended = false;
    const end = (reason: string) => {
      if (ended) return;
      ended = true;
      clearTimeout(this.idleTimer);
      if (this.stream === req) this.stream = undefined;
      req.destroy();
      if (this.state === 'closed') return;
      this.scheduleReconnect(reason);
    };
    const idleMs = this.opts.streamIdleMs ?? 15_000;
    const armIdle = (ms: number, why: string) => {
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(() => end(why), ms);
      this.idleTimer.unref();
    };
    armIdle(this.timeoutMs, `no answer within ${this.timeoutMs} ms`);
    req.on('error', (err: NodeJS.ErrnoException) => end(err.code ?? err.message));
    req.on('response', (res) => {
      res.on('error', () => {});
      if (res.statusCode !== 200) {
        res.resume();
        end(`status ${res.statusCode}`);
        return;
      }
      this.state = 'open';
      if (this.everOpened) this.log.info('media control: event stream re-opened', { url: this.url, attempts: this.attempt });
      else this.log.info('media control: event stream open', { url: this.url });
      this.everOpened = true;
      this.attempt = 0;
      for (const w of this.readyWaiters.splice(0)) w.resolve();
      armIdle(idleMs, `nothing received for ${idleMs} ms`);
      const decoder = new StringDecoder('utf8');
      let pending = '';
      res.on('data', (chunk: Buffer) => {
        armIdle(idleMs, `nothing received for ${idleMs} ms`);
        pending += decoder.write(chunk);
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          if (line.length > 0) this.onLine(line);
        }
        if (pending.length > MAX_EVENT_LINE_BYTES) end(`an event line over ${MAX_EVENT_LINE_BYTES} bytes`);
      });
      res.on('end', () => end('the bridge ended the stream'));
      res.on('close', () => end('the connection closed'));
    });
    req.end();
  }

  /** The bridge answers requests while the stream waits out its backoff: it is back, re-open the stream now. */
  private bridgeAnswered(): void {
    if (this.state !== 'connecting' || this.stream || !this.reconnectTimer) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.openStream();
  }

  private scheduleReconnect(reason: string): void {
    this.state = 'connecting';
    const min = this.opts.reconnectMinMs ?? 100;
    const max = this.opts.reconnectMaxMs ?? 5000;
    const base = Math.min(max, min * 2 ** Math.min(this.attempt, 16));
    const delay = Math.round(base / 2 + (Math.random() * base) / 2);
    this.attempt++;
    const fields = { url: this.url, reason, retry_in_ms: delay, attempt: this.attempt };
    if (this.attempt === 1 || this.attempt % 10 === 0) this.log.warn('media control: event stream down, reconnecting', fields);
    else this.log.debug('media control: event stream still down', fields);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.openStream();
    }, delay);
    this.reconnectTimer.unref();
  }

  private onLine(line: string): void {
    let json: unknown;
    try {
      json = JSON.parse(line) as unknown;
    } catch {
      this.log.warn('media control: event line is not JSON', { bytes: line.length });
      return;
    }
    const parsed = mediaEventSchema.safeParse(json);
    if (!parsed.success) {
      this.log.warn('media control: invalid media event skipped', { issues: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') });
      return;
    }
    for (const handler of [...this.handlers]) {
      try {
        handler(parsed.data);
      } catch (err) {
        this.log.error('media: event handler failed', { err, type: parsed.data.type });
      }
    }
  }
}

/** Internal: a request lost on a keep-alive socket the server had just closed (retried once). */
class StaleSocketError extends Error {
  constructor(override readonly cause: MediaControlHttpError) {
    super(cause.message);
  }
}
