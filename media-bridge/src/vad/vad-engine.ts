/**
 * The VAD engine: one shared Silero session for every call, run as batches. Each `process()` runs rounds of
 * ONE batched inference over every stream with a complete window (one window per stream per round), so a
 * stream's backlog drains over consecutive rounds of the same call, in order. With `batch: false` each round
 * runs one inference per stream instead (same probabilities; kept for the benchmark comparison).
 *
 * Concurrency: at most one pass runs at a time, so no state is ever in two inferences. A `process()` made while
 * a pass is in flight returns the single follow-up pass that starts when it ends (every caller in that time gets
 * the same follow-up promise); the follow-up takes every window pending when it starts.
 *
 * Optional energy pre-gate (`gateDbfs`): a window whose RMS is below it skips inference, counts as probability
 * 0, and resets the stream's recurrent state and context, so the model never sees the cut as speech.
 */
import type { Logger } from '@callgate/contracts';
import { loadSileroModel, type SileroModel, type SileroModelOptions } from './silero-model.js';
import { StreamCore, VadStream, type PendingWindow, type ProbabilityListener } from './vad-stream.js';

/** One window's result. */
export interface VadResult {
  streamId: string;
  probability: number;
  /** media time (ms) at the window's last sample */
  windowEndMs: number;
}

/** Options for `VadEngine`; every field has a default. */
export interface VadEngineOptions {
  /** one batched inference per round (default true); false: one inference per stream */
  batch?: boolean;
  /** RMS level (dBFS) below which a window skips inference as probability 0; default undefined = no gate */
  gateDbfs?: number;
  /** called with every result, after the stream's own listener */
  onResult?: (result: VadResult) => void;
  logger?: Logger;
}

/** Counters since the engine was made. */
export interface VadStats {
  /** model runs (batches) */
  inferences: number;
  /** windows that went through the model */
  framesInferred: number;
  /** framesInferred / inferences (0 before the first) */
  meanBatchSize: number;
  /** wall time inside the model runs, in µs */
  inferenceUs: number;
  /** windows answered 0 by the energy gate */
  gated: number;
  /** open streams */
  streams: number;
}

interface Slot {
  core: StreamCore;
  generation: number;
  endMs: number;
  probability: number;
  /** index in the round's batch, or -1 for a gated window */
  row: number;
}

const noop = (): void => {};

export class VadEngine {
  private readonly streams = new Map<string, StreamCore>();
  private inFlight: Promise<VadResult[]> | undefined;
  private queued: Promise<VadResult[]> | undefined;
  private readonly counters = { inferences: 0, framesInferred: 0, inferenceNs: 0n, gated: 0 };

  /** Loads (or reuses) the shared model and makes an engine on it. */
  static async create(opts: VadEngineOptions & SileroModelOptions = {}): Promise<VadEngine> {
    return new VadEngine(await loadSileroModel(opts), opts);
  }

  constructor(
    readonly model: SileroModel,
    private readonly opts: VadEngineOptions = {},
  ) {
    if (opts.gateDbfs !== undefined && !(opts.gateDbfs <= 0)) throw new RangeError('gateDbfs must be a level ≤ 0 dBFS');
  }

