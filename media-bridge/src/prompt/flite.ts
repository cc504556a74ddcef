/**
 * Spoken prompts synthesised offline with flite (Debian's `flite`, installed by the setup) using its 8 kHz
 * voice, so no resampling stands between the text and the phone line. Used for the fallback prompt the caller
 * hears when agent-core fails; results are cached per text.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseWav } from '@callgate/contracts';

const run = promisify(execFile);
const cache = new Map<string, Promise<Int16Array>>();

/** flite's 8 kHz diphone voice */
export const FLITE_VOICE_8K = 'kal';

/** `text` spoken by flite as PCM16 at 8 kHz. Rejects with a clear message when flite is missing or fails. */
export function synthesize(text: string, voice = FLITE_VOICE_8K): Promise<Int16Array> {
  const key = `${voice}\u0000${text}`;
  let pending = cache.get(key);
  if (!pending) {
    pending = runFlite(text, voice);
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
  }
  return pending;
}

async function runFlite(text: string, voice: string): Promise<Int16Array> {
  const dir = await mkdtemp(join(tmpdir(), 'callgate-flite-'));
  try {
    const file = join(dir, 'prompt.wav');
    try {
      await run('flite', ['-voice', voice, '-t', text, '-o', file], { timeout: 20_000 });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? 'flite is not installed (apt-get install flite; scripts/setup.sh does it)' : `flite failed: ${(err as Error).message}`);
    }
    const wav = parseWav(await readFile(file), 'flite output');
    if (wav.sampleRate !== 8000) throw new Error(`flite voice '${voice}' speaks at ${wav.sampleRate} Hz; prompts need 8000 Hz (voice '${FLITE_VOICE_8K}')`);
    return wav.samples;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
