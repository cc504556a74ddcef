/**
 * Audio for the VAD tests and checks: real speech from espeak-ng (converted by sox to 8 kHz 16-bit mono),
 * seeded Gaussian noise at a given level, and a helper that pushes PCM into a stream as 20 ms frames.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VadStream } from './vad-stream.js';
import { seededUniform } from '../audio/noise.js';

function run(cmd: string, args: string[], pkg: string): void {
  const res = spawnSync(cmd, args, { encoding: 'utf8' });
  if (res.error && (res.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(`${cmd} is not installed: the VAD tests need it to make real speech (Debian: apt-get install ${pkg})`);
  }
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${res.status}): ${res.stderr}`);
}

/** `text` spoken by espeak-ng (en-us, 150 wpm), as 8 kHz 16-bit mono PCM. */
export function speechPcm(text: string): Int16Array {
  const dir = mkdtempSync(join(tmpdir(), 'callgate-vad-'));
  try {
    const wav = join(dir, 'speech.wav');
    const raw = join(dir, 'speech.raw');
    run('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', wav, text], 'espeak-ng');
    run('sox', [wav, '-r', '8000', '-b', '16', '-c', '1', '-e', 'signed-integer', '-L', raw], 'sox');
    const bytes = readFileSync(raw);
    const pcm = new Int16Array(bytes.length >> 1);
    for (let i = 0; i < pcm.length; i++) pcm[i] = bytes.readInt16LE(2 * i);
    if (pcm.length < 8000) throw new Error(`espeak-ng made only ${pcm.length} samples of speech`);
    return pcm;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Gaussian white noise with RMS at `dbfs` (re full scale 32768), seeded. */
export function noisePcm(samples: number, dbfs: number, seed = 1): Int16Array {
  const next = seededUniform(seed);
  const uniform = (): number => next() + 0.5 + 2 ** -33; // in (0, 1]: the logarithm below needs > 0
  const rms = 32768 * Math.pow(10, dbfs / 20);
  return Int16Array.from({ length: samples }, () => {
    const g = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    return Math.max(-32768, Math.min(32767, Math.round(g * rms)));
  });
}

/** Pushes `pcm` as 20 ms frames (160 samples; the last may be short), the first frame starting at `startMs`. */
export function pushFrames(stream: VadStream, pcm: Int16Array, startMs = 0): number {
  let pos = 0;
  while (pos < pcm.length) {
    const end = Math.min(pcm.length, pos + 160);
    stream.push(pcm.subarray(pos, end), startMs + end / 8);
    pos = end;
  }
  return startMs + pcm.length / 8;
}
