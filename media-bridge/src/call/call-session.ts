/**
 * One call's media logic above its RTP endpoint, read top to bottom as the call path:
 *   caller audio (jitter buffer, 20 ms frames in order as they arrive) → VAD stream → echo gate → two endpointers
 *     (the caller's turn, and barge-in with its own minimum) → agent-core over the agent link;
 *   agent audio (tts_audio) → playout → endpoint, one frame per tick; barge-in pauses/flushes the playout.
 * It also owns the degraded paths: agent-core unreachable, dropped or slow → the fallback prompt, then a
 * reconnect or the configured transfer/hang-up. The built-in `demo` agent needs no agent-core: it plays the
 * demo chime and answers each caller turn by saying how long the caller spoke.
 */
import type { CallInfo, AgentCoreConfig, AgentControlEvent, BargeInConfig, BridgeControlEvent, Logger, MediaEvent, VadConfig } from '@callgate/contracts';
import { dbfs } from '../audio/level.js';
import type { PlayedItem, Playout, PlayFrame } from '../playout/playout.js';
import { demoPromptPcm } from '../prompt/demo-prompt.js';
import { synthesize } from '../prompt/flite.js';
import type { Endpointer, EndpointEvent } from '../vad/endpointer.js';
import type { VadEngine } from '../vad/vad-engine.js';
import type { VadStream } from '../vad/vad-stream.js';
import { BargeInController, type BargeIn, type FalseInterruption } from './barge-in.js';
import { EchoGate } from './echo-gate.js';
import type { CallMetrics } from './call-metrics.js';

/** The agent-core side as the session sees it (implemented over AgentLink; a fake in unit tests). */
export interface AgentChannel {
  sendAudio(pcm: Int16Array, mediaMs: number): void;
  sendControl(event: BridgeControlEvent): void;
  close(reason: string): void;
}

/** What the session hears from its agent channel. */
export interface AgentChannelEvents {
  open(): void;
  audio(replyId: string, pcm: Int16Array): void;
  control(event: AgentControlEvent): void;
  down(reason: string): void;
  gaveUp(reason: string): void;
}

export interface CallSessionOptions {
  endpointId: string;
  sessionId: string;
  agent: string;
  playout: Playout;
  /** the shared VAD engine; the session opens its own stream on it */
  vad?: VadEngine;
  endpointers?: { turn: Endpointer; bargeIn: Endpointer };
  config: { vad: VadConfig; bargeIn: BargeInConfig; agentCore: AgentCoreConfig };
  emit: (event: MediaEvent) => void;
  logger: Logger;
  metrics?: CallMetrics;
  /** opens the channel to agent-core; absent for the built-in demo agent */
  connectAgent?: (call: CallInfo, events: AgentChannelEvents) => AgentChannel;
}

const FALLBACK_PROMPT_ID = 'fallback';

/** The media-side brain of one call. The endpoint calls `inbound` and `outbound` on every tick. */
export class CallSession {
  private readonly log: Logger;
  private readonly echo: EchoGate;
  private readonly bargeIn: BargeInController;
  private channel: AgentChannel | undefined;
  private agentUp = false;
  private agentGone = false;
  private failureAction: 'pending' | 'done' | undefined;
  /** the fallback prompt: being synthesised, queued/playing, or neither */
  private fallback: 'idle' | 'preparing' | 'playing' = 'idle';
  private mediaMs = 0;
  private closed = false;
  /** the caller's turn ended at this media ms and no agent audio has come since (reply timeout) */
  private awaitingReplySince: number | undefined;
  private slowNotified = false;
  private lastInboundDbfs = -Infinity;
  /** media ms at the end of the latest inbound frame at or above the VAD's energy gate */
  private lastLoudMs = -Infinity;
  private playing = false;
  private started = false;
  private readonly vad: VadStream | undefined;

  constructor(private readonly opts: CallSessionOptions) {
    this.log = opts.logger;
    this.echo = new EchoGate(opts.config.bargeIn.echoMarginDb);
    this.bargeIn = new BargeInController(opts.playout, opts.config.bargeIn, {
      onPause: () => opts.metrics?.bargeInPauses.inc(),
      onBargeIn: (b) => this.onBargeIn(b),
      onFalseInterruption: (f) => this.onFalseInterruption(f),
    });
    this.vad = opts.vad?.createStream(opts.endpointId, (p, endMs) => this.onProbability(p, endMs));
  }

