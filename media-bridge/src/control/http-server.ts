/**
 * The media control (contract v1) over loopback HTTP, so a gateway in another process or on another host can
 * drive this media bridge. It wraps the in-process control; node:http only.
 *
 * Routes (JSON bodies, validated with the contract's schemas where they enter; errors are `{ "error": "…" }`):
 *   POST   /v1/endpoints                  AllocateRequest → 201 Allocation (503 + Retry-After when no port is free)
 *   PUT    /v1/endpoints/:id/remote       RemoteMedia → 204
 *   POST   /v1/endpoints/:id/connect      CallInfo (body optional) → 204
 *   POST   /v1/endpoints/:id/play         { promptId } → 204
 *   DELETE /v1/endpoints/:id              reason as `?reason=` or { reason } → 204, also for an unknown endpoint
 *   POST   /v1/endpoints/:id/dtmf-in      { digit, durationMs } → 204 (SIP INFO digits, `dtmfFromSignalling`)
 *   POST   /v1/endpoints/:id/dtmf-out     { digits } → 204 once the digits are on the wire (409 when not possible)
 *   GET    /v1/events                     the media events, newline-delimited JSON (see below)
 *   GET    /v1/health                     200 { v, status: 'ok', endpoints, subscribers }
 * 400 names the offending field, 404 is an unknown endpoint or path, 405 a known path with another method, 413 a
 * body over `maxBodyBytes` (64 KiB), 401 a missing or wrong `Authorization: Bearer` token when one is set.
 *
 * Event stream: `Content-Type: application/x-ndjson`; every line is one `MediaEvent` as JSON; an empty line
 * is a heartbeat (every `heartbeatMs`) so a subscriber can tell a quiet stream from a dead one. Events are
 * delivered at most once, in order, to the subscribers connected when they happen; nothing is replayed. A
 * subscriber that does not read is not allowed to grow the server's memory: once more than
 * `maxSubscriberBufferBytes` wait in its socket's write buffer it is dropped (its response is destroyed) and
 * has to reconnect; the events meanwhile are lost to it.
 */
import http from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { ZodType, ZodTypeDef } from 'zod';
import {
  MEDIA_CONTROL_HTTP_PREFIX,
  MEDIA_CONTROL_VERSION,
  allocateRequestSchema,
  callInfoSchema,
  dtmfInRequestSchema,
  dtmfOutRequestSchema,
  playRequestSchema,
  releaseRequestSchema,
  remoteMediaSchema,
  type Logger,
  type MediaControl,
  type MediaControlHealth,
  type MediaEvent,
} from '@callgate/contracts';
import { InvalidMediaRequestError, PROMPT_IDS } from './in-process.js';
import { PortPoolExhaustedError } from '../rtp/port-pool.js';

/** The control the server exposes: the in-process one (it can tell which endpoints exist). */
export type ServedMediaControl = MediaControl & {
  /** the endpoint by id, undefined when unknown: unknown endpoints are answered 404 before the control is called */
  endpoint(endpointId: string): unknown;
  activeEndpoints(): string[];
};

/** Where to listen and the limits; optional fields have the documented defaults. */
export interface MediaControlServerOptions {
  address: string;
  /** 0 picks a free port (see `MediaControlServer.port`) */
  port: number;
  logger: Logger;
  /** when set, every request needs `Authorization: Bearer <token>` */
  token?: string;
  /** request bodies above this are refused with 413 (default 64 KiB) */
  maxBodyBytes?: number;
  /** an event subscriber with more than this waiting to be written is dropped (default 256 KiB) */
  maxSubscriberBufferBytes?: number;
  /** empty-line heartbeat on the event stream (default 5000 ms) */
  heartbeatMs?: number;
}

/** A listening control server. */
export interface MediaControlServer {
  readonly address: string;
  readonly port: number;
  /** `http://address:port/v1` */
  readonly url: string;
  /** event stream subscribers connected now */
  subscribers(): number;
  /** ends the event streams, stops listening and closes every connection; safe to call twice */
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
export const DEFAULT_MAX_SUBSCRIBER_BUFFER_BYTES = 256 * 1024;
export const DEFAULT_HEARTBEAT_MS = 5000;
/** how long a client may keep an idle keep-alive connection (clients should give theirs up sooner) */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
const MAX_ENDPOINT_ID_LENGTH = 256;

/** An answer other than success; thrown inside a handler and written by the dispatcher. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

type Issue = { path: ReadonlyArray<string | number>; message: string };
const describeIssues = (issues: ReadonlyArray<Issue>): string => issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');

function validate<T>(schema: ZodType<T, ZodTypeDef, unknown>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new HttpError(400, `invalid ${what}: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}

/** `Bearer` token check in constant time (the digests have equal length whatever was sent). */
function authorized(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]!), digest(token));
}

