/**
 * The dashboard's REST API (see api/types.ts for the routes). Every route but login checks the session cookie;
 * state-changing requests also check the CSRF token and the Origin; admin routes check the role. Opening a
 * call's transcript (live or past) writes an audit record.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditRow, Me, Role } from '../api/types.js';
import type { Accounts } from '../auth/accounts.js';
import type { LoginLimiter } from '../auth/login-limiter.js';
import { SessionStore, type LoginSession } from '../auth/sessions.js';
import type { History, HistoryStore } from '../history/history.js';
import type { LiveState } from '../live/live-state.js';
import { clientAddress, HttpError, originAllowed, parseCookies, readJson, sendJson, sessionCookie } from '../http/http-util.js';

export const SESSION_COOKIE = 'cg_session';

export interface ApiDeps {
  accounts: Accounts;
  sessions: SessionStore;
  limiter: LoginLimiter;
  live: LiveState;
  system: () => import('../api/types.js').SystemStatus;
  history: History;
  store: Pick<HistoryStore, 'recordAudit' | 'listAudit'>;
  secureCookies: boolean;
  sessionTtlMs: number;
  onLogin?: (result: 'ok' | 'failed' | 'locked') => void;
  onLogout?: (login: LoginSession) => void;
  audit: (login: LoginSession, action: string, sessionId: string) => void;
}

export function createApi(d: ApiDeps) {
  const me = (s: LoginSession): Me => ({ username: s.username, role: s.role, csrf: s.csrf });

  const authenticate = (req: IncomingMessage): LoginSession => {
    const s = d.sessions.get(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
    if (!s) throw new HttpError(401, 'log in first');
    return s;
  };
  const requireRole = (s: LoginSession, role: Role) => {
    if (s.role !== role) throw new HttpError(403, `needs the ${role} role`);
  };
  const checkCsrf = (req: IncomingMessage, s: LoginSession) => {
    if (!originAllowed(req)) throw new HttpError(403, 'cross-origin request refused');
    const token = req.headers['x-csrf-token'];
    if (!SessionStore.csrfMatches(s, Array.isArray(token) ? token[0] : token)) throw new HttpError(403, 'missing or wrong CSRF token');
  };

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!originAllowed(req)) throw new HttpError(403, 'cross-origin request refused');
    const body = await readJson(req);
    const username = typeof body.username === 'string' ? body.username.slice(0, 64) : '';
    const password = typeof body.password === 'string' ? body.password.slice(0, 1024) : '';
    const address = clientAddress(req);
    const wait = d.limiter.retryAfterMs(username, address);
    if (wait > 0) {
      d.onLogin?.('locked');
      throw new HttpError(429, 'too many failed logins; try again later', { 'retry-after': String(Math.ceil(wait / 1000)) });
    }
    const account = username && password ? await d.accounts.verify(username, password) : undefined;
    if (!account) {
      d.limiter.failed(username, address);
      d.onLogin?.('failed');
      throw new HttpError(401, 'wrong username or password');
    }
    d.limiter.succeeded(username);
    d.onLogin?.('ok');
    const s = d.sessions.create(account.username, account.role);
    sendJson(res, 200, me(s), { 'set-cookie': sessionCookie(SESSION_COOKIE, s.id, { secure: d.secureCookies, maxAgeS: Math.round(d.sessionTtlMs / 1000) }) });
  }

  return async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/api/login' && method === 'POST') return login(req, res);
    const s = authenticate(req);
    if (method !== 'GET' && method !== 'HEAD') checkCsrf(req, s);

    if (path === '/api/logout' && method === 'POST') {
      d.sessions.destroy(s.id);
      d.onLogout?.(s);
      res.writeHead(204, { 'set-cookie': sessionCookie(SESSION_COOKIE, '', { secure: d.secureCookies, maxAgeS: 0 }), 'cache-control': 'no-store' }).end();
      return;
    }
    if (method !== 'GET') throw new HttpError(405, 'method not allowed');
    if (path === '/api/me') return sendJson(res, 200, me(s));
    if (path === '/api/calls') return sendJson(res, 200, { calls: d.live.rows() });
    if (path === '/api/system') return sendJson(res, 200, d.system());
    let m = /^\/api\/calls\/([^/]+)$/.exec(path);
    if (m) {
      const id = decodeURIComponent(m[1]!);
      const detail = d.live.detail(id);
      if (!detail) throw new HttpError(404, 'no live call with that id (see history)');
      d.audit(s, 'transcript_viewed', id);
      return sendJson(res, 200, detail);
    }
    if (path === '/api/history') return sendJson(res, 200, { calls: await d.history.search(historyQuery(url)) });
    m = /^\/api\/history\/([^/]+)$/.exec(path);
    if (m) {
      const id = decodeURIComponent(m[1]!);
      const detail = await d.history.detail(id);
      if (!detail) throw new HttpError(404, 'no stored call with that id');
      d.audit(s, 'transcript_viewed', id);
      return sendJson(res, 200, detail);
    }
    if (path === '/api/admin/audit') {
      requireRole(s, 'admin');
      const limit = clampInt(url.searchParams.get('limit'), 1, 1000, 200);
      const records: AuditRow[] = (await d.store.listAudit({ limit })).map((r) => ({ at: r.at, actor: r.actor, action: r.action, target: r.sessionId ?? (r.callerKey ? `caller #${r.callerKey.slice(0, 8)}` : '') }));
      return sendJson(res, 200, { records });
    }
    if (path === '/api/admin/users') {
      requireRole(s, 'admin');
      return sendJson(res, 200, { users: d.accounts.list().map((a) => ({ username: a.username, role: a.role })) });
    }
    throw new HttpError(404, 'no such API');
  };
}

function historyQuery(url: URL) {
  const p = url.searchParams;
  const time = (name: string) => {
    const v = p.get(name);
    if (!v) return undefined;
    const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(t)) throw new HttpError(400, `${name}: expected an ISO date-time or epoch ms`);
    return t;
  };
  const number = p.get('number')?.trim();
  const outcome = p.get('outcome')?.trim();
  if (number && !/^[0-9+*#() .-]{1,32}$/.test(number)) throw new HttpError(400, 'number: digits only (with + * # and separators)');
  if (outcome && !/^[a-z_-]{1,40}$/i.test(outcome)) throw new HttpError(400, 'outcome: a word such as completed, transferred, failed');
  const from = time('from');
  const to = time('to');
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), ...(number ? { number } : {}), ...(outcome ? { outcome } : {}), limit: clampInt(p.get('limit'), 1, 500, 100) };
}

function clampInt(v: string | null, min: number, max: number, dflt: number): number {
  const n = v === null ? NaN : Number(v);
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : dflt;
}
