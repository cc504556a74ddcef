/**
 * Scripted fake providers and small helpers for the router tests (not exported from the package). Each call
 * of a fake takes the next step of its script (the last step repeats), and records the signal it was given.
 */
import type { DialogueChunk, DialogueModel, DialogueRequest, SpeechToText, SttEvent, SttStartOptions, SttStream, TextToSpeech } from '../ports.js';
import { RetryableProviderError } from '../ports.js';
import type { RouterEvent } from './events.js';

export type Step<T> =
  | { kind: 'ok'; chunks: T[] }
  | { kind: 'retryable'; retryAfterS?: number }
  | { kind: 'fail' }
  | { kind: 'hang' }
  /** yields the chunks, then throws (a retryable error, to show that it is still not retried) */
  | { kind: 'yield_then_fail'; chunks: T[] }
  | { kind: 'yield_then_hang'; chunks: T[] };

export class ScriptedStream<T> {
  readonly signals: AbortSignal[] = [];
  constructor(
    readonly id: string,
    private readonly script: Step<T>[],
  ) {}

  get calls(): number {
    return this.signals.length;
  }

  async *run(signal: AbortSignal): AsyncGenerator<T> {
    const step = this.script[Math.min(this.signals.length, this.script.length - 1)];
    this.signals.push(signal);
    if (!step) throw new Error(`${this.id}: empty script`);
    switch (step.kind) {
      case 'ok':
        for (const c of step.chunks) yield c;
        return;
      case 'retryable':
        throw new RetryableProviderError(`${this.id} busy`, step.retryAfterS);
      case 'fail':
        throw new Error(`${this.id} broken`);
      case 'hang':
        await untilAborted(signal);
        throw signal.reason;
      case 'yield_then_fail':
        for (const c of step.chunks) yield c;
        throw new RetryableProviderError(`${this.id} connection reset`);
      case 'yield_then_hang':
        for (const c of step.chunks) yield c;
        await untilAborted(signal);
        throw signal.reason;
    }
  }
}

export class FakeDialogue extends ScriptedStream<DialogueChunk> implements DialogueModel {
  generate(_request: DialogueRequest, signal: AbortSignal): AsyncIterable<DialogueChunk> {
    return this.run(signal);
  }
}

export class FakeTts extends ScriptedStream<Int16Array> implements TextToSpeech {
  synthesize(_text: string, _opts: unknown, signal: AbortSignal): AsyncIterable<Int16Array> {
    return this.run(signal);
  }
}

export const text = (t: string): DialogueChunk => ({ type: 'text', text: t });

export const request: DialogueRequest = { sessionId: 's1', agent: 'front-desk', messages: [{ role: 'user', content: 'hi' }], tools: [], state: {} };

export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

export async function collect<T>(it: AsyncIterable<T>, into: T[] = []): Promise<T[]> {
  for await (const c of it) into.push(c);
  return into;
}

/** awaits the promise's rejection and returns the error (fails when it resolves) */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** lets promise callbacks, immediates and timers run until `cond` holds (gives up after 2 s) */
export async function until(cond: () => boolean, what = 'condition'): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

/** records RouterEvents; `of(type)` filters them */
export class EventLog {
  readonly events: RouterEvent[] = [];
  readonly listener = (e: RouterEvent): void => {
    this.events.push(e);
  };
  of<K extends RouterEvent['type']>(type: K): Extract<RouterEvent, { type: K }>[] {
    return this.events.filter((e): e is Extract<RouterEvent, { type: K }> => e.type === type);
  }
}

/** a sleep that only records the delays asked for */
export function recordingSleep(): { delays: number[]; sleep: (ms: number) => Promise<void> } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms) => {
      delays.push(ms);
    },
  };
}

export type StartStep = 'ok' | 'retryable' | 'fail' | 'hang' | 'manual';

export class FakeSttStream implements SttStream {
  readonly pushed: Int16Array[] = [];
  flushes = 0;
  closed = false;
  private readonly listeners: ((e: SttEvent) => void)[] = [];
  constructor(readonly signal: AbortSignal) {}
  push(pcm: Int16Array): void {
    this.pushed.push(pcm.slice());
  }
  flush(): void {
    this.flushes += 1;
  }
  onEvent(listener: (e: SttEvent) => void): void {
    this.listeners.push(listener);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  emit(event: SttEvent): void {
    for (const l of this.listeners) l(event);
  }
  /** every pushed sample, in order */
  samples(): number[] {
    return this.pushed.flatMap((p) => [...p]);
  }
}

export class FakeStt implements SpeechToText {
  readonly streams: FakeSttStream[] = [];
  readonly signals: AbortSignal[] = [];
  /** for 'manual' steps: resolves the pending start */
  release: (() => void) | undefined;
  constructor(
    readonly id: string,
    private readonly script: StartStep[] = ['ok'],
  ) {}

  get starts(): number {
    return this.signals.length;
  }

  get last(): FakeSttStream {
    const s = this.streams[this.streams.length - 1];
    if (!s) throw new Error(`${this.id}: no stream opened`);
    return s;
  }

  async start(_opts: SttStartOptions, signal: AbortSignal): Promise<SttStream> {
    const step = this.script[Math.min(this.signals.length, this.script.length - 1)] ?? 'ok';
    this.signals.push(signal);
    switch (step) {
      case 'retryable':
        throw new RetryableProviderError(`${this.id} busy`);
      case 'fail':
        throw new Error(`${this.id} cannot start`);
      case 'hang':
        await untilAborted(signal);
        throw signal.reason;
      case 'manual':
        await new Promise<void>((resolve) => (this.release = resolve));
        break;
      case 'ok':
        break;
    }
    const stream = new FakeSttStream(signal);
    this.streams.push(stream);
    return stream;
  }
}

export const startOpts: SttStartOptions = { sessionId: 's1', hints: { phrases: [], words: [] } };

export const pcm = (...samples: number[]): Int16Array => Int16Array.from(samples);
