/**
 * One call's agent session: the single writer of the call's dialogue state. Read top to bottom as the call:
 *   start → greeting (a reply with no caller turn yet);
 *   caller audio → speech-to-text; bridge speech_end + STT final → a caller turn (TurnAssembler) → a reply
 *   (ReplyRun: dialogue → chunker → TTS → bridge); the reply may start early on the last partial (held until
 *   the final agrees);
 *   bridge barge_in → the reply is interrupted and the history keeps only what the caller heard;
 *   bridge playback_start/playback_done → first-RTP-out timestamp, then a pending transfer/hang-up;
 *   bridge end → everything stops.
 * Transcripts are redacted before they leave (live events); logs carry ids and numbers, never text.
 */
import { maskCaller, type AgentControlEvent, type AgentStreamStart, type BridgeControlEvent, type Logger, type TurnTiming } from '@callgate/contracts';
import type { DialogueMessage, DialogueModel, DialogueState, SpeechToText, SttHints, SttStream, TextToSpeech } from '../providers/ports.js';
import { LiveStamper, type LiveSink } from './live-publisher.js';
import type { ConversationRecorder, RecordedTool } from './recorder.js';
import { HeldSink, type ReplySink } from './reply-sink.js';
import { ReplyRun, type ReplyResult } from './reply-run.js';
import { StaticDialogue } from './static-dialogue.js';
import type { ToolExecutor } from './tool-executor.js';
import { TurnAssembler, type CallerTurn } from './turn-assembler.js';
import { MediaClock, TurnTimeline } from './turn-timeline.js';

/** What an agent says and does on its own behalf; from the agent's config. */
export interface SessionPolicy {
  /** the first message of every conversation (for chat models) */
  systemPrompt?: string;
  voice?: string;
  hints: SttHints;
  /** spoken when the first audio of a reply is this late (pre-synthesised `pcm`) */
  filler?: { afterMs: number; text: string; pcm: Int16Array };
  /** after a turn in which nothing was recognised */
  repromptText: string;
  /** that many empty turns in a row: say `giveUpText` and transfer */
  maxEmptyTurns: number;
  giveUpText: string;
  /** when the dialogue model or TTS fails */
  apologyText: string;
  /** turns shorter than this with nothing recognised are ignored (coughs, clicks) */
  ignoreEmptyBelowMs: number;
  /** start the reply on the last partial at speech end (kept only if the final agrees) */
  speculate: boolean;
}

/** The bridge side of the link as the session uses it. */
export interface BridgeOut {
  sendControl(event: AgentControlEvent): void;
  sendAudio(replyId: string, pcm: Int16Array): void;
}

/** Stage latencies of a finished turn, in ms after the caller's speech ended (metrics, live events). */
export type TurnReport = TurnTiming;

export interface CallSessionOptions {
  start: AgentStreamStart;
  stt: SpeechToText;
  dialogue: DialogueModel;
  tts: TextToSpeech;
  tools: ToolExecutor;
  bridge: BridgeOut;
  live: LiveSink;
  redact: (text: string) => string;
  /** redaction of partial transcripts (a value half said is masked too); default `redact` */
  redactPartial?: (text: string) => string;
  policy: SessionPolicy;
  log: Logger;
  onTurnReport?: (report: TurnReport) => void;
  /** the conversation store's side (turns as they finish, already redacted) */
  recorder?: ConversationRecorder;
  /** the session ended (its resources are released) */
  onClosed?: (reason: string) => void;
}

interface ActiveReply {
  run: ReplyRun;
  replyId: string;
  turnId: string;
  timeline: TurnTimeline;
  done: Promise<void>;
  /** where its messages sit in the history once applied (a later barge-in rewrites them) */
  applied?: { start: number; count: number };
  /** the caller turn it answers (none for the greeting) */
  caller?: { text: string; dtmf?: string; speechMs?: number };
  tools: RecordedTool[];
  startedAt: number;
}

