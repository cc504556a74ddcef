// The live WebSocket (/api/live, same origin): subscriptions survive reconnects (they are sent again on every
// open), reconnects back off exponentially with jitter, and a close with 4401 — or a connection refused while
// /api/me says 401 — hands over to the login page instead of retrying.
import type { CallDetail, ClientMessage, LiveCallRow, ServerMessage, SystemStatus } from './types.js';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';
type Topic = 'calls' | 'system' | 'call';
type Subscribe = Extract<ClientMessage, { type: 'subscribe' }>;

interface Events {
  calls: LiveCallRow[];
  system: SystemStatus;
  call: CallDetail;
  error: string;
}
type Listener<K extends keyof Events> = (value: Events[K]) => void;

const API_VERSION = 1;
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 10_000;
export const CLOSE_UNAUTHORIZED = 4401;

export interface LiveSocketOptions {
  onUnauthorized(): void;
  /** after a connection that never opened: false when the session is gone (401) */
  sessionAlive(): Promise<boolean>;
}

export class LiveSocket {
  private ws: WebSocket | null = null;
  private readonly subs = new Map<string, { msg: Subscribe; count: number }>();
  private readonly listeners: { [K in keyof Events]: Set<Listener<K>> } = {
    calls: new Set(), system: new Set(), call: new Set(), error: new Set(),
  };
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private attempt = 0;
  private retryTimer = 0;
  private running = false;
  state: ConnectionState = 'closed';

  constructor(private readonly opts: LiveSocketOptions) {
    window.addEventListener('online', () => this.retryNow());
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    this.connect();
  }

  /** closes for good (logout, session gone); subscriptions are dropped */
  stop(): void {
    this.running = false;
    window.clearTimeout(this.retryTimer);
    this.subs.clear();
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, 'bye');
    this.setState('closed');
  }

  subscribe(msg: Subscribe): () => void {
    const key = msg.topic === 'call' ? `call:${msg.sessionId}` : msg.topic;
    const sub = this.subs.get(key);
    if (sub) sub.count++;
    else {
      this.subs.set(key, { msg, count: 1 });
      this.send(msg);
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const s = this.subs.get(key);
      if (!s || --s.count > 0) return;
      this.subs.delete(key);
      const topic: Topic = msg.topic;
      this.send(msg.topic === 'call' ? { type: 'unsubscribe', topic, sessionId: msg.sessionId } : { type: 'unsubscribe', topic });
    };
  }

  on<K extends keyof Events>(type: K, listener: Listener<K>): () => void {
    const set = this.listeners[type] as Set<Listener<K>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    listener(this.state);
    return () => this.stateListeners.delete(listener);
  }

  private url(): string {
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live`;
  }

  private send(msg: ClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    for (const l of this.stateListeners) l(state);
  }

  private connect(): void {
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let opened = false;
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.setState('open');
      for (const { msg } of this.subs.values()) ws.send(JSON.stringify(msg));
    };
    ws.onmessage = (ev) => {
      if (this.ws === ws && typeof ev.data === 'string') this.dispatch(ev.data);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (!this.running) return;
      if (ev.code === CLOSE_UNAUTHORIZED) {
        this.opts.onUnauthorized();
        return;
      }
      this.setState('reconnecting');
      if (opened) {
        this.scheduleRetry();
        return;
      }
      // a refused upgrade (e.g. 401) is invisible to the page: ask /api/me whether the session still holds
      this.opts.sessionAlive().then(
        (alive) => (alive ? this.scheduleRetry() : this.opts.onUnauthorized()),
        () => this.scheduleRetry(),
      );
    };
  }

  private scheduleRetry(): void {
    if (!this.running) return;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.attempt);
    this.attempt++;
    window.clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(() => {
      if (this.running && !this.ws) this.connect();
    }, base / 2 + Math.random() * (base / 2));
  }

  private retryNow(): void {
    if (!this.running || this.ws) return;
    window.clearTimeout(this.retryTimer);
    this.connect();
  }

  private dispatch(data: string): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(data) as ServerMessage;
    } catch {
      return;
    }
    if (msg.v !== API_VERSION) return;
    switch (msg.type) {
      case 'calls':
        for (const l of this.listeners.calls) l(msg.calls);
        break;
      case 'system':
        for (const l of this.listeners.system) l(msg.system);
        break;
      case 'call':
        for (const l of this.listeners.call) l(msg.detail);
        break;
      case 'error':
        for (const l of this.listeners.error) l(msg.message);
        break;
    }
  }
}
