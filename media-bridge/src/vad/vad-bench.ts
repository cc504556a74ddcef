/**
 * Bench figures for the VAD: µs of wall time per 32 ms window for 250 concurrent streams, all batched into one
 * inference per round vs one inference per stream. Each mode warms up, then runs rounds (one window pushed to
 * every stream, then `process()`) for about 2 s. The time covers the whole `process()`: packing, the model,
 * unpacking and dispatch. The model runs on the calling thread here, so the figures are the model's cost; the
 * bridge runs it in a worker thread (`vad_worker_us_per_frame_batched` adds the hand-over to the worker).
 */
import { seededUniform } from '../audio/noise.js';
import { VadEngine } from './vad-engine.js';
import { VAD_WINDOW_MS, VAD_WINDOW_SAMPLES } from './silero-model.js';

const STREAMS = 250;
const WARMUP_ROUNDS = 3;
const RUN_MS = 2000;

/** deterministic noise windows around −30 dBFS (the model's cost does not depend on the content) */
function noiseWindows(count: number, seed: number): Int16Array[] {
  const next = seededUniform(seed);
  return Array.from({ length: count }, () => Int16Array.from({ length: VAD_WINDOW_SAMPLES }, () => Math.round(next() * 3300)));
}

async function measure(batch: boolean, thread: 'main' | 'worker' = 'main'): Promise<{ usPerFrame: number; meanBatch: number }> {
  const engine = await VadEngine.create({ batch, thread });
  const pool = noiseWindows(64, 12345);
  const streams = Array.from({ length: STREAMS }, (_, i) => engine.createStream(`bench-${i}`));
  let round = 0;
  const runRound = async (): Promise<void> => {
    round++;
    streams.forEach((s, i) => s.push(pool[(round + i) % pool.length]!, round * VAD_WINDOW_MS));
    await engine.process();
  };
  for (let i = 0; i < WARMUP_ROUNDS; i++) await runRound();
  let frames = 0;
  const t0 = process.hrtime.bigint();
  let elapsedNs = 0n;
  while (elapsedNs < BigInt(RUN_MS) * 1_000_000n) {
    await runRound();
    frames += STREAMS;
    elapsedNs = process.hrtime.bigint() - t0;
  }
  for (const s of streams) s.close();
  return { usPerFrame: Number(elapsedNs) / 1000 / frames, meanBatch: engine.stats().meanBatchSize };
}

/** Runs the VAD bench (~7 s): { vad_us_per_frame_batched, vad_worker_us_per_frame_batched, vad_us_per_frame_single, vad_batch_size }. */
export async function vadBench(): Promise<Record<string, number>> {
  const batched = await measure(true);
  const single = await measure(false);
  const worker = await measure(true, 'worker');
  return {
    vad_us_per_frame_batched: batched.usPerFrame,
    vad_worker_us_per_frame_batched: worker.usPerFrame,
    vad_us_per_frame_single: single.usPerFrame,
    // the mean rows per model run in the batched mode (every round batches all streams)
    vad_batch_size: batched.meanBatch,
  };
}