export class CallSession {
  readonly sessionId: string;
  private readonly log: Logger;
  private readonly live: LiveStamper;
  private readonly clock = new MediaClock();
  private readonly assembler: TurnAssembler;
  private readonly abort = new AbortController();
  private stt: SttStream | undefined;
  private messages: DialogueMessage[] = [];
  private state: DialogueState = {};
  private turnSeq = 0;
  private replySeq = 0;
  private reply: ActiveReply | undefined;
  private speculative: { text: string; run: ReplyRun; sink: HeldSink; decide: (keep: boolean) => void; reply: ActiveReply } | undefined;
  /** reply id → action to perform when its audio has played */
  private readonly pendingActions = new Map<string, NonNullable<ReplyResult['action']>>();
  /** replies not yet finished playing, by reply id */
  private readonly live_ = new Map<string, ActiveReply>();
  /** the caller's current utterance: onset and first partial (local clock), copied into the turn's timeline */
  private utterance: { speechStart?: number; firstPartial?: number } = {};
  private emptyTurns = 0;
  private recordedTurns = 0;
  private outcome: 'completed' | 'transferred' | undefined;
  private failures = 0;
  private closed = false;
  private resolveClosed!: (reason: string) => void;
  /** resolves with the reason once the session has ended */
  readonly whenClosed = new Promise<string>((r) => (this.resolveClosed = r));
  /** applies reply results in order: the single writer's queue */
  private writer: Promise<void> = Promise.resolve();

  constructor(private readonly o: CallSessionOptions) {
    this.sessionId = o.start.sessionId;
    this.log = o.log.child({ session_id: this.sessionId, call_id: o.start.callId, agent: o.start.agent });
    this.live = new LiveStamper(this.sessionId, o.live);
    if (o.policy.systemPrompt) this.messages.push({ role: 'system', content: o.policy.systemPrompt });
    this.assembler = new TurnAssembler({
      onTurn: (t) => this.onCallerTurn(t),
      onEarly: (text) => this.onEarly(text),
      flush: () => this.stt?.flush(),
    });
  }

  /** Opens speech-to-text and greets the caller. */
  async begin(): Promise<void> {
    const { start } = this.o;
    this.live.publish({ type: 'call_started', agent: start.agent, callId: start.callId, ...(start.from ? { from: maskNumber(start.from) } : {}), ...(start.to ? { to: start.to } : {}) });
    this.log.info('agent: session started');
    this.safely(() => this.o.recorder?.started({ sessionId: this.sessionId, callId: start.callId, agent: start.agent, ...(start.from ? { from: start.from } : {}), ...(start.to ? { to: start.to } : {}), at: Date.now() }));
    const greeting = this.startReply(undefined, this.o.dialogue);
    try {
      this.stt = await this.o.stt.start({ sessionId: this.sessionId, hints: this.o.policy.hints }, this.abort.signal);
      this.stt.onEvent((e) => {
        if (e.type === 'partial') {
          this.utterance.firstPartial ??= performance.now();
          this.assembler.partialText(e.text);
          this.publishTranscript(`t${this.turnSeq + 1}`, 'caller', e.text, false);
        } else if (e.type === 'final') this.assembler.final(e.text);
        else this.log.error('agent: speech-to-text failed', { err: e.error });
      });
    } catch (err) {
      if (!this.closed) this.log.error('agent: speech-to-text could not start', { err });
    }
    await greeting;
  }

  /** Caller audio from the bridge (media-clock ms of its first sample). */
  callerAudio(pcm: Int16Array, mediaMs: number): void {
    if (this.closed) return;
    // a frame can leave the bridge only once its last sample exists: map its end, not its start
    this.clock.observe(mediaMs + pcm.length / 8);
    this.stt?.push(pcm);
  }

