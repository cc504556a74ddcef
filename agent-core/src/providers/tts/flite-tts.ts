/**
 * Embedded text-to-speech: Debian's flite, one short process per speakable chunk (a sentence or clause), so the
 * first chunk is heard while later ones are still being written. The default voice `kal` speaks at 8 kHz, the
 * phone leg's rate, with no resampling; the 16 kHz voices (`slt`, `rms`, `awb`) sound better and are
 * resampled. flite's silent padding is trimmed (trim-silence.ts). Recent results are cached (greetings and fixed prompts repeat on every call). flite cannot write
 * to a socket (what Node gives a child as stdout), so each chunk goes through a small file in memory-backed
 * storage (/dev/shm when there is one).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWav } from '@callgate/contracts';
import type { TextToSpeech, TtsOptions } from '../ports.js';
import { resampleTo8k } from './resample-8k.js';
import { trimSilence } from './trim-silence.js';

export interface FliteTtsOptions {
  id?: string;
  /** default voice (default `kal`, 8 kHz) */
  voice?: string;
  /** the flite executable (default `flite` on PATH) */
  command?: string;
  /** chunks cached (default 128; 0 turns the cache off) */
  cacheEntries?: number;
  /** a chunk's synthesis is abandoned after this long (default 10 000 ms) */
  timeoutMs?: number;
}

/** flite voices built in to Debian's package */
export const FLITE_VOICES = ['kal', 'kal16', 'slt', 'rms', 'awb', 'awb_time'] as const;

export class FliteTts implements TextToSpeech {
  readonly id: string;
  private readonly cache = new Map<string, Int16Array>();
  private dir: string | undefined;
  private seq = 0;

  constructor(private readonly opts: FliteTtsOptions = {}) {
    this.id = opts.id ?? 'flite';
    const voice = opts.voice ?? 'kal';
    if (!(FLITE_VOICES as readonly string[]).includes(voice)) throw new Error(`flite: unknown voice '${voice}' (one of ${FLITE_VOICES.join(', ')})`);
  }

  async *synthesize(text: string, opts: TtsOptions, signal: AbortSignal): AsyncIterable<Int16Array> {
    const voice = opts.voice ?? this.opts.voice ?? 'kal';
    const key = `${voice}\u0000${text}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      yield hit;
      return;
    }
    const pcm = await this.run(text, voice, signal);
    this.remember(key, pcm);
    if (!signal.aborted) yield pcm;
  }

  private async run(text: string, voice: string, signal: AbortSignal): Promise<Int16Array> {
    this.dir ??= mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'callgate-flite-'));
    const file = join(this.dir, `${process.pid}-${this.seq++}.wav`);
    try {
      await this.spawnFlite(text, voice, file, signal);
      const wav = parseWav(await readFile(file), 'flite output');
      return trimSilence(wav.sampleRate === 8000 ? wav.samples : resampleTo8k(wav.samples, wav.sampleRate));
    } finally {
      await rm(file, { force: true });
    }
  }

  /** removes the scratch directory */
  async close(): Promise<void> {
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  private spawnFlite(text: string, voice: string, file: string, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(abortError());
      const child = spawn(this.opts.command ?? 'flite', ['-voice', voice, '-t', text, '-o', file], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), this.opts.timeoutMs ?? 10_000);
      const onAbort = () => child.kill('SIGKILL');
      signal.addEventListener('abort', onAbort, { once: true });
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString().slice(0, 500)));
      child.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        reject(new Error(err.code === 'ENOENT' ? 'flite is not installed (apt-get install flite; scripts/setup.sh does it)' : `flite: ${err.message}`));
      });
      child.on('close', (code, sig) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) return reject(abortError());
        if (code !== 0) return reject(new Error(`flite exited with ${code ?? sig}: ${stderr.trim()}`));
        resolve();
      });
    });
  }

  private remember(key: string, pcm: Int16Array): void {
    const max = this.opts.cacheEntries ?? 128;
    if (max <= 0) return;
    this.cache.set(key, pcm);
    while (this.cache.size > max) this.cache.delete(this.cache.keys().next().value!);
  }
}

function abortError(): Error {
  const err = new Error('aborted');
  err.name = 'AbortError';
  return err;
}
