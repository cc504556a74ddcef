// The dashboard's HTTP API (see ../../src/api/types.ts): same-origin JSON with the session cookie; every
// state-changing request carries the CSRF token from the signed-in user, which is kept in memory only.
import { noteServerDate } from './clock.js';
import type { AuditRow, CallDetail, HistoryDetail, HistoryRow, LiveCallRow, Me, SystemStatus } from './types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** seconds, from Retry-After (429) */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const TIMEOUT_MS = 15_000;

let me: Me | null = null;
let onUnauthorized: () => void = () => {};

export function currentUser(): Me | null {
  return me;
}

export function setCurrentUser(user: Me | null): void {
  me = user;
}

/** called when any request other than login/me answers 401 (the session expired or was revoked) */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown, handle401 = true): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && me) headers['x-csrf-token'] = me.csrf;
  const abort = new AbortController();
  const timer = window.setTimeout(() => abort.abort(), TIMEOUT_MS);
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: abort.signal,
    });
  } catch {
    throw new ApiError(0, abort.signal.aborted ? 'The appliance did not answer in time' : 'Cannot reach the appliance', null);
  } finally {
    window.clearTimeout(timer);
  }
  noteServerDate(res.headers.get('date'));
  if (res.status === 401 && handle401) onUnauthorized();
  if (!res.ok) {
    const retry = Number(res.headers.get('retry-after'));
    throw new ApiError(res.status, await errorText(res), Number.isFinite(retry) && retry > 0 ? retry : null);
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

async function errorText(res: Response): Promise<string> {
  try {
    const text = (await res.text()).trim();
    if (text.startsWith('{')) {
      const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
      const msg = parsed.error ?? parsed.message;
      if (typeof msg === 'string' && msg) return msg;
    } else if (text && text.length < 200) {
      return text;
    }
  } catch {
    // fall through to the status text
  }
  return `${res.status} ${res.statusText}`.trim();
}

export interface HistoryQuery {
  /** ISO */
  from?: string;
  /** ISO */
  to?: string;
  number?: string;
  outcome?: string;
  limit?: number;
}

export const api = {
  login: (username: string, password: string) => request<Me>('POST', '/api/login', { username, password }, false),
  logout: () => request<void>('POST', '/api/logout', undefined, false),
  me: () => request<Me>('GET', '/api/me', undefined, false),
  calls: () => request<{ calls: LiveCallRow[] }>('GET', '/api/calls'),
  call: (sessionId: string) => request<CallDetail>('GET', `/api/calls/${encodeURIComponent(sessionId)}`),
  system: () => request<SystemStatus>('GET', '/api/system'),
  history(q: HistoryQuery) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') params.set(k, String(v));
    const qs = params.toString();
    return request<{ calls: HistoryRow[] }>('GET', `/api/history${qs ? `?${qs}` : ''}`);
  },
  historyDetail: (sessionId: string) => request<HistoryDetail>('GET', `/api/history/${encodeURIComponent(sessionId)}`),
  audit: (limit = 200) => request<{ records: AuditRow[] }>('GET', `/api/admin/audit?limit=${limit}`),
};