  /** A control event from the bridge. */
  control(e: BridgeControlEvent): void {
    if (this.closed) return;
    switch (e.type) {
      case 'speech_start':
        this.utterance = { speechStart: this.clock.toLocal(e.atMs) };
        this.assembler.speechStart();
        break;
      case 'speech_end':
        this.assembler.speechEnded(e.atMs, e.speechMs);
        break;
      case 'dtmf':
        this.assembler.dtmf(e.digit);
        break;
      case 'barge_in':
        this.onBargeIn(e.replyId, e.heardMs, e.atMs);
        break;
      case 'playback_start':
        this.live_.get(e.replyId)?.timeline.mark('firstRtpOut', this.clock.toLocal(e.atMs));
        break;
      case 'playback_done':
        this.replyPlayed(e.replyId);
        break;
      case 'quality':
        this.live.publish({ type: 'quality', mos: e.mos, jitterMs: e.jitterMs, lossPct: e.lossPct });
        this.safely(() => this.o.recorder?.quality?.(this.sessionId, { at: Date.now(), mos: e.mos, jitterMs: e.jitterMs, lossPct: e.lossPct }));
        break;
      case 'end':
        this.close(e.reason);
        break;
    }
  }

  /** Ends the session: every stage stops. Idempotent. */
  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    this.speculative?.run.cancel();
    this.reply?.run.cancel();
    this.assembler.dispose();
    void this.stt?.close().catch(() => {});
    for (const id of [...this.live_.keys()]) this.finishTimeline(id);
    this.live.publish({ type: 'call_ended', reason: reason.slice(0, 200), turns: this.turnSeq });
    this.safely(() => this.o.recorder?.ended(this.sessionId, { at: Date.now(), outcome: this.outcome ?? (this.failures > 0 ? 'failed' : 'caller_hung_up'), reason: reason.slice(0, 200) }));
    this.log.info('agent: session ended', { reason, turns: this.turnSeq });
    this.o.onClosed?.(reason);
    this.resolveClosed(reason);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private onCallerTurn(turn: CallerTurn): void {
    if (this.closed) return;
    const text = turn.text;
    if (!text && !turn.dtmf) {
      this.discardSpeculation();
      if ((turn.speechMs ?? 0) < this.o.policy.ignoreEmptyBelowMs) return;
      this.emptyTurns += 1;
      this.log.info('agent: nothing recognised', { empty_turns: this.emptyTurns, speech_ms: turn.speechMs });
      const giveUp = this.emptyTurns >= this.o.policy.maxEmptyTurns;
      const say = giveUp ? new StaticDialogue(this.o.policy.giveUpText, 'transfer_call') : new StaticDialogue(this.o.policy.repromptText);
      void this.startReply(turn, say, { keepOutOfHistory: true });
      return;
    }
    this.emptyTurns = 0;
    const spec = this.speculative;
    this.speculative = undefined;
    if (spec && !turn.dtmf && normalize(spec.text) === normalize(text)) {
      // the early start guessed right: its audio goes out now
      this.turnSeq += 1;
      this.adoptTurn(turn, spec.reply.turnId);
      spec.reply.caller = { text: turn.text, ...(turn.speechMs !== undefined ? { speechMs: turn.speechMs } : {}) };
      this.markUtterance(spec.reply.timeline);
      spec.reply.timeline.mark('speechEnd', turn.speechEndMs !== undefined ? this.clock.toLocal(turn.speechEndMs) : undefined);
      spec.reply.timeline.mark('sttFinal', turn.sttFinalAt);
      spec.decide(true);
      spec.sink.release();
      return;
    }
    if (spec) this.cancelSpeculation(spec);
    void this.startReply(turn, this.o.dialogue);
  }

  /** speech ended with a hypothesis in hand: start the reply now, hold its audio until the final agrees */
  private onEarly(text: string): void {
    if (!this.o.policy.speculate || this.closed || this.speculative) return;
    const sink = new HeldSink(this.sinkFor());
    let decide!: (keep: boolean) => void;
    const decided = new Promise<boolean>((r) => (decide = r));
    const turnId = `t${this.turnSeq + 1}`;
    const history = [...this.messages, { role: 'user' as const, content: text }];
    const reply = this.launch(turnId, this.o.dialogue, history, sink, decided, false);
    this.speculative = { text, run: reply.run, sink, decide, reply };
  }

  private discardSpeculation(): void {
    const spec = this.speculative;
    this.speculative = undefined;
    if (spec) this.cancelSpeculation(spec);
  }

  private cancelSpeculation(spec: NonNullable<CallSession['speculative']>): void {
    spec.decide(false);
    spec.sink.discard();
    spec.run.cancel();
  }

