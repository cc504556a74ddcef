/**
 * One call's side of the VAD: cuts the pushed 8 kHz PCM (20 ms frames, or any size) into 256-sample windows,
 * each tagged with the media time at its end, and keeps the call's recurrent state and window context between
 * inferences. `VadStream` is the handle a call holds; `StreamCore` is what the engine batches over.
 */
import { VAD_SAMPLE_RATE, VAD_WINDOW_SAMPLES } from './silero-model.js';

/** Called with each window's speech probability, in window order. */
export type ProbabilityListener = (probability: number, windowEndMs: number) => void;

/** One complete window waiting for inference. */
export interface PendingWindow {
  /** samples as floats in [-1, 1] */
  samples: Float32Array<ArrayBuffer>;
  /** media time (ms) at the window's last sample */
  endMs: number;
  /** RMS level in dBFS (full scale 32768; -Infinity for digital silence) */
  dbfs: number;
}

const MS_PER_SAMPLE = 1000 / VAD_SAMPLE_RATE;

/** A stream's buffers and state; the engine reads and updates these, the call never sees them. */
export class StreamCore {
  readonly pending: PendingWindow[] = [];
  /** recurrent state, laid out as the model wants it (see SileroModel.stateFloats) */
  readonly state: Float32Array;
  /** the previous window's last samples (v5's context; empty for v4) */
  readonly context: Float32Array;
  /** bumped by reset and close, so results of an inference begun before them are dropped */
  generation = 0;
  closed = false;
  onProbability: ProbabilityListener | undefined;
  /**
   * The model input and state handed to the engine's current round (context then window; the state as it
   * was when the window was taken). One of each per stream: a stream has at most one window in a round, and the
   * model copies both before the next round can take another. No arrays are made per window.
   */
  readonly input: Float32Array;
  readonly stateIn: Float32Array;
  /** window buffers whose samples went into `input`, for the next windows */
  private readonly spare: Array<Float32Array<ArrayBuffer>> = [];
  private partial = new Float32Array(VAD_WINDOW_SAMPLES);
  private partialLen = 0;
  private partialSq = 0;

  constructor(
    readonly id: string,
    stateFloats: number,
    contextSamples: number,
  ) {
    this.state = new Float32Array(stateFloats);
    this.context = new Float32Array(contextSamples);
    this.input = new Float32Array(contextSamples + VAD_WINDOW_SAMPLES);
    this.stateIn = new Float32Array(stateFloats);
  }

  push(pcm: Int16Array, endMs: number): void {
    if (this.closed) return;
    if (!Number.isFinite(endMs)) throw new RangeError('vad: endMs must be a finite media time in ms');
    const n = pcm.length;
    // the window being filled is held in locals through the loop (this runs for every frame of every call)
    let partial = this.partial;
    let len = this.partialLen;
    let sq = this.partialSq;
    for (let i = 0; i < n; i++) {
      const s = pcm[i]!;
      partial[len++] = s / 32768;
      sq += s * s;
      if (len === VAD_WINDOW_SAMPLES) {
        const rms = Math.sqrt(sq / VAD_WINDOW_SAMPLES);
        this.pending.push({ samples: partial, endMs: endMs - (n - 1 - i) * MS_PER_SAMPLE, dbfs: rms > 0 ? 20 * Math.log10(rms / 32768) : -Infinity });
        partial = this.spare.pop() ?? new Float32Array(VAD_WINDOW_SAMPLES);
        len = 0;
        sq = 0;
      }
    }
    this.partial = partial;
    this.partialLen = len;
    this.partialSq = sq;
  }

  /**
   * The model input for `win` (context then samples, in `input`) and its state (in `stateIn`); moves the context
   * on to this window's tail. The window's buffer is kept for a later window.
   */
  takeInput(win: PendingWindow): Float32Array {
    const c = this.context.length;
    this.input.set(this.context, 0);
    this.input.set(win.samples, c);
    if (c > 0) this.context.set(win.samples.subarray(win.samples.length - c));
    this.stateIn.set(this.state);
    this.recycle(win);
    return this.input;
  }

  /** a window that needs no more of its samples (taken, or gated) */
  recycle(win: PendingWindow): void {
    if (this.spare.length < 4) this.spare.push(win.samples);
  }

  /** zeroes the recurrent state and context (a fresh start for the model), keeping buffered audio */
  clearModelState(): void {
    this.state.fill(0);
    this.context.fill(0);
  }

  /** zeroes the state, drops all buffered audio and disowns any inference in flight */
  reset(): void {
    this.clearModelState();
    this.generation++;
    this.pending.length = 0;
    this.partialLen = 0;
    this.partialSq = 0;
  }
}

/** A call's VAD stream, from `VadEngine.createStream`. */
export class VadStream {
  constructor(
    private readonly core: StreamCore,
    private readonly onClose: (core: StreamCore) => void,
  ) {}

  get id(): string {
    return this.core.id;
  }

  /** called with each window's probability (also settable after creation) */
  get onProbability(): ProbabilityListener | undefined {
    return this.core.onProbability;
  }

  set onProbability(fn: ProbabilityListener | undefined) {
    this.core.onProbability = fn;
  }

  /**
   * Appends PCM (8 kHz, 16-bit) whose last sample is at media time `endMs`. Frames may be any size; each complete
   * 256-sample window waits for the engine's next `process()`. Gaps are not detected: push concealed audio for
   * lost packets. Ignored after `close()`.
   */
  push(pcm: Int16Array, endMs: number): void {
    this.core.push(pcm, endMs);
  }

  /** windows waiting for inference */
  get pendingWindows(): number {
    return this.core.pending.length;
  }

  get closed(): boolean {
    return this.core.closed;
  }

  /**
   * Clears the recurrent state and context and drops buffered audio (a partial window and pending windows);
   * results of an inference already in flight for this stream are dropped too.
   */
  reset(): void {
    this.core.reset();
  }

  /** Removes the stream from its engine; pending windows and in-flight results are dropped. Idempotent. */
  close(): void {
    if (this.core.closed) return;
    this.core.reset();
    this.core.closed = true;
    this.onClose(this.core);
  }
}
