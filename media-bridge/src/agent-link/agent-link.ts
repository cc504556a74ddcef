/**
 * The media bridge's side of the agent-stream v1 contract: one WebSocket per call to agent-core. It sends
 * `start` (again, with `resume: true`, after each reconnect), caller audio and control events, and surfaces
 * the agent's control events and tts audio, validating everything that arrives (refused messages are counted
 * and dropped, never thrown).
 *
 * Delivery policy. Caller audio is real time: while the link is down, or the socket holds more than
 * `maxBufferedBytes` unsent, a frame is dropped (counted; its seq number is skipped so the agent sees the gap)
 * rather than queued. Control events are never dropped quietly: while not connected they wait in a bounded
 * queue, flushed in order right after `start`; overflowing it fails the link (`gaveUp`). What the kernel had
 * accepted on a connection that then dies is not replayed (the contract has no acknowledgements).
 */
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import {
  AGENT_STREAM_VERSION,
  agentStreamStartSchema,
  bridgeControlEventSchema,
  decodeAudioFrame,
  encodeAudioFrame,
  formatIssues,
  parseAgentMessage,
  replyTag,
  silentLogger,
  type AgentControlEvent,
  type AgentStreamStart,
  type BridgeControlEvent,
  type BridgeMessage,
  type Logger,
} from '@callgate/contracts';
import { resolveOptions, type AgentLinkEvents, type AgentLinkOptions, type AgentLinkState, type AgentLinkStats, type ResolvedAgentLinkOptions } from './types.js';

/** Largest message accepted from the agent; anything bigger closes that connection (ws code 1009). */
const MAX_INBOUND_BYTES = 1024 * 1024;
/** Refused messages are logged for the first few and then every this many (they are always counted). */
const INVALID_LOG_EVERY = 1000;

type Timer = ReturnType<typeof setTimeout>;

/** A call's streaming link to agent-core. */
export class AgentLink extends EventEmitter<AgentLinkEvents> {
  private readonly opts: ResolvedAgentLinkOptions;
  private readonly startMessage: AgentStreamStart;
  private readonly log: Logger;
  private state: AgentLinkState = 'idle';
  private ws: WebSocket | undefined;
  private failReason: string | undefined;
  private everOpened = false;
  private retriesLeft: number;
  private retryIndex = 0;
  private audioSeq = 0;
  private readonly queue: BridgeControlEvent[] = [];
  /** replyTag → replyId for replies announced and not yet ended */
  private readonly replies = new Map<number, string>();
  private connectTimer: Timer | undefined;
  private backoffTimer: Timer | undefined;
  private closeTimer: Timer | undefined;
  private firstOpen: Promise<boolean> | undefined;
  private settleFirstOpen: (opened: boolean) => void = () => {};
  private closed: Promise<void> | undefined;
  private settleClosed: () => void = () => {};
  private readonly counters = { audioFramesSent: 0, audioFramesDropped: 0, controlSent: 0, ttsFramesReceived: 0, invalidMessages: 0, reconnects: 0, connectFailures: 0 };

  /** Throws on an invalid url, start message or option. */
  constructor(private readonly options: AgentLinkOptions) {
    super();
    this.opts = resolveOptions(options);
    this.retriesLeft = this.opts.attempts;
    const protocol = new URL(options.url).protocol;
    if (protocol !== 'ws:' && protocol !== 'wss:') throw new TypeError(`agent link: url must be ws:// or wss://, got ${protocol}`);
    const { resume: _resume, ...init } = options.start;
    const parsed = agentStreamStartSchema.safeParse({ ...init, v: AGENT_STREAM_VERSION, type: 'start' });
    if (!parsed.success) throw new TypeError(`agent link: invalid start message: ${formatIssues(parsed.error).join('; ')}`);
    this.startMessage = parsed.data;
    this.log = (options.logger ?? silentLogger).child({ session_id: parsed.data.sessionId, call_id: parsed.data.callId });
  }

  /** Starts connecting; resolves true once open, false if the link gave up or was closed first. Never rejects. */
  connect(): Promise<boolean> {
    if (!this.firstOpen) {
      this.firstOpen = new Promise((resolve) => (this.settleFirstOpen = resolve));
      if (this.state === 'idle') this.dial();
      else this.settleFirstOpen(false);
    }
    return this.firstOpen;
  }