  private markUtterance(timeline: TurnTimeline): void {
    const { speechStart, firstPartial } = this.utterance;
    if (speechStart !== undefined) timeline.mark('speechStart', speechStart);
    if (firstPartial !== undefined) timeline.mark('firstPartial', firstPartial);
    this.utterance = {};
  }

  /** records the caller's turn in the history and live transcript */
  private adoptTurn(turn: CallerTurn, turnId: string): void {
    const user: DialogueMessage = { role: 'user', content: turn.text, ...(turn.dtmf ? { dtmf: turn.dtmf } : {}) };
    this.messages.push(user);
    if (turn.text) this.publishTranscript(turnId, 'caller', turn.text, true);
    if (turn.dtmf) this.live.publish({ type: 'transcript', turnId, speaker: 'caller', final: true, text: this.o.redact(`keypad ${turn.dtmf.split('').join(' ')}`), dtmf: true });
  }

  /** a new reply for `turn` (undefined: the greeting) */
  private startReply(turn: CallerTurn | undefined, dialogue: DialogueModel, opts: { keepOutOfHistory?: boolean } = {}): Promise<void> {
    // a reply still running was overtaken by this turn: stop it (what was heard of it stays in the history)
    this.reply?.run.cancel();
    if (turn) this.turnSeq += 1;
    const turnId = `t${this.turnSeq}`;
    if (turn && !opts.keepOutOfHistory) this.adoptTurn(turn, turnId);
    const caller = turn ? { text: turn.text, ...(turn.dtmf ? { dtmf: turn.dtmf } : {}), ...(turn.speechMs !== undefined ? { speechMs: turn.speechMs } : {}) } : undefined;
    const reply = this.launch(turnId, dialogue, [...this.messages], this.sinkFor(), undefined, opts.keepOutOfHistory ?? false, caller);
    if (turn) {
      this.markUtterance(reply.timeline);
      if (turn.speechEndMs !== undefined) reply.timeline.mark('speechEnd', this.clock.toLocal(turn.speechEndMs));
      else reply.timeline.mark('speechEnd');
      reply.timeline.mark('sttFinal', turn.sttFinalAt);
    }
    return reply.done;
  }

  private launch(turnId: string, dialogue: DialogueModel, history: DialogueMessage[], sink: ReplySink, decided: Promise<boolean> | undefined, keepOutOfHistory: boolean, caller?: ActiveReply['caller']): ActiveReply {
    this.replySeq += 1;
    const replyId = `${turnId}-r${this.replySeq}`;
    const timeline = new TurnTimeline();
    let held: string[] | undefined = decided ? [] : undefined;
    void decided?.then((keep) => {
      const words = held ?? [];
      held = undefined;
      if (keep) for (const text of words) this.publishTranscript(turnId, 'agent', text, false);
    });
    const run = new ReplyRun({
      sessionId: this.sessionId,
      agent: this.o.start.agent,
      turnId,
      replyId,
      dialogue,
      tts: this.o.tts,
      ...(this.o.policy.voice ? { voice: this.o.policy.voice } : {}),
      tools: this.o.tools,
      history,
      state: this.state,
      sink,
      timeline,
      ...(this.o.policy.filler ? { filler: this.o.policy.filler } : {}),
      ...(decided ? { beforeTool: () => decided } : {}),
      // a speculative reply's words are shown only once it is adopted (a discarded guess was never said)
      onSpoken: (text) => (held ? held.push(text) : this.publishTranscript(turnId, 'agent', text, false)),
      onTool: (call, status, ms, error, result) => {
        if (status !== 'started') {
          const kept = result === undefined ? {} : { result: redactJson(result, this.o.redact) };
          active.tools.push({ tool: call.name, ok: status === 'ok', ms: Math.round(ms ?? 0), ...(error ? { errorCode: error } : {}), ...kept });
        }
        this.live.publish({ type: 'tool', turnId, tool: call.name, status, ...(ms !== undefined ? { ms: Math.round(ms) } : {}), ...(error ? { error } : {}) });
        this.log.info('agent: tool', { turn_id: turnId, tool: call.name, status, ms: ms === undefined ? undefined : Math.round(ms), error });
      },
    });
    const active: ActiveReply = { run, replyId, turnId, timeline, done: Promise.resolve(), tools: [], startedAt: Date.now(), ...(caller ? { caller } : {}) };
    this.live_.set(replyId, active);
    const result = run.run();
    active.done = this.writer = this.writer.then(async () => {
      // a speculative reply joins the history only once the final transcript agreed with it
      const [r, keep] = await Promise.all([result, decided ?? true]);
      if (keep) this.apply(active, r, keepOutOfHistory);
    });
    if (!decided) this.reply = active;
    else {
      void decided.then((keep) => {
        if (keep && !this.closed) {
          if (this.reply !== active) this.reply?.run.cancel();
          this.reply = active;
        } else this.live_.delete(replyId);
      });
    }
    return active;
  }

