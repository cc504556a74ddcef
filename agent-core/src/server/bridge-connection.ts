/**
 * agent-core's side of one media-bridge WebSocket (agent-stream v1): validates everything that arrives (the
 * first message must be `start`), hands caller audio and control events to the session, and sends the
 * session's control events and reply audio (tts_audio frames, numbered per reply) back. A connection that
 * breaks the contract gets an `error` message and is closed; one bad frame does not end the call.
 */
import type { WebSocket, RawData } from 'ws';
import { decodeAudioFrame, encodeAudioFrame, parseBridgeMessage, replyTag, type AgentControlEvent, type AgentMessage, type AgentStreamStart, type BridgeControlEvent, type Logger } from '@callgate/contracts';
import type { BridgeOut } from '../session/call-session.js';

export interface BridgeConnectionHandlers {
  start(start: AgentStreamStart, conn: BridgeConnection): void;
  audio(pcm: Int16Array, mediaMs: number): void;
  control(event: BridgeControlEvent): void;
  closed(conn: BridgeConnection, code: number): void;
}

/** the bridge must say who it is this soon after connecting */
const START_TIMEOUT_MS = 5000;
const INVALID_LOG_EVERY = 500;

export class BridgeConnection implements BridgeOut {
  private started = false;
  private invalid = 0;
  private readonly replies = new Map<string, { seq: number; samples: number }>();
  private readonly startTimer: NodeJS.Timeout;

  constructor(
    private readonly ws: WebSocket,
    private readonly handlers: BridgeConnectionHandlers,
    private readonly log: Logger,
  ) {
    this.startTimer = setTimeout(() => this.refuse('start_timeout', 'no start message'), START_TIMEOUT_MS);
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', (code) => {
      clearTimeout(this.startTimer);
      handlers.closed(this, code);
    });
    ws.on('error', (err) => this.log.warn('agent: bridge socket error', { err }));
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  sendControl(event: AgentControlEvent): void {
    if (event.type === 'clear' && event.replyId) this.replies.delete(event.replyId);
    if (event.type === 'reply_end') this.replies.delete(event.replyId);
    this.sendJson({ v: 1, type: 'control_event', event });
  }

  sendAudio(replyId: string, pcm: Int16Array): void {
    if (!this.open || pcm.length === 0) return;
    let r = this.replies.get(replyId);
    if (!r) this.replies.set(replyId, (r = { seq: 0, samples: 0 }));
    this.ws.send(encodeAudioFrame({ kind: 'tts_audio', seq: r.seq++, timeMs: Math.round(r.samples / 8), replyTag: replyTag(replyId), pcm }));
    r.samples += pcm.length;
  }

  close(code = 1000, reason = ''): void {
    this.ws.close(code, reason);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (isBinary) {
      if (!this.started) return this.refuse('protocol', 'audio before start');
      const frame = decodeAudioFrame(bytes, 'caller_audio');
      if (!frame.ok) return this.countInvalid(frame.reason);
      this.handlers.audio(frame.value.pcm, frame.value.timeMs);
      return;
    }
    const parsed = parseBridgeMessage(bytes.toString('utf8'));
    if (!parsed.ok) {
      if (!this.started) return this.refuse('invalid_message', parsed.reason);
      return this.countInvalid(parsed.reason);
    }
    const msg = parsed.value;
    if (msg.type === 'start') {
      if (this.started) return this.countInvalid('a second start message');
      this.started = true;
      clearTimeout(this.startTimer);
      this.handlers.start(msg, this);
    } else if (!this.started) this.refuse('protocol', `${msg.type} before start`);
    else if (msg.type === 'control_event') this.handlers.control(msg.event);
    else if (msg.type === 'ping') this.sendJson({ v: 1, type: 'pong', ...(msg.id !== undefined ? { id: msg.id } : {}) });
  }

  /** tells the bridge why and closes (policy violation) */
  refuse(code: string, message: string): void {
    this.log.warn('agent: bridge connection refused', { code, reason: message });
    this.sendJson({ v: 1, type: 'error', code, message: message.slice(0, 1000) });
    this.ws.close(1008, code);
  }

  private countInvalid(reason: string): void {
    this.invalid += 1;
    if (this.invalid <= 5 || this.invalid % INVALID_LOG_EVERY === 0) this.log.warn('agent: invalid message from the bridge dropped', { reason, count: this.invalid });
  }

  private sendJson(msg: AgentMessage): void {
    if (this.open) this.ws.send(JSON.stringify(msg));
  }
}
