/**
 * Small fakes of the provider ports for session tests and the pipeline-overhead benchmark: instantaneous (or
 * scripted) speech-to-text, dialogue and text-to-speech that record what they were asked.
 */
import type { DialogueChunk, DialogueModel, DialogueRequest, SpeechToText, SttEvent, SttStream, TextToSpeech, ToolCall, ToolDefinition } from '../providers/ports.js';
import type { ToolExecutor, ToolOutcome } from './tool-executor.js';

/** STT whose next finals are scripted: each `flush()` emits the next one (empty when none is left). */
export class ScriptedStt implements SpeechToText {
  readonly id = 'scripted-stt';
  readonly finals: string[] = [];
  pushedSamples = 0;
  stream: (SttStream & { emit(e: SttEvent): void }) | undefined;

  async start(): Promise<SttStream> {
    let listener: (e: SttEvent) => void = () => {};
    this.stream = {
      push: (pcm) => {
        this.pushedSamples += pcm.length;
      },
      flush: () => {
        const text = this.finals.shift() ?? '';
        queueMicrotask(() => listener({ type: 'final', text }));
      },
      onEvent: (l) => {
        listener = l;
      },
      emit: (e) => listener(e),
      close: async () => {},
    };
    return this.stream;
  }
}

export type ScriptStep = (req: DialogueRequest, signal: AbortSignal) => AsyncIterable<DialogueChunk>;

/** Dialogue that answers each request with the next scripted step (default: says "You said: <last user text>."). */
export class ScriptedDialogue implements DialogueModel {
  readonly id = 'scripted-dialogue';
  readonly requests: DialogueRequest[] = [];
  readonly steps: ScriptStep[] = [];
  aborted = 0;

  async *generate(req: DialogueRequest, signal: AbortSignal): AsyncIterable<DialogueChunk> {
    this.requests.push(structuredClone(req));
    signal.addEventListener('abort', () => this.aborted++, { once: true });
    const step = this.steps.shift();
    if (step) {
      yield* step(req, signal);
      return;
    }
    const last = [...req.messages].reverse().find((m) => m.role === 'user');
    const text = last ? `You said: ${last.content || last.dtmf || 'nothing'}.` : 'Hello, how can I help?';
    for (const word of text.split(/(?<= )/)) yield { type: 'text', text: word };
    yield { type: 'state', state: { ...req.state, turns: Number(req.state.turns ?? 0) + 1 } };
  }
}

/** a step that says `text` word by word */
export function says(text: string, extra: DialogueChunk[] = []): ScriptStep {
  return async function* () {
    for (const word of text.split(/(?<= )/)) yield { type: 'text', text: word };
    yield* extra;
  };
}

/** a step that says `text` and then waits until aborted */
export function saysThenHangs(text: string): ScriptStep {
  return async function* (_req, signal) {
    yield { type: 'text', text };
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  };
}

/** TTS that makes `msPerChar` ms of constant audio per character, at once */
export class ToneTts implements TextToSpeech {
  readonly id = 'tone-tts';
  readonly texts: string[] = [];

  constructor(private readonly msPerChar = 10) {}

  async *synthesize(text: string): AsyncIterable<Int16Array> {
    this.texts.push(text);
    yield new Int16Array(Math.max(1, Math.round(text.length * this.msPerChar * 8))).fill(1000);
  }
}

/** Tools that answer from a map (built-ins as actions) and record their calls. */
export class FakeTools implements ToolExecutor {
  readonly calls: Array<{ call: ToolCall; key: string }> = [];
  constructor(private readonly results: Record<string, ToolOutcome> = {}) {}

  definitions(): ToolDefinition[] {
    return Object.keys(this.results).map((name) => ({ name, description: name, parameters: { type: 'object' } }));
  }

  async run(call: ToolCall, ctx: { idempotencyKey: string }): Promise<ToolOutcome> {
    this.calls.push({ call, key: ctx.idempotencyKey });
    if (call.name === 'transfer_call') return { ok: true, action: { type: 'transfer' } };
    if (call.name === 'end_call') return { ok: true, action: { type: 'end', reason: 'caller said goodbye' } };
    return this.results[call.name] ?? { ok: false, error: { code: 'unknown_tool', message: call.name } };
  }
}

/** STT that hears the same words every turn: a partial on the first audio of an utterance, the final at once on flush. */
export class InstantStt implements SpeechToText {
  readonly id = 'instant-stt';

  constructor(private readonly text = 'what are your opening hours') {}

  async start(): Promise<SttStream> {
    let listener: (e: SttEvent) => void = () => {};
    let partialSent = false;
    return {
      push: () => {
        if (partialSent) return;
        partialSent = true;
        listener({ type: 'partial', text: this.text.split(' ')[0] ?? '' });
      },
      flush: () => {
        partialSent = false;
        queueMicrotask(() => listener({ type: 'final', text: this.text }));
      },
      onEvent: (l) => {
        listener = l;
      },
      close: async () => {},
    };
  }
}
