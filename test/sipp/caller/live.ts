/**
 * Live events of our call from agent-core (Redis pub/sub channel `callgate:live:v1`, one JSON event per
 * message, schema `liveEventSchema`; every text already PII-redacted). Our call is the session whose
 * `call_started.callId` is the SIP Call-ID of our INVITE; everything else on the channel is ignored.
 *
 * Events are grouped by "window": the caller's script turn that was playing when a turn id was first seen
 * (0 = the greeting, before the caller's first turn). A reply's final text and timings arrive after it played,
 * or when it was cut, possibly during the next window; they stay with the window of their turn id.
 */
import { LIVE_EVENTS_CHANNEL, parseLiveEvent, type LiveEvent } from '@callgate/contracts';
import { Redis, type RedisOptions } from 'ioredis';

export const LIVE_CHANNEL = LIVE_EVENTS_CHANNEL;

export type TurnTimingEvent = Extract<LiveEvent, { type: 'turn_timing' }>;
type TranscriptEvent = Extract<LiveEvent, { type: 'transcript' }>;
type ToolEvent = Extract<LiveEvent, { type: 'tool' }>;

export interface WindowEvents {
  /** agent-core turn ids first seen in this window, in order */
  turnIds: string[];
  /** the caller's final transcripts (redacted) */
  callerFinals: Array<{ turnId: string; text: string; dtmf: boolean }>;
  /** the last partial transcript of the caller */
  callerPartial?: string;
  /** the agent's final transcripts (redacted; `interrupted`: cut by a barge-in, only what was heard) */
  agentFinals: Array<{ turnId: string; text: string; interrupted: boolean }>;
  timings: TurnTimingEvent[];
  bargeIns: Array<{ turnId: string; heardMs: number }>;
  tools: Array<Pick<ToolEvent, 'turnId' | 'tool' | 'status' | 'ms' | 'error'>>;
}

function emptyWindow(): WindowEvents {
  return { turnIds: [], callerFinals: [], agentFinals: [], timings: [], bargeIns: [], tools: [] };
}

export interface LiveStats {
  /** messages that were not JSON or not a valid v1 live event */
  invalid: number;
  /** valid events of other calls */
  otherCalls: number;
  /** our events */
  ours: number;
}

export class LiveTracker {
  /** our session id(s): the one named by our call's `call_started` */
  readonly sessionIds = new Set<string>();
  callStarted: Extract<LiveEvent, { type: 'call_started' }> | undefined;
  callEnded: Extract<LiveEvent, { type: 'call_ended' }> | undefined;
  /** the media bridge's latest quality estimate */
  lastQuality: Extract<LiveEvent, { type: 'quality' }> | undefined;
  readonly providers: Array<Extract<LiveEvent, { type: 'provider' }>> = [];
  readonly stats: LiveStats = { invalid: 0, otherCalls: 0, ours: 0 };
  /** the last reason a message was refused (for diagnostics) */
  lastInvalid: string | undefined;
  private window = 0;
  private readonly turnWindow = new Map<string, number>();
  private readonly windows = new Map<number, WindowEvents>();
  private readonly listeners = new Set<(e: LiveEvent, window: number | undefined) => void>();

  constructor(readonly callId: string) {}

  /** the caller's script turn now playing (0 = before the first) */
  setWindow(window: number): void {
    this.window = window;
  }

  get currentWindow(): number {
    return this.window;
  }

