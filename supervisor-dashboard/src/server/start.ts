/**
 * Starts the supervisor dashboard: the HTTP(S) server with the page and the API, the live WebSocket, the live
 * events read from Redis (pub/sub; already redacted by agent-core), the queue panel read from BullMQ, and the
 * SLO clock. History and audit records go through the conversation store.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Duplex } from 'node:stream';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { WebSocketServer } from 'ws';
import type { Registry } from 'prom-client';
import { LIVE_EVENTS_CHANNEL, parseLiveEvent, redisConnectionOptions, type DashboardConfig, type Logger, type RedisTarget } from '@callgate/contracts';
import type { QueueStatus, SystemStatus } from '../api/types.js';
import { Accounts } from '../auth/accounts.js';
import { LoginLimiter } from '../auth/login-limiter.js';
import { SessionStore } from '../auth/sessions.js';
import { History, type HistoryStore } from '../history/history.js';
import { HttpError, parseCookies, securityHeaders, sendJson, originAllowed } from '../http/http-util.js';
import { staticFiles } from '../http/static-files.js';
import { LiveHub } from '../live/live-hub.js';
import { LiveState, DEFAULT_LIMITS } from '../live/live-state.js';
import { SloTracker } from '../live/slo.js';
import { readQueue, SystemEvents } from '../live/system-status.js';
import { createApi, SESSION_COOKIE } from './api.js';
import { dashboardMetrics } from './metrics.js';

export interface DashboardStartOptions {
  config: DashboardConfig;
  /** the Redis agent-core publishes on: host/port or a redis:// URL */
  redis: RedisTarget;
  store: HistoryStore;
  /** the store's caller key for a number (history search by the caller's number) */
  callerKeyOf: (number: string) => string;
  /** BullMQ queue names, realtime and batch */
  queues: { realtime: string; batch: string };
  logger: Logger;
  registry?: Registry;
  /** the built page; default: this package's dist/web */
  webRoot?: string;
}

export interface RunningDashboard {
  url: string;
  /** how to log in, when the embedded default accounts are in use */
  loginHint: string | undefined;
  stop(): Promise<void>;
}

const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web', import.meta.url));