  /**
   * Sends one frame of caller audio (PCM16 mono 8 kHz; `mediaMs` is the media-clock time of its first sample).
   * Returns false when the frame was dropped (link down or socket backed up). Throws RangeError on a frame
   * the contract cannot carry (empty, over one second, `mediaMs` not a u32 integer).
   */
  sendAudio(pcm: Int16Array, mediaMs: number): boolean {
    const seq = this.audioSeq;
    this.audioSeq = (this.audioSeq + 1) >>> 0;
    const frame = encodeAudioFrame({ kind: 'caller_audio', seq, timeMs: mediaMs, replyTag: 0, pcm });
    const ws = this.ws;
    if (this.state !== 'open' || ws?.readyState !== WebSocket.OPEN || ws.bufferedAmount + frame.length > this.opts.maxBufferedBytes) {
      this.counters.audioFramesDropped++;
      return false;
    }
    ws.send(frame);
    this.counters.audioFramesSent++;
    return true;
  }

  /**
   * Sends a control event now, or queues it until the next connection (after `start`). Returns false only
   * when the link is over (closing, closed or failed). Throws TypeError on an event the contract refuses.
   */
  sendControl(event: BridgeControlEvent): boolean {
    const parsed = bridgeControlEventSchema.safeParse(event);
    if (!parsed.success) throw new TypeError(`agent link: invalid control event: ${formatIssues(parsed.error).join('; ')}`);
    if (this.state === 'closing' || this.state === 'closed' || this.state === 'failed') {
      this.log.warn('agent link: control event after the link ended', { event_type: event.type, state: this.state });
      return false;
    }
    const ws = this.ws;
    if (this.state === 'open' && ws?.readyState === WebSocket.OPEN) {
      this.sendText(ws, { v: AGENT_STREAM_VERSION, type: 'control_event', event: parsed.data });
      return true;
    }
    if (this.queue.length >= this.opts.maxQueuedControl) {
      this.fail(`control queue overflow (${this.queue.length} events waiting)`);
      return false;
    }
    this.queue.push(parsed.data);
    return true;
  }

  /** Sends `end` (when connected), closes and stops reconnecting. Idempotent; resolves once the socket is gone. */
  close(reason = 'normal'): Promise<void> {
    if (this.closed) return this.closed;
    this.closed = new Promise((resolve) => (this.settleClosed = resolve));
    this.clearTimer('connectTimer');
    this.clearTimer('backoffTimer');
    this.settleFirstOpen(false);
    if (this.state === 'failed') return this.finishClose();
    if (this.queue.length) this.log.warn('agent link: closed with undelivered control events', { queued: this.queue.length });
    const ws = this.ws;
    if (!ws) return this.finishClose();
    const wasOpen = this.state === 'open' && ws.readyState === WebSocket.OPEN;
    this.state = 'closing';
    if (wasOpen) {
      this.sendText(ws, { v: AGENT_STREAM_VERSION, type: 'control_event', event: { type: 'end', reason } });
      ws.close(1000, 'end');
      this.closeTimer = setTimeout(() => ws.terminate(), this.opts.connectTimeoutMs);
    } else {
      ws.terminate();
    }
    return this.closed;
  }

  get currentState(): AgentLinkState {
    return this.state;
  }

  stats(): AgentLinkStats {
    return { ...this.counters, state: this.state, controlQueued: this.queue.length };
  }

  private dial(): void {
    this.state = 'connecting';
    this.failReason = undefined;
    const ws = new WebSocket(this.options.url, { perMessageDeflate: false, maxPayload: MAX_INBOUND_BYTES });
    this.ws = ws;
    this.connectTimer = setTimeout(() => {
      this.connectTimer = undefined;
      this.failReason ??= `no open within ${this.opts.connectTimeoutMs} ms`;
      ws.terminate();
    }, this.opts.connectTimeoutMs);
    ws.on('open', () => this.onOpen(ws));
    ws.on('message', (data, isBinary) => this.onMessage(ws, data, isBinary));
    ws.on('error', (err) => {
      if (ws === this.ws) this.failReason ??= err.message;
    });
    ws.on('close', (code) => this.onClose(ws, code));
  }

  private onOpen(ws: WebSocket): void {
    if (ws !== this.ws || this.state !== 'connecting') return;
    this.clearTimer('connectTimer');
    const resumed = this.everOpened;
    this.everOpened = true;
    if (resumed) this.counters.reconnects++;
    this.retriesLeft = this.opts.attempts;
    this.retryIndex = 0;
    this.state = 'open';
    this.sendText(ws, resumed ? { ...this.startMessage, resume: true } : this.startMessage);
    for (const event of this.queue.splice(0)) this.sendText(ws, { v: AGENT_STREAM_VERSION, type: 'control_event', event });
    this.log.info('agent link: open', { resumed });
    this.fire('open', { resumed });
    this.settleFirstOpen(true);
  }