  onEvent(listener: (e: LiveEvent, window: number | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One message from the channel; returns the event when it is ours. Never throws. */
  handle(message: string | Buffer): LiveEvent | undefined {
    let raw: unknown;
    try {
      raw = JSON.parse(typeof message === 'string' ? message : message.toString('utf8'));
    } catch {
      this.stats.invalid++;
      this.lastInvalid = 'not JSON';
      return undefined;
    }
    const parsed = parseLiveEvent(raw);
    if (!parsed.ok) {
      this.stats.invalid++;
      this.lastInvalid = parsed.reason;
      return undefined;
    }
    const e = parsed.value;
    if (e.type === 'call_started' && e.callId === this.callId) {
      this.sessionIds.add(e.sessionId);
      this.callStarted ??= e;
    }
    if (!this.sessionIds.has(e.sessionId)) {
      this.stats.otherCalls++;
      return undefined;
    }
    this.stats.ours++;
    const window = this.record(e);
    for (const l of this.listeners) l(e, window);
    return e;
  }

  private record(e: LiveEvent): number | undefined {
    switch (e.type) {
      case 'call_started':
        return undefined;
      case 'call_ended':
        this.callEnded = e;
        return undefined;
      case 'provider':
        this.providers.push(e);
        return undefined;
      case 'quality':
        this.lastQuality = e;
        return undefined;
    }
    const { w, events } = this.windowOfTurn(e.turnId);
    switch (e.type) {
      case 'transcript':
        this.transcript(events, e);
        break;
      case 'turn_timing':
        events.timings.push(e);
        break;
      case 'barge_in':
        events.bargeIns.push({ turnId: e.turnId, heardMs: e.heardMs });
        break;
      case 'tool':
        events.tools.push({ turnId: e.turnId, tool: e.tool, status: e.status, ...(e.ms !== undefined ? { ms: e.ms } : {}), ...(e.error ? { error: e.error } : {}) });
        break;
    }
    return w;
  }

  private transcript(events: WindowEvents, e: TranscriptEvent): void {
    if (e.speaker === 'caller') {
      if (e.final) events.callerFinals.push({ turnId: e.turnId, text: e.text, dtmf: e.dtmf === true });
      else events.callerPartial = e.text;
      return;
    }
    if (!e.final) return;
    events.agentFinals.push({ turnId: e.turnId, text: e.text, interrupted: e.interrupted === true });
  }

  private windowOfTurn(turnId: string): { w: number; events: WindowEvents } {
    let w = this.turnWindow.get(turnId);
    if (w === undefined) {
      w = this.window;
      this.turnWindow.set(turnId, w);
      this.eventsOf(w).turnIds.push(turnId);
    }
    return { w, events: this.eventsOf(w) };
  }

  /** what arrived for a window so far */
  eventsOf(window: number): WindowEvents {
    let ev = this.windows.get(window);
    if (!ev) {
      ev = emptyWindow();
      this.windows.set(window, ev);
    }
    return ev;
  }

  /** the window a turn id belongs to, if seen */
  windowOf(turnId: string): number | undefined {
    return this.turnWindow.get(turnId);
  }
}

export interface LiveSubscription {
  /** false when Redis could not be reached (the call goes on without live events) */
  readonly connected: boolean;
  readonly error?: string;
  close(): Promise<void>;
}

export interface RedisTarget {
  host: string;
  port: number;
  /** redis:// URL (an external Redis); wins over host/port */
  url?: string;
}

/** Subscribes to the live channel; resolves (never rejects) with a subscription that may be disconnected. */
export async function subscribeLive(target: RedisTarget, onMessage: (message: string) => void, o: { connectTimeoutMs?: number; channel?: string } = {}): Promise<LiveSubscription> {
  const opts: RedisOptions = {
    lazyConnect: true,
    connectTimeout: o.connectTimeoutMs ?? 2000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    // no retries while connecting for the first time: a missing Redis must not hold up the call
    retryStrategy: () => null,
  };
  const redis = target.url ? new Redis(target.url, opts) : new Redis({ ...opts, host: target.host, port: target.port });
  let lastError: string | undefined;
  redis.on('error', (err: Error) => {
    lastError = err.message;
  });
  const close = async (): Promise<void> => {
    try {
      redis.disconnect();
    } catch {
      // already closed
    }
  };
  try {
    await redis.connect();
    await redis.subscribe(o.channel ?? LIVE_CHANNEL);
  } catch (err) {
    await close();
    return { connected: false, error: lastError ?? (err as Error).message, close };
  }
  // once up, ride out short Redis hiccups (ioredis resubscribes on reconnect)
  redis.options.retryStrategy = (times: number) => (times > 20 ? null : Math.min(times * 200, 1000));
  redis.on('message', (_channel: string, message: string) => onMessage(message));
  return { connected: true, close };
}
