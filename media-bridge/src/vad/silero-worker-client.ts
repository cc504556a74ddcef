/**
 * The Silero model behind a worker thread: `infer` posts the batch's input rows and states to the worker, which
 * runs the onnxruntime session and posts back the probabilities and the new states (buffers transferred, not
 * copied twice). The media thread only packs and unpacks; the model's compute never delays its pacer.
 */
import { Worker } from 'node:worker_threads';
import type { SileroModel, SileroVariant } from './silero-model.js';
import { variantShape } from './silero-model.js';

/** request to the worker: one batch */
export interface WorkerRequest {
  id: number;
  rows: number;
  input: Float32Array;
  state: Float32Array;
}

/** answer from the worker */
export type WorkerReply = { id: number; probabilities: Float32Array; state: Float32Array } | { id: number; error: string } | { ready: true } | { failed: string };

export async function startWorkerModel(variant: SileroVariant, path: string, sha256: string, bytes: Uint8Array): Promise<SileroModel> {
  const worker = new Worker(new URL('./silero-worker.js', import.meta.url), { workerData: { variant, path, sha256, bytes } });
  await new Promise<void>((resolve, reject) => {
    const onMessage = (m: WorkerReply) => {
      if ('ready' in m) resolve();
      else if ('failed' in m) reject(new Error(`vad worker: ${m.failed}`));
      else return;
      worker.off('message', onMessage);
      worker.off('error', reject);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
  return new WorkerSileroModel(variant, path, sha256, worker);
}

class WorkerSileroModel implements SileroModel {
  readonly contextSamples: number;
  readonly inputSamples: number;
  readonly stateFloats: number;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: { probabilities: Float32Array; state: Float32Array }) => void; reject: (e: Error) => void }>();

  constructor(
    readonly variant: SileroVariant,
    readonly path: string,
    readonly sha256: string,
    private readonly worker: Worker,
  ) {
    this.contextSamples = variantShape(variant).contextSamples;
    this.inputSamples = variantShape(variant).inputSamples;
    this.stateFloats = variantShape(variant).stateFloats;
    worker.on('message', (m: WorkerReply) => {
      if (!('id' in m)) return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if ('error' in m) p.reject(new Error(`vad worker: ${m.error}`));
      else p.resolve(m);
    });
    const failAll = (err: Error) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`vad worker exited (${code})`)));
    // an idle VAD must not keep the process alive (after the listeners: adding one refs the worker's port again)
    worker.unref();
  }

  async infer(inputs: readonly Float32Array[], states: readonly Float32Array[]): Promise<Float32Array> {
    const rows = inputs.length;
    if (rows === 0) return new Float32Array(0);
    if (states.length !== rows) throw new RangeError('infer: one state per input row is required');
    const input = new Float32Array(rows * this.inputSamples);
    const state = new Float32Array(rows * this.stateFloats);
    for (let i = 0; i < rows; i++) {
      if (inputs[i]!.length !== this.inputSamples) throw new RangeError(`infer: input rows must have ${this.inputSamples} samples`);
      input.set(inputs[i]!, i * this.inputSamples);
      state.set(states[i]!, i * this.stateFloats);
    }
    const id = this.nextId++;
    const reply = new Promise<{ probabilities: Float32Array; state: Float32Array }>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    if (this.pending.size === 1) this.worker.ref(); // keep the process up while an answer is due
    const request: WorkerRequest = { id, rows, input, state };
    this.worker.postMessage(request, [input.buffer, state.buffer]);
    try {
      const r = await reply;
      for (let i = 0; i < rows; i++) states[i]!.set(r.state.subarray(i * this.stateFloats, (i + 1) * this.stateFloats));
      return r.probabilities;
    } finally {
      if (this.pending.size === 0) this.worker.unref();
    }
  }
}
