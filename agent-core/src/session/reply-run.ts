/**
 * One agent reply, streamed end to end: the dialogue model's text is cut into speakable chunks as it arrives,
 * each chunk is synthesised as soon as it is complete (while the model keeps writing), and the audio goes to the
 * media bridge as it is produced. Tool calls run between model rounds (the model is asked again with their
 * results). If no audio exists `fillerAfterMs` after the turn closed, a short filler is spoken. A barge-in
 * (`interrupt`) aborts every stage at once through one AbortSignal and keeps in the history only what the
 * caller heard.
 *
 *   dialogue.generate ─text─► SentenceChunker ─chunk─► tts.synthesize ─pcm─► sink (bridge)
 *          │ tool_call                                                       │
 *          └──► tools.run ──► tool message ──► dialogue.generate (next round)
 */
import type { DialogueMessage, DialogueModel, DialogueState, TextToSpeech, ToolCall } from '../providers/ports.js';
import { HeardText } from './heard-text.js';
import type { ReplySink } from './reply-sink.js';
import { SentenceChunker } from './sentence-chunker.js';
import type { ToolExecutor, ToolOutcome } from './tool-executor.js';
import type { TurnTimeline } from './turn-timeline.js';

export interface ReplyRunOptions {
  sessionId: string;
  agent: string;
  turnId: string;
  replyId: string;
  dialogue: DialogueModel;
  tts: TextToSpeech;
  voice?: string;
  tools: ToolExecutor;
  /** the history before this reply (not modified) */
  history: DialogueMessage[];
  state: DialogueState;
  sink: ReplySink;
  timeline: TurnTimeline;
  /** spoken when no audio exists this long after the run started (pre-synthesised) */
  filler?: { afterMs: number; text: string; pcm: Int16Array };
  /** a model that keeps calling tools is cut off after this many rounds (default 4) */
  maxToolRounds?: number;
  /** held back before running any tool, for speculative runs; resolves false to abandon */
  beforeTool?: () => Promise<boolean>;
  /** a chunk of agent text was queued for speaking (for the live transcript) */
  onSpoken?: (text: string) => void;
  onTool?: (call: ToolCall, status: 'started' | 'ok' | 'failed', ms?: number, error?: string, result?: unknown) => void;
}

export interface ReplyResult {
  /** messages to append to the history: assistant text (cut to what was heard when interrupted), tool results */
  messages: DialogueMessage[];
  state: DialogueState;
  /** a built-in tool's action, to perform once the reply has played */
  action?: { type: 'transfer' | 'end'; reason?: string };
  /** ms of audio sent to the bridge */
  audioMs: number;
  interrupted: boolean;
  /** the model or a stage failed after some output; the session apologises */
  error?: Error;
}

const MAX_FRAME_SAMPLES = 4000;

export class ReplyRun {
  private readonly abort = new AbortController();
  private readonly heard = new HeardText();
  private readonly chunker = new SentenceChunker();
  private readonly messages: DialogueMessage[] = [];
  /** index into `messages` of each part's assistant message */
  private readonly parts: number[] = [];
  private started = false;
  private interruptedAtMs: number | undefined;
  private ttsQueue: Promise<void> = Promise.resolve();
  private fillerTimer: NodeJS.Timeout | undefined;
  private audioSent = false;
  private ttsError: Error | undefined;
  private finished = false;

  constructor(private readonly o: ReplyRunOptions) {}

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** ms of audio queued for the caller so far */
  get audioMs(): number {
    return this.heard.queuedMs;
  }

  /** Runs the reply to its end (or until interrupted/cancelled). Never rejects. */
  async run(): Promise<ReplyResult> {
    const { o } = this;
    let state = o.state;
    let action: ReplyResult['action'];
    let error: Error | undefined;
    if (o.filler) {
      const filler = o.filler;
      this.fillerTimer = setTimeout(() => this.speakFiller(filler), filler.afterMs);
      this.fillerTimer.unref?.();
    }
    try {
      for (let round = 0; round < (o.maxToolRounds ?? 4); round++) {
        const calls: ToolCall[] = [];
        const request = { sessionId: o.sessionId, agent: o.agent, messages: [...o.history, ...this.messages], tools: o.tools.definitions(), state };
        const part = this.newPart();
        for await (const chunk of o.dialogue.generate(request, this.abort.signal)) {
          if (this.abort.signal.aborted) break;
          if (chunk.type === 'state') {
            state = chunk.state;
            continue;
          }
          o.timeline.mark('firstToken');
          if (chunk.type === 'text') for (const text of this.chunker.push(chunk.text)) this.speak(text, part);
          else calls.push(chunk.call);
        }
        if (this.abort.signal.aborted) break;
        const last = this.chunker.end();
        if (last) this.speak(last, part);
        if (calls.length === 0) break;
        (this.messages[this.parts[part]!] as Extract<DialogueMessage, { role: 'assistant' }>).toolCalls = calls;
        action = await this.runTools(calls);
        if (action || this.abort.signal.aborted) break;
      }
      await this.ttsQueue;
    } catch (err) {
      if ((err as Error).name !== 'AbortError' && !this.abort.signal.aborted) error = err as Error;
    } finally {
      clearTimeout(this.fillerTimer);
    }
    await this.ttsQueue;
    error ??= this.ttsError;
    if (this.started && !this.abort.signal.aborted) o.sink.end(o.replyId);
    this.finished = true;
    return { messages: this.finalMessages(), state, ...(action ? { action } : {}), audioMs: this.heard.queuedMs, interrupted: this.interruptedAtMs !== undefined, ...(error ? { error } : {}) };
  }

