/**
 * The front-desk demo's calendar: a tiny loopback HTTP service the appliance runs so the demo agent books
 * appointments through a real webhook tool, with no network. Bookings live in memory.
 *
 *   POST /tools/book_appointment  {arguments: {day, time, name?}}  → {reference: 'A-1001', day, time, name?}
 *   POST /tools/take_callback     {arguments: {phone, name?}}      → {reference: 'C-1001', phone}
 *   GET  /bookings                                                 → {appointments: [...], callbacks: [...]}
 *
 * Idempotent: a POST carrying an `Idempotency-Key` already seen returns the first response and records nothing
 * new. With a token configured every request needs `Authorization: Bearer <token>`.
 */
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookToolConfig } from './definitions.js';

export interface Appointment {
  reference: string;
  day: string;
  time: string;
  name?: string;
  sessionId?: string;
}

export interface CallbackRequest {
  reference: string;
  phone: string;
  name?: string;
  sessionId?: string;
}

export interface DemoCalendarOptions {
  /** default 0 (any free port) */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** when set, requests need `Authorization: Bearer <token>` */
  token?: string;
}

export interface DemoCalendar {
  /** base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly port: number;
  appointments(): Appointment[];
  callbacks(): CallbackRequest[];
  close(): Promise<void>;
}

export const DEMO_DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

const bookParameters = {
  type: 'object',
  properties: {
    day: { type: 'string', enum: [...DEMO_DAYS], description: 'day of the appointment, lower case' },
    time: {
      type: 'string',
      pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
      description: '24-hour time, e.g. 14:30',
    },
    name: { type: 'string', minLength: 1, maxLength: 100, description: "the caller's name, when given" },
  },
  required: ['day', 'time'],
  additionalProperties: false,
};

const bookResult = {
  type: 'object',
  properties: {
    reference: { type: 'string', pattern: '^A-[0-9]{4,}$' },
    day: { type: 'string' },
    time: { type: 'string' },
    name: { type: 'string' },
  },
  required: ['reference', 'day', 'time'],
};

const callbackParameters = {
  type: 'object',
  properties: {
    phone: { type: 'string', pattern: '^\\+?[0-9 ()-]{3,20}$', description: 'number to call back' },
    name: { type: 'string', minLength: 1, maxLength: 100 },
  },
  required: ['phone'],
  additionalProperties: false,
};

const callbackResult = {
  type: 'object',
  properties: { reference: { type: 'string', pattern: '^C-[0-9]{4,}$' }, phone: { type: 'string' } },
  required: ['reference'],
};

/**
 * The demo agent's two tools, pointing at a calendar on `baseUrl`. With `tokenEnv` the Authorization header
 * references that environment variable (resolved when the config is loaded).
 */
export function demoTools(baseUrl: string, opts: { tokenEnv?: string } = {}): WebhookToolConfig[] {
  const headers = opts.tokenEnv ? { Authorization: `Bearer \${${opts.tokenEnv}}` } : undefined;
  const webhook = (path: string): WebhookToolConfig['webhook'] => ({
    url: `${baseUrl.replace(/\/$/, '')}${path}`,
    method: 'POST',
    timeoutMs: 2000,
    ...(headers ? { headers } : {}),
  });
  return [
    {
      kind: 'webhook',
      name: 'book_appointment',
      description: 'Book an appointment for the caller on a weekday at a given time. Returns a booking reference.',
      parameters: bookParameters,
      result: bookResult,
      webhook: webhook('/tools/book_appointment'),
      timeoutMs: 3000,
      rateLimit: { perSecond: 20, burst: 40 },
    },
    {
      kind: 'webhook',
      name: 'take_callback',
      description: 'Record that the caller wants to be called back on a phone number. Returns a reference.',
      parameters: callbackParameters,
      result: callbackResult,
      webhook: webhook('/tools/take_callback'),
      timeoutMs: 3000,
      rateLimit: { perSecond: 20, burst: 40 },
    },
  ];
}

/** the default port the appliance runs the demo calendar on (loopback only) */
export const DEMO_CALENDAR_PORT = 9481;

/** the demo tools for the appliance's default config: calendar on 127.0.0.1:DEMO_CALENDAR_PORT, no token */
export const DEMO_TOOLS: readonly WebhookToolConfig[] = demoTools(`http://127.0.0.1:${DEMO_CALENDAR_PORT}`);

const MAX_BODY = 64 * 1024;

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m?.[1]) return false;
  const a = Buffer.from(m[1]);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** starts the demo calendar; resolves once it listens */
export async function startDemoCalendar(opts: DemoCalendarOptions = {}): Promise<DemoCalendar> {
  const appointments: Appointment[] = [];
  const callbacks: CallbackRequest[] = [];
  // Idempotency-Key (per endpoint) → the first response body
  const responses = new Map<string, string>();
  let nextAppointment = 1001;
  let nextCallback = 1001;

  const send = (res: http.ServerResponse, status: number, body: unknown): void => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (opts.token !== undefined && !tokenMatches(req.headers.authorization, opts.token)) {
      send(res, 401, { error: 'unauthorized' });
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/bookings') {
      send(res, 200, { appointments, callbacks });
      return;
    }
    if (req.method !== 'POST' || (path !== '/tools/book_appointment' && path !== '/tools/take_callback')) {
      send(res, 404, { error: 'not found' });
      return;
    }
    let body: { arguments?: Record<string, unknown>; sessionId?: unknown };
    try {
      body = JSON.parse(await readBody(req)) as typeof body;
    } catch {
      send(res, 400, { error: 'body must be JSON' });
      return;
    }
    const args = body?.arguments ?? {};
    const sessionId = isStr(body?.sessionId) ? body.sessionId : undefined;
    const keyHeader = req.headers['idempotency-key'];
    const key = typeof keyHeader === 'string' && keyHeader !== '' ? `${path} ${keyHeader}` : undefined;
    const stored = key !== undefined ? responses.get(key) : undefined;
    if (stored !== undefined) {
      send(res, 200, stored);
      return;
    }

    let result: Record<string, unknown>;
    if (path === '/tools/book_appointment') {
      if (!isStr(args.day) || !isStr(args.time)) {
        send(res, 422, { error: 'day and time are required' });
        return;
      }
      const a: Appointment = {
        reference: `A-${nextAppointment++}`,
        day: args.day,
        time: args.time,
        ...(isStr(args.name) ? { name: args.name } : {}),
        ...(sessionId ? { sessionId } : {}),
      };
      appointments.push(a);
      result = { reference: a.reference, day: a.day, time: a.time, ...(a.name ? { name: a.name } : {}) };
    } else {
      if (!isStr(args.phone)) {
        send(res, 422, { error: 'phone is required' });
        return;
      }
      const c: CallbackRequest = {
        reference: `C-${nextCallback++}`,
        phone: args.phone,
        ...(isStr(args.name) ? { name: args.name } : {}),
        ...(sessionId ? { sessionId } : {}),
      };
      callbacks.push(c);
      result = { reference: c.reference, phone: c.phone };
    }
    const text = JSON.stringify(result);
    if (key !== undefined) responses.set(key, text);
    send(res, 200, text);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    appointments: () => appointments.map((a) => ({ ...a })),
    callbacks: () => callbacks.map((c) => ({ ...c })),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