  /** The call is confirmed (ACK): start the agent. Idempotent. */
  start(call: CallInfo = {}): void {
    if (this.started || this.closed) return;
    this.started = true;
    if (!this.opts.connectAgent) {
      this.opts.playout.enqueuePrompt('demo', demoPromptPcm(), true);
      return;
    }
    this.channel = this.opts.connectAgent(call, {
      open: () => this.onAgentOpen(),
      audio: (replyId, pcm) => this.onAgentAudio(replyId, pcm),
      control: (event) => this.onAgentControl(event),
      down: (reason) => this.onAgentDown(reason),
      gaveUp: (reason) => this.onAgentGaveUp(reason),
    });
  }

  /** One 20 ms frame of the caller out of the jitter buffer (as it arrives), starting at media time `mediaMs`. */
  inbound(pcm: Int16Array, mediaMs: number): void {
    if (this.closed) return;
    this.mediaMs = mediaMs;
    this.lastInboundDbfs = dbfs(pcm);
    this.vad?.push(pcm, mediaMs + 20);
    if (this.agentUp) this.channel?.sendAudio(pcm, mediaMs);
    this.endIfQuiet(mediaMs + 20);
    this.checkReplyTimeout();
  }

  /**
   * Endpointing between VAD windows: audio below the energy gate scores 0 without inference, so once such quiet
   * audio has filled the hang-over the caller's turn ends on this frame, not a window and a batch later.
   */
  private endIfQuiet(untilMs: number): void {
    const gate = this.opts.config.vad.gateDbfs;
    if (gate === null || !this.vad || !this.opts.endpointers) return;
    if (this.lastInboundDbfs >= gate) this.lastLoudMs = untilMs;
    for (const e of this.opts.endpointers.turn.quietThrough(untilMs, this.lastLoudMs)) this.onTurnEndpoint(e);
  }

  /** Tick, outbound half: the frame the endpoint sent (undefined when it sent silence or nothing). */
  outbound(frame: PlayFrame | undefined, mediaMs: number): void {
    this.echo.sent(frame ? dbfs(frame.pcm) : -Infinity);
    if (frame?.first) {
      this.bargeIn.itemStarted(frame.itemId, mediaMs);
      if (frame.kind === 'reply') this.sendControl({ type: 'playback_start', replyId: frame.itemId, atMs: mediaMs });
    }
    const playing = this.opts.playout.active && !this.opts.playout.paused;
    if (playing !== this.playing) {
      this.playing = playing;
      const boost = playing ? this.opts.config.bargeIn.echoThresholdBoost : 0;
      this.opts.endpointers?.bargeIn.setThresholdBoost(boost);
      this.opts.endpointers?.turn.setThresholdBoost(boost);
    }
  }

  /** An item finished playing (called by the endpoint's playout). */
  itemDone(item: PlayedItem): void {
    if (item.kind === 'reply') this.sendControl({ type: 'playback_done', replyId: item.id, playedMs: item.playedMs });
    if (item.id === FALLBACK_PROMPT_ID) this.fallbackOver();
  }

  /** A digit from RTP or SIP INFO. */
  /** The call's latest quality estimate: passed on to the agent (its live events and post-call analytics). */
  quality(q: { mos: number; jitterMs: number; lossPct: number; packetsReceived: number; packetsLost: number }): void {
    const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
    this.sendControl({
      type: 'quality',
      mos: Math.min(5, Math.max(1, round(q.mos, 2))),
      jitterMs: round(Math.max(0, q.jitterMs), 1),
      lossPct: round(Math.min(100, Math.max(0, q.lossPct)), 2),
      packetsReceived: Math.max(0, Math.round(q.packetsReceived)),
      packetsLost: Math.max(0, Math.round(q.packetsLost)),
    });
  }

  dtmf(digit: string, durationMs: number, source: 'rfc4733' | 'sip-info'): void {
    this.bargeIn.dtmf(this.mediaMs);
    this.sendControl({ type: 'dtmf', digit, durationMs, source });
  }

