/**
 * The live WebSocket (`/api/live`). A browser subscribes to topics — the call list, the system panel, one call's
 * detail — and gets state snapshots, never an event stream: at most one message per topic per flush interval,
 * only when the state changed since what that socket last got, and nothing while the socket has more than
 * `maxBufferedBytes` queued (a slow browser skips intermediate states and gets the newest snapshot once it
 * drains). The server never holds an unbounded buffer for anyone. A snapshot is serialised once per flush and
 * shared by every socket that needs it.
 */
import type { WebSocket } from 'ws';
import type { CallDetail, ClientMessage, LiveCallRow, ServerMessage, SystemStatus } from '../api/types.js';
import type { LoginSession } from '../auth/sessions.js';

export interface LiveSources {
  listVersion(): number;
  rows(): LiveCallRow[];
  callVersion(sessionId: string): number | undefined;
  detail(sessionId: string): CallDetail | undefined;
  systemVersion(): number;
  system(): SystemStatus;
  /** a supervisor opened a call's live transcript (audited) */
  opened(session: LoginSession, sessionId: string): void;
}

export interface LiveHubOptions {
  maxBufferedBytes: number;
  /** at most this many call-detail subscriptions per socket */
  maxCallSubscriptions?: number;
  onCoalesced?: () => void;
}

interface Client {
  ws: WebSocket;
  login: LoginSession;
  /** topic key → version last sent (-1: subscribed, nothing sent yet) */
  sent: Map<string, number>;
  alive: boolean;
}

const SESSION_ID = /^[A-Za-z0-9._:@-]{1,200}$/;

export class LiveHub {
  private readonly clients = new Set<Client>();
  coalesced = 0;

  constructor(
    private readonly sources: LiveSources,
    private readonly opts: LiveHubOptions,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  add(ws: WebSocket, login: LoginSession): void {
    const client: Client = { ws, login, sent: new Map(), alive: true };
    this.clients.add(client);
    ws.on('message', (data, isBinary) => this.onMessage(client, isBinary ? undefined : data.toString()));
    ws.on('pong', () => (client.alive = true));
    ws.on('close', () => this.clients.delete(client));
    ws.on('error', () => this.clients.delete(client));
  }

  /** ends every socket of a login session (logout) */
  closeSession(loginId: string): void {
    for (const c of this.clients) if (c.login.id === loginId) c.ws.close(4401, 'logged out');
  }

  /** sends what changed to everyone who can take it now */
  flush(): void {
    const cache = new Map<string, string | null>();
    for (const c of this.clients) {
      if (c.ws.readyState !== c.ws.OPEN) continue;
      for (const [topic, sentVersion] of c.sent) {
        const version = this.versionOf(topic);
        if (version === undefined || version === sentVersion) continue;
        if (c.ws.bufferedAmount > this.opts.maxBufferedBytes) {
          this.coalesced += 1;
          this.opts.onCoalesced?.();
          break; // this socket is backed up: it gets the newest state on a later flush
        }
        let text = cache.get(topic);
        if (text === undefined) {
          text = this.render(topic);
          cache.set(topic, text);
        }
        if (text === null) continue;
        c.ws.send(text);
        c.sent.set(topic, version);
      }
    }
  }

  /** drops sockets that did not answer the last ping */
  heartbeat(): void {
    for (const c of this.clients) {
      if (!c.alive) {
        c.ws.terminate();
        this.clients.delete(c);
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }

  closeAll(): void {
    for (const c of this.clients) c.ws.close(1001, 'server stopping');
    this.clients.clear();
  }

  private onMessage(c: Client, text: string | undefined): void {
    const msg = parseClientMessage(text);
    if (!msg) return this.send(c, { v: 1, type: 'error', message: 'unreadable message: expected {type:"subscribe"|"unsubscribe", topic, sessionId?}' });
    const key = msg.topic === 'call' ? (msg.sessionId ? `call:${msg.sessionId}` : undefined) : msg.topic;
    if (!key) return this.send(c, { v: 1, type: 'error', message: 'topic call needs a sessionId' });
    if (msg.type === 'unsubscribe') {
      c.sent.delete(key);
      return;
    }
    if (msg.topic === 'call') {
      const calls = [...c.sent.keys()].filter((k) => k.startsWith('call:')).length;
      if (!c.sent.has(key) && calls >= (this.opts.maxCallSubscriptions ?? 20)) return this.send(c, { v: 1, type: 'error', message: 'too many call subscriptions on this socket' });
      if (!c.sent.has(key)) this.sources.opened(c.login, msg.sessionId);
    }
    c.sent.set(key, -1);
    this.flush();
  }

  private versionOf(topic: string): number | undefined {
    if (topic === 'calls') return this.sources.listVersion();
    if (topic === 'system') return this.sources.systemVersion();
    return this.sources.callVersion(topic.slice('call:'.length));
  }

  private render(topic: string): string | null {
    let msg: ServerMessage;
    if (topic === 'calls') msg = { v: 1, type: 'calls', calls: this.sources.rows() };
    else if (topic === 'system') msg = { v: 1, type: 'system', system: this.sources.system() };
    else {
      const detail = this.sources.detail(topic.slice('call:'.length));
      if (!detail) return null;
      msg = { v: 1, type: 'call', detail };
    }
    return JSON.stringify(msg);
  }

  private send(c: Client, msg: ServerMessage): void {
    if (c.ws.readyState === c.ws.OPEN && c.ws.bufferedAmount <= this.opts.maxBufferedBytes) c.ws.send(JSON.stringify(msg));
  }
}

/** validates a browser's message; undefined when it is not one */
export function parseClientMessage(text: string | undefined): ClientMessage | undefined {
  if (!text || text.length > 1000) return undefined;
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof m !== 'object' || m === null) return undefined;
  const { type, topic, sessionId } = m as Record<string, unknown>;
  if (type !== 'subscribe' && type !== 'unsubscribe') return undefined;
  if (topic !== 'calls' && topic !== 'system' && topic !== 'call') return undefined;
  if (topic === 'call') {
    if (typeof sessionId !== 'string' || !SESSION_ID.test(sessionId)) return undefined;
    return type === 'subscribe' ? { type, topic, sessionId } : { type, topic, sessionId };
  }
  return { type, topic } as ClientMessage;
}