  /** A new stream with its own state; the id must be unique among open streams. */
  createStream(id: string, onProbability?: ProbabilityListener): VadStream {
    if (this.streams.has(id)) throw new Error(`vad: stream ${id} already exists`);
    const core = new StreamCore(id, this.model.stateFloats, this.model.contextSamples);
    core.onProbability = onProbability;
    this.streams.set(id, core);
    return new VadStream(core, (c) => {
      if (this.streams.get(c.id) === c) this.streams.delete(c.id);
    });
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /**
   * Runs inference on every complete window pending when the pass starts (a microtask after this call); resolves
   * to the results in the order they were dispatched (each stream's in window order). While a pass is in flight,
   * returns the shared follow-up pass instead.
   */
  process(): Promise<VadResult[]> {
    if (this.queued) return this.queued;
    if (!this.inFlight) return this.start();
    this.queued = this.inFlight.then(noop, noop).then(() => {
      this.queued = undefined;
      return this.start();
    });
    return this.queued;
  }

  stats(): VadStats {
    const { inferences, framesInferred, inferenceNs, gated } = this.counters;
    return {
      inferences,
      framesInferred,
      meanBatchSize: inferences ? framesInferred / inferences : 0,
      inferenceUs: Number(inferenceNs) / 1000,
      gated,
      streams: this.streams.size,
    };
  }

  private start(): Promise<VadResult[]> {
    // deferred a microtask so `inFlight` is set before any listener could call process() again
    const p = Promise.resolve()
      .then(() => this.pass())
      .finally(() => {
        if (this.inFlight === p) this.inFlight = undefined;
      });
    this.inFlight = p;
    return p;
  }

  private async pass(): Promise<VadResult[]> {
    const quota = new Map<StreamCore, number>();
    for (const core of this.streams.values()) if (core.pending.length) quota.set(core, core.pending.length);
    const results: VadResult[] = [];
    while (quota.size) {
      const slots: Slot[] = [];
      const inputs: Float32Array[] = [];
      const states: Float32Array[] = [];
      for (const [core, left] of quota) {
        const taken = this.takeRound(core, left, slots, inputs, states);
        if (left - taken > 0 && !core.closed) quota.set(core, left - taken);
        else quota.delete(core);
      }
      const probs = await this.infer(inputs, states);
      for (const slot of slots) {
        const { core } = slot;
        if (core.closed || core.generation !== slot.generation) continue; // reset or closed meanwhile
        if (slot.row >= 0) {
          core.state.set(states[slot.row]!);
          slot.probability = probs[slot.row]!;
        }
        const result: VadResult = { streamId: core.id, probability: slot.probability, windowEndMs: slot.endMs };
        results.push(result);
        this.dispatch(core, result);
      }
    }
    return results;
  }

  /** Takes the stream's windows for one round: gated ones, then at most one for the model. Returns the count. */
  private takeRound(core: StreamCore, left: number, slots: Slot[], inputs: Float32Array[], states: Float32Array[]): number {
    const gate = this.opts.gateDbfs;
    let taken = 0;
    while (taken < left) {
      const win: PendingWindow | undefined = core.pending.shift();
      if (!win) return left; // dropped by a reset: nothing more to take
      taken++;
      if (gate !== undefined && win.dbfs < gate) {
        core.recycle(win);
        core.clearModelState();
        this.counters.gated++;
        slots.push({ core, generation: core.generation, endMs: win.endMs, probability: 0, row: -1 });
        continue;
      }
      slots.push({ core, generation: core.generation, endMs: win.endMs, probability: 0, row: inputs.length });
      inputs.push(core.takeInput(win));
      states.push(core.stateIn); // a copy: a reset during the inference must not be overwritten
      return taken;
    }
    return taken;
  }

  private async infer(inputs: Float32Array[], states: Float32Array[]): Promise<Float32Array> {
    if (!inputs.length) return new Float32Array(0);
    if (this.opts.batch ?? true) return this.timed(inputs, states);
    const probs = new Float32Array(inputs.length);
    for (let i = 0; i < inputs.length; i++) probs[i] = (await this.timed([inputs[i]!], [states[i]!]))[0]!;
    return probs;
  }

  private async timed(inputs: Float32Array[], states: Float32Array[]): Promise<Float32Array> {
    const t0 = process.hrtime.bigint();
    const probs = await this.model.infer(inputs, states);
    this.counters.inferenceNs += process.hrtime.bigint() - t0;
    this.counters.inferences++;
    this.counters.framesInferred += inputs.length;
    return probs;
  }

  private dispatch(core: StreamCore, result: VadResult): void {
    try {
      core.onProbability?.(result.probability, result.windowEndMs);
    } catch (err) {
      this.opts.logger?.error('vad: stream listener failed', { err, streamId: result.streamId });
    }
    try {
      this.opts.onResult?.(result);
    } catch (err) {
      this.opts.logger?.error('vad: result listener failed', { err, streamId: result.streamId });
    }
  }
}