  /** The call ended: tell agent-core and stop. Idempotent. */
  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.vad?.close();
    this.channel?.close(reason); // the link sends agent-core the `end` event (with the reason) before it closes
  }

  private onProbability(p: number, windowEndMs: number): void {
    if (this.closed || !this.opts.endpointers) return;
    const { turn, bargeIn } = this.opts.endpointers;
    // echo: while we play, a window far quieter than our own recent output is not the caller
    const heard = this.playing && this.echo.isEcho(this.lastInboundDbfs) ? 0 : p;
    for (const e of bargeIn.feed(heard, windowEndMs)) this.onBargeInEndpoint(e);
    for (const e of turn.feed(heard, windowEndMs)) this.onTurnEndpoint(e);
  }

  private onBargeInEndpoint(e: EndpointEvent): void {
    if (e.type === 'speech_onset') this.bargeIn.speechOnset(e.onsetMs, e.decidedMs);
    else if (e.type === 'speech_start') this.bargeIn.speechConfirmed(e.onsetMs, e.decidedMs);
    else if (e.type === 'speech_abandoned' || e.type === 'speech_end') this.bargeIn.speechAbandoned(e.decidedMs);
  }

  private onTurnEndpoint(e: EndpointEvent): void {
    if (e.type === 'speech_start') {
      this.awaitingReplySince = undefined;
      this.log.info('media: caller speech start', { onset_ms: e.onsetMs, decided_ms: e.decidedMs });
      this.opts.metrics?.speechSegments.inc();
      this.emit({ v: 1, type: 'speech_start', endpointId: this.opts.endpointId, atMs: e.onsetMs, decidedMs: e.decidedMs });
      this.sendControl({ type: 'speech_start', atMs: e.onsetMs });
    } else if (e.type === 'speech_end') {
      const endMs = e.lastSpeechMs ?? e.decidedMs;
      const speechMs = Math.max(0, endMs - e.onsetMs);
      this.log.info('media: caller speech end', { onset_ms: e.onsetMs, end_ms: endMs, decided_ms: e.decidedMs, speech_ms: speechMs });
      this.emit({ v: 1, type: 'speech_end', endpointId: this.opts.endpointId, atMs: endMs, decidedMs: e.decidedMs, speechMs });
      this.sendControl({ type: 'speech_end', atMs: endMs, speechMs });
      this.awaitingReplySince = e.decidedMs;
      this.slowNotified = false;
      if (!this.opts.connectAgent) void this.demoAnswer(speechMs);
    }
  }

  private onBargeIn(b: BargeIn): void {
    this.opts.metrics?.bargeIns.inc({ cause: b.cause });
    this.opts.metrics?.bargeInDecisionMs.observe(Math.max(0, b.atMs - b.onsetMs));
    this.log.info('media: barge-in', { item: b.itemId, heard_ms: b.heardMs, onset_ms: b.onsetMs, decided_ms: b.atMs, cause: b.cause });
    this.emit({ v: 1, type: 'barge_in', endpointId: this.opts.endpointId, itemId: b.itemId, heardMs: b.heardMs, atMs: b.atMs, cause: b.cause });
    if (b.kind === 'reply') this.sendControl({ type: 'barge_in', atMs: b.onsetMs, replyId: b.itemId, heardMs: b.heardMs });
    if (b.itemId === FALLBACK_PROMPT_ID) this.fallbackOver();
  }

  private onFalseInterruption(f: FalseInterruption): void {
    this.opts.metrics?.falseInterruptions.inc({ action: f.action });
    this.log.info('media: false interruption', { item: f.itemId, action: f.action, onset_ms: f.onsetMs, decided_ms: f.atMs });
  }

  private onAgentOpen(): void {
    const wasDown = this.agentGone;
    this.agentUp = true;
    this.agentGone = false;
    this.log.info(wasDown ? 'media: agent-core link restored' : 'media: agent-core link open', { agent: this.opts.agent });
  }

  private onAgentAudio(replyId: string, pcm: Int16Array): void {
    this.awaitingReplySince = undefined;
    if (!this.opts.playout.appendReply(replyId, pcm)) this.opts.metrics?.ttsFramesRefused.inc();
  }

  private onAgentControl(event: AgentControlEvent): void {
    const id = this.opts.endpointId;
    switch (event.type) {
      case 'reply_start':
        this.awaitingReplySince = undefined;
        this.opts.playout.appendReply(event.replyId, new Int16Array(0));
        break;
      case 'reply_end':
        this.opts.playout.endReply(event.replyId);
        break;
      case 'clear':
        if (event.replyId) this.opts.playout.drop(event.replyId);
        else this.opts.playout.flush();
        break;
      case 'transfer':
        this.emit({ v: 1, type: 'transfer_request', endpointId: id, ...(event.target ? { target: event.target } : {}) });
        break;
      case 'hangup':
        this.emit({ v: 1, type: 'hangup_request', endpointId: id, reason: event.reason });
        break;
      case 'play_prompt':
        if (event.promptId === 'demo') this.opts.playout.enqueuePrompt('demo', demoPromptPcm());
        else this.log.warn('media: agent asked for an unknown prompt', { prompt_id: event.promptId });
        break;
    }
  }

  private onAgentDown(reason: string): void {
    if (this.closed) return;
    this.agentUp = false;
    if (this.agentGone) return;
    this.agentGone = true;
    this.opts.metrics?.agentFailures.inc({ kind: 'down' });
    this.log.warn('media: agent-core link down; the caller hears the fallback prompt', { reason });
    this.opts.playout.flush();
    void this.playFallback();
  }

  private onAgentGaveUp(reason: string): void {
    if (this.closed) return;
    this.agentUp = false;
    this.opts.metrics?.agentFailures.inc({ kind: 'gave_up' });
    this.log.error('media: agent-core unreachable, giving up', { reason, on_failure: this.opts.config.agentCore.onFailure });
    this.failureAction = 'pending';
    // a fallback prompt dropped from the playout (flushed by agent-core after a reconnect) will not report its end
    if (this.fallback === 'playing' && !this.opts.playout.holds(FALLBACK_PROMPT_ID)) this.fallback = 'idle';
    if (this.fallback !== 'idle') return; // the transfer/hang-up follows once the caller has heard it
    if (this.agentGone) return this.fail(); // heard it already, during the outage
    this.agentGone = true;
    this.opts.playout.flush();
    void this.playFallback();
  }

  /** the fallback prompt finished, was interrupted, or could not be made */
  private fallbackOver(): void {
    this.fallback = 'idle';
    if (this.failureAction === 'pending') this.fail();
  }

  /** the configured transfer or hang-up, once the fallback prompt has been heard */
  private fail(): void {
    if (this.failureAction === 'done' || this.closed) return;
    this.failureAction = 'done';
    const id = this.opts.endpointId;
    if (this.opts.config.agentCore.onFailure === 'transfer') this.emit({ v: 1, type: 'transfer_request', endpointId: id, reason: 'agent-core unavailable' });
    else this.emit({ v: 1, type: 'hangup_request', endpointId: id, reason: 'agent-core unavailable' });
  }

  private checkReplyTimeout(): void {
    const since = this.awaitingReplySince;
    if (since === undefined || this.slowNotified || !this.agentUp || this.opts.playout.active) return;
    if (this.mediaMs - since < this.opts.config.agentCore.replyTimeoutMs) return;
    this.slowNotified = true;
    this.opts.metrics?.agentFailures.inc({ kind: 'slow' });
    this.log.warn('media: agent-core slow to reply; the caller hears the fallback prompt', { waited_ms: this.mediaMs - since });
    void this.playFallback();
  }

  private async playFallback(): Promise<void> {
    if (this.fallback !== 'idle') return;
    this.fallback = 'preparing';
    try {
      const pcm = await synthesize(this.opts.config.agentCore.fallbackPrompt);
      if (this.closed) return;
      this.opts.metrics?.fallbackPrompts.inc();
      this.fallback = 'playing';
      this.opts.playout.enqueuePrompt(FALLBACK_PROMPT_ID, pcm);
    } catch (err) {
      this.log.error('media: fallback prompt could not be synthesised', { err });
      this.fallbackOver();
    }
  }

  /** the built-in demo agent's answer to a caller turn */
  private async demoAnswer(speechMs: number): Promise<void> {
    const seconds = (Math.round(speechMs / 100) / 10).toFixed(1);
    try {
      const pcm = await synthesize(`You spoke for ${seconds.replace('.', ' point ')} seconds.`);
      if (this.closed) return;
      this.opts.playout.flush();
      this.opts.playout.enqueuePrompt('demo-answer', pcm);
      this.opts.playout.enqueuePrompt('demo', demoPromptPcm(), true);
    } catch (err) {
      this.log.warn('media: demo answer could not be synthesised', { err });
    }
  }

  private sendControl(event: BridgeControlEvent): void {
    if (this.channel && !this.closed) this.channel.sendControl(event);
  }

  private emit(event: MediaEvent): void {
    this.opts.emit(event);
  }
}