/** Reads the body up to `limit` bytes; 413 beyond (the rest of an oversized body is read and discarded). */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new HttpError(413, `request body over ${limit} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.off('end', onEnd);
      req.resume();
      reject(new HttpError(413, `request body over ${limit} bytes`));
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', () => reject(new HttpError(400, 'request aborted')));
  });
}

/** The body as JSON; an empty body is `undefined`. */
async function readJson(req: http.IncomingMessage, limit: number): Promise<unknown> {
  const raw = await readBody(req, limit);
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'invalid JSON body');
  }
}

function send(res: http.ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), ...headers }).end(text);
}

const isLoopback = (address: string): boolean => address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');

interface Subscriber {
  res: http.ServerResponse;
  remote: string;
}

/** Listens with the control API; resolves once the port is bound. */
export async function startMediaControlServer(control: ServedMediaControl, opts: MediaControlServerOptions): Promise<MediaControlServer> {
  const log = opts.logger.child({ component: 'media-control-http' });
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxBuffered = opts.maxSubscriberBufferBytes ?? DEFAULT_MAX_SUBSCRIBER_BUFFER_BYTES;
  const heartbeatMs = opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const subscribers = new Set<Subscriber>();

  const drop = (sub: Subscriber, why: string) => {
    if (!subscribers.delete(sub)) return;
    log.warn('media control: dropping event subscriber', { remote: sub.remote, reason: why, buffered_bytes: sub.res.writableLength });
    sub.res.destroy();
  };
  const write = (sub: Subscriber, chunk: string) => {
    if (sub.res.destroyed || sub.res.writableEnded) return;
    if (sub.res.writableLength + chunk.length > maxBuffered) drop(sub, `more than ${maxBuffered} bytes unread`);
    else sub.res.write(chunk);
  };
  const publish = (event: MediaEvent) => {
    if (subscribers.size === 0) return;
    const line = `${JSON.stringify(event)}\n`;
    for (const sub of [...subscribers]) write(sub, line);
  };
  const unsubscribe: unknown = control.onEvent(publish);
  const heartbeat = setInterval(() => {
    for (const sub of [...subscribers]) write(sub, '\n');
  }, heartbeatMs);
  heartbeat.unref();

  /** 404 unless the endpoint exists */
  const known = (id: string) => {
    if (control.endpoint(id) === undefined) throw new HttpError(404, `unknown media endpoint ${id}`);
    return id;
  };

  const subscribe = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const sub: Subscriber = { res, remote: `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}` };
    req.socket.setNoDelay(true);
    req.socket.setKeepAlive(true, heartbeatMs);
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson; charset=utf-8', 'Cache-Control': 'no-store' });
    res.flushHeaders();
    subscribers.add(sub);
    log.info('media control: event subscriber connected', { remote: sub.remote, subscribers: subscribers.size });
    res.on('close', () => {
      if (subscribers.delete(sub)) log.info('media control: event subscriber gone', { remote: sub.remote, subscribers: subscribers.size });
    });
  };

  /** Routes one request; returns the success answer (status and body) or throws HttpError. */
  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<{ status: number; body?: unknown } | 'streaming'> {
    const url = new URL(req.url ?? '/', 'http://control.invalid');
    const method = req.method ?? 'GET';
    if (url.pathname !== MEDIA_CONTROL_HTTP_PREFIX && !url.pathname.startsWith(`${MEDIA_CONTROL_HTTP_PREFIX}/`)) {
      throw new HttpError(404, `no such path ${url.pathname} (this is media control ${MEDIA_CONTROL_HTTP_PREFIX})`);
    }
    const parts = url.pathname.slice(MEDIA_CONTROL_HTTP_PREFIX.length + 1).split('/');
    const allow = (...methods: string[]) => {
      if (!methods.includes(method)) throw new HttpError(405, `${method} not allowed on ${url.pathname}`, { Allow: methods.join(', ') });
    };

    if (parts.length === 1 && parts[0] === 'health') {
      allow('GET');
      const health: MediaControlHealth = { v: MEDIA_CONTROL_VERSION, status: 'ok', endpoints: control.activeEndpoints().length, subscribers: subscribers.size };
      return { status: 200, body: health };
    }
    if (parts.length === 1 && parts[0] === 'events') {
      allow('GET');
      subscribe(req, res);
      return 'streaming';
    }
    if (parts[0] !== 'endpoints' || parts.length > 3) throw new HttpError(404, `no such path ${url.pathname}`);
    if (parts.length === 1) {
      allow('POST');
      const request = validate(allocateRequestSchema, await readJson(req, maxBody), 'allocate request');
      return { status: 201, body: await control.allocate(request) };
    }

    let id: string;
    try {
      id = decodeURIComponent(parts[1] ?? '');
    } catch {
      throw new HttpError(400, 'invalid endpoint id in path');
    }
    if (id.length === 0 || id.length > MAX_ENDPOINT_ID_LENGTH) throw new HttpError(400, 'invalid endpoint id in path');

    if (parts.length === 2) {
      allow('DELETE');
      const body = await readJson(req, maxBody);
      const reason = body === undefined ? { reason: url.searchParams.get('reason') ?? 'released' } : body;
      await control.release(id, validate(releaseRequestSchema, reason, 'release request').reason);
      return { status: 204 };
    }
    switch (parts[2]) {
      case 'remote': {
        allow('PUT');
        const remote = validate(remoteMediaSchema, await readJson(req, maxBody), 'remote media');
        await control.update(known(id), remote);
        return { status: 204 };
      }
      case 'connect': {
        allow('POST');
        const call = validate(callInfoSchema, (await readJson(req, maxBody)) ?? {}, 'call info');
        await control.connect(known(id), call);
        return { status: 204 };
      }
      case 'play': {
        allow('POST');
        const { promptId } = validate(playRequestSchema, await readJson(req, maxBody), 'play request');
        if (!(PROMPT_IDS as readonly string[]).includes(promptId)) {
          throw new HttpError(400, `invalid play request: promptId: unknown prompt '${promptId}' (known: ${PROMPT_IDS.join(', ')})`);
        }
        await control.play(known(id), promptId);
        return { status: 204 };
      }
      case 'dtmf-in': {
        allow('POST');
        const { digit, durationMs } = validate(dtmfInRequestSchema, await readJson(req, maxBody), 'dtmf-in request');
        control.dtmfFromSignalling(known(id), digit, durationMs);
        return { status: 204 };
      }
      case 'dtmf-out': {
        allow('POST');
        const { digits } = validate(dtmfOutRequestSchema, await readJson(req, maxBody), 'dtmf-out request');
        known(id);
        try {
          await control.sendDtmf(id, digits);
        } catch (err) {
          // the endpoint exists but cannot send (no telephone-event type, not sending, put on hold or released meanwhile)
          const message = err instanceof Error ? err.message : String(err);
          throw /^unknown media endpoint /.test(message) ? new HttpError(404, message) : new HttpError(409, message);
        }
        return { status: 204 };
      }
      default:
        throw new HttpError(404, `no such path ${url.pathname}`);
    }
  }

  /** Maps what the control threw onto an HTTP answer. */
  function answerError(err: unknown): HttpError {
    if (err instanceof HttpError) return err;
    if (err instanceof InvalidMediaRequestError) return new HttpError(400, err.message);
    if (err instanceof PortPoolExhaustedError) return new HttpError(503, err.message, { 'Retry-After': '1' });
    const message = err instanceof Error ? err.message : String(err);
    if (/^unknown media endpoint /.test(message)) return new HttpError(404, message);
    log.error('media control: request failed', { err });
    return new HttpError(500, message);
  }

  const server = http.createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }, (req, res) => {
    req.on('error', () => {}); // an aborted upload ends the request; the handler sees it as the end of the body
    res.on('error', () => {});
    if (opts.token !== undefined && !authorized(req.headers.authorization, opts.token)) {
      req.resume();
      send(res, 401, { error: 'missing or wrong bearer token' }, { 'WWW-Authenticate': 'Bearer realm="media-control"' });
      return;
    }
    route(req, res).then(
      (result) => {
        if (result !== 'streaming') send(res, result.status, result.body);
      },
      (err: unknown) => {
        const e = answerError(err);
        if (e.status === 413) {
          // stop reading an oversized upload: answer, then close the connection
          send(res, 413, { error: e.message }, { Connection: 'close' });
          req.resume();
          return;
        }
        if (e.status >= 400 && e.status < 500) log.debug('media control: request refused', { method: req.method, status: e.status, error: e.message });
        if (!req.complete) req.resume();
        send(res, e.status, { error: e.message }, e.headers);
      },
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error('media control: server error', { err }));
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' || bound.address.includes(':') ? `[${bound.address}]` : bound.address;
  const url = `http://${host}:${bound.port}${MEDIA_CONTROL_HTTP_PREFIX}`;
  log.info('media control listening', { url, auth: opts.token !== undefined });
  if (opts.token === undefined && !isLoopback(bound.address)) {
    log.warn('media control: listening beyond loopback without a bearer token; anyone who reaches it controls the media');
  }

  let closing: Promise<void> | undefined;
  return {
    address: bound.address,
    port: bound.port,
    url,
    subscribers: () => subscribers.size,
    close() {
      closing ??= (async () => {
        clearInterval(heartbeat);
        if (typeof unsubscribe === 'function') (unsubscribe as () => void)();
        for (const sub of [...subscribers]) {
          subscribers.delete(sub);
          sub.res.end();
        }
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // streams just ended and requests in flight get a moment to finish, then every connection goes
        const grace = setTimeout(() => server.closeAllConnections(), 1000);
        await closed;
        clearTimeout(grace);
        log.info('media control stopped', { url });
      })();
      return closing;
    },
  };
}