export async function startDashboard(o: DashboardStartOptions): Promise<RunningDashboard> {
  const { config, logger: log } = o;
  const accounts = await Accounts.fromConfig(config);
  const metrics = dashboardMetrics(o.registry);
  const secure = Boolean(config.tls) || config.trustProxyTls || config.production;
  const sessions = new SessionStore(config.sessionTtlMs);
  const limiter = new LoginLimiter(config.loginMaxFailures, config.loginLockoutMs);
  const live = new LiveState({ ...DEFAULT_LIMITS, endedLingerMs: config.endedLingerMs });
  const slo = new SloTracker(config.slo);
  const events = new SystemEvents();
  const history = new History(o.store, o.callerKeyOf);
  let queues: QueueStatus[] = [];
  let system: SystemStatus = { activeCalls: 0, slo: slo.evaluate(), queues, providers: [], errors: [], at: Date.now() };
  let systemVersion = 0;

  const audit = (login: { username: string }, action: string, sessionId: string) => {
    o.store.recordAudit({ actor: login.username, action, sessionId }).catch((err: unknown) => log.error('dashboard: audit record not written', { err, session_id: sessionId, action }));
  };

  // live events
  const common = { maxRetriesPerRequest: null, enableOfflineQueue: true } as const;
  const subscriber = typeof o.redis === 'string' ? new Redis(o.redis, common) : new Redis({ ...o.redis, ...common });
  let redisDown = false;
  subscriber.on('error', (err: Error) => {
    if (redisDown) return;
    redisDown = true;
    log.warn('dashboard: redis unavailable; live view paused until it is back', { err: err.message });
    events.error({ at: Date.now(), source: 'dashboard', message: `redis unavailable: ${err.message}`, sessionId: null });
  });
  subscriber.on('ready', () => (redisDown = false));
  subscriber.on('message', (_channel: string, text: string) => {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      raw = undefined;
    }
    const parsed = parseLiveEvent(raw);
    if (!parsed.ok) {
      metrics.liveEvents.inc({ result: 'invalid' });
      return;
    }
    metrics.liveEvents.inc({ result: 'ok' });
    const e = parsed.value;
    live.apply(e);
    events.apply(e);
    if (e.type === 'turn_timing') slo.observe(e);
  });
  // not awaited: a Redis that is not up yet must not hold the page back (ioredis subscribes once it connects,
  // and again after every reconnect)
  subscriber.subscribe(LIVE_EVENTS_CHANNEL).catch((err: unknown) => log.warn('dashboard: live events not subscribed yet', { err }));

  const connection = redisConnectionOptions(o.redis);
  const queueReaders = [
    { label: 'realtime', q: new Queue(o.queues.realtime, { connection: { ...connection, maxRetriesPerRequest: null } }) },
    { label: 'batch', q: new Queue(o.queues.batch, { connection: { ...connection, maxRetriesPerRequest: null } }) },
  ];
  for (const { q } of queueReaders) q.on('error', () => {});

  const refreshSystem = () => {
    const status = slo.evaluate();
    metrics.slo(status);
    system = { activeCalls: live.activeCalls(), slo: status, queues, providers: events.providerHealth(), errors: events.recentErrors(), at: Date.now() };
    systemVersion += 1;
  };
  let readingQueues = false;
  const refreshQueues = async () => {
    if (readingQueues) return;
    readingQueues = true;
    try {
      const now = Date.now();
      queues = await Promise.all(queueReaders.map(({ label, q }) => readQueue(label, q, now)));
    } catch (err) {
      log.debug('dashboard: queues not readable', { err });
    } finally {
      readingQueues = false;
    }
  };

  const hub = new LiveHub(
    {
      listVersion: () => live.listVersion,
      rows: () => live.rows(),
      callVersion: (id) => live.version(id),
      detail: (id) => live.detail(id),
      systemVersion: () => systemVersion,
      system: () => system,
      opened: (login, id) => audit(login, 'transcript_viewed', id),
    },
    { maxBufferedBytes: config.liveMaxBufferedBytes, onCoalesced: () => metrics.wsCoalesced.inc() },
  );

  const api = createApi({
    accounts,
    sessions,
    limiter,
    live,
    system: () => system,
    history,
    store: o.store,
    secureCookies: secure,
    sessionTtlMs: config.sessionTtlMs,
    onLogin: (result) => metrics.logins.inc({ result }),
    onLogout: (login) => hub.closeSession(login.id),
    audit,
  });
  const serveStatic = staticFiles(o.webRoot ?? DEFAULT_WEB_ROOT);

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    securityHeaders(res, Boolean(config.tls) || config.trustProxyTls);
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const work = url.pathname.startsWith('/api/')
      ? api(req, res, url)
      : req.method === 'GET' || req.method === 'HEAD'
        ? serveStatic(req, res, url.pathname)
        : Promise.reject(new HttpError(405, 'method not allowed'));
    work.catch((err: unknown) => {
      if (res.headersSent) return res.destroy();
      if (err instanceof HttpError) return sendJson(res, err.status, { error: err.message }, err.headers);
      log.error('dashboard: request failed', { err, path: url.pathname });
      sendJson(res, 500, { error: 'internal error' });
    });
  };
  const server: Server = config.tls ? createHttpsServer({ cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) }, onRequest) : createHttpServer(onRequest);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const path = new URL(req.url ?? '/', 'http://dashboard').pathname;
    if (path !== '/api/live') return refuse(404, 'Not Found');
    if (!originAllowed(req)) return refuse(403, 'Forbidden');
    const login = sessions.get(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
    if (!login) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      hub.add(ws, login);
      metrics.wsClients.set(hub.size);
      ws.on('close', () => metrics.wsClients.set(hub.size));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.address, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.listen.port;
  const host = config.listen.address.includes(':') ? `[${config.listen.address}]` : config.listen.address;
  const url = `${config.tls ? 'https' : 'http'}://${host}:${port}`;

  refreshSystem();
  void refreshQueues();
  const timers = [
    setInterval(() => hub.flush(), config.liveFlushMs),
    setInterval(refreshSystem, 1000),
    setInterval(() => void refreshQueues(), 2000),
    setInterval(() => live.sweep(), 5000),
    setInterval(() => hub.heartbeat(), 15_000),
  ];
  for (const t of timers) t.unref();

  const defaults = accounts.usingDefaults();
  const loginHint = defaults.length ? `log in at ${url} as ${defaults.map((a) => a.username).join(' or ')} with password 'callgate' (embedded defaults: set dashboard.users before exposing it)` : undefined;
  if (loginHint) log.warn('dashboard: embedded default accounts in use', { hint: loginHint });
  log.info('dashboard: listening', { url, secure_cookies: secure, accounts: accounts.list().length });

  return {
    url,
    loginHint,
    async stop() {
      for (const t of timers) clearInterval(t);
      hub.closeAll();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await Promise.all(queueReaders.map(({ q }) => q.close().catch(() => {})));
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