  private onClose(ws: WebSocket, code: number): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    this.clearTimer('connectTimer');
    if (this.state === 'closing') return void this.finishClose();
    const wasOpen = this.state === 'open';
    const reason = wasOpen ? `connection lost (code ${code}${this.failReason ? `: ${this.failReason}` : ''})` : `connect failed: ${this.failReason ?? `code ${code}`}`;
    if (!wasOpen) this.counters.connectFailures++;
    this.state = 'backoff';
    this.log.warn('agent link: down', { reason, retries_left: this.retriesLeft });
    this.fire('down', reason);
    if (this.state !== 'backoff') return; // closed or failed by a listener
    if (wasOpen && code === 1000) return this.fail('the agent closed the stream');
    if (this.retriesLeft <= 0) return this.fail(`gave up after ${this.opts.attempts} retries: ${reason}`);
    this.retriesLeft--;
    const full = this.opts.backoffMs * 2 ** this.retryIndex++;
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      this.dial();
    }, full / 2 + (Math.random() * full) / 2);
  }

  private onMessage(ws: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
    if (ws !== this.ws || this.state !== 'open') return;
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (isBinary) {
      const frame = decodeAudioFrame(buf, 'tts_audio');
      if (!frame.ok) return this.invalid(frame.reason);
      const replyId = this.replies.get(frame.value.replyTag);
      if (replyId === undefined) return this.invalid(`replyTag: ${frame.value.replyTag} is not an announced reply`);
      this.counters.ttsFramesReceived++;
      return this.fire('ttsAudio', replyId, frame.value.seq, frame.value.pcm, frame.value.timeMs);
    }
    const msg = parseAgentMessage(buf.toString('utf8'));
    if (!msg.ok) return this.invalid(msg.reason);
    const m = msg.value;
    if (m.type === 'control_event') {
      this.trackReplies(m.event);
      this.fire('control', m.event);
    } else if (m.type === 'error') {
      this.log.warn('agent link: agent reported an error', { code: m.code });
      this.fire('agentError', m.code, m.message);
    } else if (m.type === 'ping') {
      this.sendText(ws, { v: AGENT_STREAM_VERSION, type: 'pong', ...(m.id === undefined ? {} : { id: m.id }) });
    }
  }

  private trackReplies(event: AgentControlEvent): void {
    if (event.type === 'reply_start') this.replies.set(replyTag(event.replyId), event.replyId);
    else if (event.type === 'reply_end') this.replies.delete(replyTag(event.replyId));
    else if (event.type === 'clear' && event.replyId !== undefined) this.replies.delete(replyTag(event.replyId));
    else if (event.type === 'clear') this.replies.clear();
  }

  private invalid(reason: string): void {
    const n = ++this.counters.invalidMessages;
    if (n <= 5 || n % INVALID_LOG_EVERY === 0) this.log.warn('agent link: message from the agent refused', { reason, invalid_total: n });
    this.fire('invalid', reason);
  }

  private sendText(ws: WebSocket, message: BridgeMessage): void {
    ws.send(JSON.stringify(message));
    if (message.type === 'control_event') this.counters.controlSent++;
  }

  private fail(reason: string): void {
    this.state = 'failed';
    this.clearTimer('connectTimer');
    this.clearTimer('backoffTimer');
    const ws = this.ws;
    this.ws = undefined;
    ws?.terminate();
    this.log.error('agent link: gave up', { reason, queued: this.queue.length });
    this.fire('gaveUp', reason);
    this.settleFirstOpen(false);
  }

  private finishClose(): Promise<void> {
    this.clearTimer('closeTimer');
    if (this.state !== 'failed') this.state = 'closed';
    this.settleClosed();
    return this.closed ?? Promise.resolve();
  }

  private clearTimer(name: 'connectTimer' | 'backoffTimer' | 'closeTimer'): void {
    if (this[name] !== undefined) clearTimeout(this[name]);
    this[name] = undefined;
  }

  /** Emits without letting a listener's exception unwind into the socket's handlers. */
  private fire<K extends keyof AgentLinkEvents>(name: K, ...args: AgentLinkEvents[K]): void {
    try {
      (this.emit as (n: K, ...a: AgentLinkEvents[K]) => boolean)(name, ...args);
    } catch (err) {
      this.log.error('agent link: listener failed', { event: name, err });
    }
  }
}