  /** the single writer: a reply's messages and state join the call's history */
  private apply(reply: ActiveReply, r: ReplyResult, keepOutOfHistory: boolean): void {
    if (this.closed) return;
    if (!keepOutOfHistory) {
      reply.applied = { start: this.messages.length, count: r.messages.length };
      this.messages.push(...r.messages);
    }
    this.state = r.state;
    if (r.error) {
      this.failures += 1;
      this.log.error('agent: reply failed', { turn_id: reply.turnId, err: r.error, audio_ms: Math.round(r.audioMs) });
      if (!r.interrupted) {
        const giveUp = this.failures >= 2;
        void this.startReply(undefined, new StaticDialogue(this.o.policy.apologyText, giveUp ? 'transfer_call' : undefined), { keepOutOfHistory: true });
      }
      return;
    }
    this.failures = 0;
    if (r.action) {
      if (r.audioMs > 0 && !r.interrupted) this.pendingActions.set(reply.replyId, r.action);
      else this.perform(r.action);
    }
    if (r.audioMs === 0) this.finishTimeline(reply.replyId);
  }

  private onBargeIn(replyId: string, heardMs: number, atMs: number): void {
    const t = this.live_.get(replyId);
    this.log.info('agent: barge-in', { reply_id: replyId, heard_ms: heardMs });
    if (t) {
      t.timeline.mark('bargeIn', this.clock.toLocal(atMs));
      const started = t.timeline.times.firstRtpOut;
      if (started !== undefined) t.timeline.mark('playbackStopped', started + heardMs);
      this.live.publish({ type: 'barge_in', turnId: t.turnId, heardMs });
      t.run.interrupt(heardMs);
      // the reply was already in the history (generation outran playback): keep only what was heard
      if (t.applied) {
        const heard = t.run.finalMessages();
        this.messages.splice(t.applied.start, t.applied.count, ...heard);
        t.applied.count = heard.length;
      }
      const text = heard(t.run.finalMessages());
      this.live.publish({ type: 'transcript', turnId: t.turnId, speaker: 'agent', final: true, interrupted: true, text: this.o.redact(text) });
    }
    this.pendingActions.delete(replyId);
    this.finishTimeline(replyId, true);
  }

  private replyPlayed(replyId: string): void {
    this.finishTimeline(replyId);
    const action = this.pendingActions.get(replyId);
    if (!action) return;
    this.pendingActions.delete(replyId);
    this.perform(action);
  }

  private perform(action: NonNullable<ReplyResult['action']>): void {
    this.log.info('agent: action', { action: action.type });
    this.outcome = action.type === 'transfer' ? 'transferred' : 'completed';
    if (action.type === 'transfer') this.o.bridge.sendControl({ type: 'transfer' });
    else this.o.bridge.sendControl({ type: 'hangup', reason: action.reason ?? 'agent ended the call' });
  }