  /** The caller barged in after hearing `heardMs` of this reply: stop everything now. */
  interrupt(heardMs: number): void {
    if (this.interruptedAtMs !== undefined) return;
    this.interruptedAtMs = heardMs;
    this.cancel();
  }

  /** Stops without a barge-in (a newer turn replaced this reply, or the call ended). */
  cancel(): void {
    if (this.abort.signal.aborted || this.finished) return;
    this.abort.abort();
    this.chunker.reset();
    clearTimeout(this.fillerTimer);
    if (this.started) this.o.sink.clear(this.o.replyId);
  }

  private newPart(): number {
    this.messages.push({ role: 'assistant', content: '' });
    this.parts.push(this.messages.length - 1);
    return this.parts.length - 1;
  }

  /** queues one chunk for synthesis behind the previous ones */
  private speak(text: string, part: number): void {
    const msg = this.messages[this.parts[part]!] as Extract<DialogueMessage, { role: 'assistant' }>;
    if (part >= 0) msg.content = msg.content ? `${msg.content} ${text}` : text;
    this.o.onSpoken?.(text);
    this.ttsQueue = this.ttsQueue.then(() => this.synthesize(text, part)).catch((err: Error) => {
      // the chunks behind a failed one are skipped: the reply ends with an error the session apologises for
      if (err.name !== 'AbortError' && !this.abort.signal.aborted) this.ttsError ??= err;
    });
  }

  private async synthesize(text: string, part: number): Promise<void> {
    const { o } = this;
    if (this.abort.signal.aborted || this.ttsError) return;
    let samples = 0;
    for await (const pcm of o.tts.synthesize(text, { sessionId: o.sessionId, ...(o.voice ? { voice: o.voice } : {}) }, this.abort.signal)) {
      if (this.abort.signal.aborted) return;
      o.timeline.mark('firstAudio');
      this.send(pcm);
      samples += pcm.length;
    }
    this.heard.add(text, (samples / 8000) * 1000, part);
  }

  private speakFiller(filler: NonNullable<ReplyRunOptions['filler']>): void {
    if (this.audioSent || this.abort.signal.aborted) return;
    this.o.timeline.times.filler = true;
    this.o.timeline.mark('firstAudio');
    this.send(filler.pcm);
    this.heard.add(filler.text, (filler.pcm.length / 8000) * 1000, -1);
  }

  private send(pcm: Int16Array): void {
    const { o } = this;
    if (!this.started) {
      this.started = true;
      o.sink.start(o.replyId);
    }
    this.audioSent = true;
    for (let i = 0; i < pcm.length; i += MAX_FRAME_SAMPLES) o.sink.audio(o.replyId, pcm.subarray(i, i + MAX_FRAME_SAMPLES));
  }

  private async runTools(calls: ToolCall[]): Promise<ReplyResult['action']> {
    const { o } = this;
    let action: ReplyResult['action'];
    for (const call of calls) {
      // a speculative run waits here until the final transcript confirmed it: nothing runs on a guess
      if (o.beforeTool && !(await o.beforeTool())) {
        this.cancel();
        return undefined;
      }
      const t0 = performance.now();
      o.onTool?.(call, 'started');
      const outcome: ToolOutcome = await o.tools
        .run(call, { sessionId: o.sessionId, turnId: o.turnId, idempotencyKey: `${o.sessionId}.${call.id}` }, this.abort.signal)
        .catch((err: Error) => ({ ok: false as const, error: { code: 'failed', message: err.message } }));
      const ms = performance.now() - t0;
      if (this.abort.signal.aborted) return undefined;
      if (outcome.ok && 'action' in outcome) {
        action = outcome.action;
        this.messages.push({ role: 'tool', toolCallId: call.id, name: call.name, content: JSON.stringify({ ok: true }), ok: true });
        o.onTool?.(call, 'ok', ms);
        continue;
      }
      o.onTool?.(call, outcome.ok ? 'ok' : 'failed', ms, outcome.ok ? undefined : outcome.error.code, outcome.ok ? outcome.result : undefined);
      const content = JSON.stringify(outcome.ok ? outcome.result : { error: outcome.error });
      this.messages.push({ role: 'tool', toolCallId: call.id, name: call.name, content, ok: outcome.ok });
    }
    return action;
  }

  /** the history this reply leaves (after `interrupt`, cut to what was heard); also valid after `run` resolved */
  finalMessages(): DialogueMessage[] {
    const heardMs = this.interruptedAtMs;
    const out: DialogueMessage[] = [];
    this.messages.forEach((m, i) => {
      if (m.role !== 'assistant') return out.push(m);
      const part = this.parts.indexOf(i);
      if (heardMs === undefined) {
        if (m.content || m.toolCalls) out.push(m);
        return;
      }
      const content = this.heard.heard(heardMs, part);
      if (content || m.toolCalls) out.push({ ...m, content, interrupted: true });
    });
    return out;
  }
}
