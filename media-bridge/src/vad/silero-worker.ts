/**
 * The VAD worker thread: loads the (already verified) model bytes into its own onnxruntime session and answers
 * batches from `silero-worker-client.ts`, one at a time, in order.
 */
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { createOrtModel, type SileroVariant } from './silero-model.js';
import type { WorkerReply, WorkerRequest } from './silero-worker-client.js';

const { variant, path, sha256, bytes } = workerData as { variant: SileroVariant; path: string; sha256: string; bytes: Uint8Array };
const port = parentPort!;
// this thread alone (Linux nice values are per thread) runs 10 steps below the media thread: a batch that takes
// several ms of the core the media thread shares never holds back its 20 ms clock
try {
  setPriority(Math.min(19, getPriority() + 10));
} catch {
  /* not permitted here: the model still runs, at the process's priority */
}
const post = (m: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

createOrtModel(variant, path, sha256, bytes).then(
  (model) => {
    port.on('message', (req: WorkerRequest) => {
      const inputs: Float32Array[] = [];
      const states: Float32Array[] = [];
      for (let i = 0; i < req.rows; i++) {
        inputs.push(req.input.subarray(i * model.inputSamples, (i + 1) * model.inputSamples));
        states.push(req.state.subarray(i * model.stateFloats, (i + 1) * model.stateFloats));
      }
      // `infer` writes the new states into the subarrays, i.e. into req.state, which goes back
      model.infer(inputs, states).then(
        (probabilities) => post({ id: req.id, probabilities, state: req.state }, [probabilities.buffer as ArrayBuffer, req.state.buffer as ArrayBuffer]),
        (err: unknown) => post({ id: req.id, error: (err as Error).message }),
      );
    });
    post({ ready: true });
  },
  (err: unknown) => post({ failed: (err as Error).message }),
);