  /** the reply has played (or was cut): publish its final text (unless cut: that was published) and timings once */
  private finishTimeline(replyId: string, interrupted = false): void {
    const t = this.live_.get(replyId);
    if (!t) return;
    this.live_.delete(replyId);
    const said = heard(t.run.finalMessages());
    if (!interrupted && said) this.live.publish({ type: 'transcript', turnId: t.turnId, speaker: 'agent', final: true, text: this.o.redact(said) });
    this.record(t, said, interrupted);
    const tl = t.timeline;
    if (tl.times.speechEnd === undefined) return; // the greeting and the session's own lines have no caller turn
    const report: TurnReport = {
      turnId: t.turnId,
      sttFirstPartialMs: tl.firstPartialMs(),
      sttFinalMs: tl.sinceSpeechEnd('sttFinal'),
      firstTokenMs: tl.sinceSpeechEnd('firstToken'),
      firstAudioMs: tl.sinceSpeechEnd('firstAudio'),
      firstRtpOutMs: tl.sinceSpeechEnd('firstRtpOut'),
      bargeInMs: tl.sinceSpeechEnd('bargeIn'),
      playbackStoppedMs: tl.sinceSpeechEnd('playbackStopped'),
      filler: tl.times.filler,
    };
    this.live.publish({ type: 'turn_timing', ...report });
    this.log.info('agent: turn', { turn_id: report.turnId, stt_first_partial_ms: report.sttFirstPartialMs, stt_final_ms: report.sttFinalMs, first_token_ms: report.firstTokenMs, first_audio_ms: report.firstAudioMs, first_rtp_out_ms: report.firstRtpOutMs, barge_in_ms: report.bargeInMs, filler: report.filler });
    this.o.onTurnReport?.(report);
  }

  /** the finished turn, redacted, to the conversation store */
  private record(t: ActiveReply, said: string, interrupted: boolean): void {
    if (!this.o.recorder) return;
    const timings: Record<string, number> = {};
    for (const stage of ['sttFinal', 'firstToken', 'firstAudio', 'firstRtpOut', 'bargeIn', 'playbackStopped'] as const) {
      const v = t.timeline.sinceSpeechEnd(stage);
      if (v !== null) timings[`${stage}Ms`] = v;
    }
    const partial = t.timeline.firstPartialMs();
    if (partial !== null) timings.sttFirstPartialMs = partial;
    this.recordedTurns += 1;
    const recorder = this.o.recorder;
    this.safely(() => recorder.turn(this.sessionId, {
      seq: this.recordedTurns,
      turnId: t.turnId,
      at: t.startedAt,
      ...(t.caller?.text ? { callerText: this.o.redact(t.caller.text) } : {}),
      ...(t.caller?.dtmf ? { callerText: this.o.redact(`keypad ${t.caller.dtmf.split('').join(' ')}`), dtmf: true } : {}),
      ...(said ? { agentText: this.o.redact(said) } : {}),
      interrupted,
      timings,
      tools: t.tools,
      ...(t.caller?.speechMs !== undefined ? { callerSpeechMs: t.caller.speechMs } : {}),
      agentAudioMs: Math.round(t.run.audioMs),
    }));
  }

  /** the store's side must never take a call down */
  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error('agent: recording failed', { err });
    }
  }

  private sinkFor(): ReplySink {
    const bridge = this.o.bridge;
    return {
      start: (replyId) => bridge.sendControl({ type: 'reply_start', replyId }),
      audio: (replyId, pcm) => bridge.sendAudio(replyId, pcm),
      end: (replyId) => bridge.sendControl({ type: 'reply_end', replyId }),
      clear: (replyId) => bridge.sendControl({ type: 'clear', replyId }),
    };
  }

  private publishTranscript(turnId: string, speaker: 'caller' | 'agent', text: string, final: boolean): void {
    if (!text) return;
    const redact = final ? this.o.redact : (this.o.redactPartial ?? this.o.redact);
    this.live.publish({ type: 'transcript', turnId, speaker, final, text: redact(text) });
  }
}

/** a JSON value with every string redacted */
function redactJson(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactJson(v, redact));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactJson(v, redact)]));
  return value;
}

/** the assistant text of a reply's messages */
function heard(messages: DialogueMessage[]): string {
  return messages
    .filter((m) => m.role === 'assistant')
    .map((m) => m.content)
    .filter(Boolean)
    .join(' ');
}

function normalize(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** the caller as live views show it (contracts' `maskCaller`) */
export const maskNumber = maskCaller;
