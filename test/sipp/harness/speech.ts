/**
 * Caller speech for media tests, made offline with espeak-ng and sox (Debian packages the setup installs):
 * a sentence at 8 kHz, framed by silence, as raw μ-law (what SIPp's rtp_stream plays) plus where the voice is.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulawToLinear } from './tone.js';

export interface SpeechStream {
  /** raw μ-law, 8 kHz: leadMs of silence, the sentence, tailMs of silence */
  ulaw: Buffer;
  /** ms from the start of the stream to the first and last voiced sample (|x| > 1000) */
  voicedStartMs: number;
  voicedEndMs: number;
}

const MULAW_SILENCE = 0xff;

/** who speaks: espeak-ng's US voice (the default), or a flite voice (`flite:rms`, `flite:slt`, `flite:awb`) */
export type CallerVoice = 'espeak' | `flite:${string}`;

export function speechUlaw(text: string, leadMs = 1000, tailMs = 2000, voice: CallerVoice = 'espeak'): SpeechStream {
  const dir = mkdtempSync(join(tmpdir(), 'callgate-speech-'));
  try {
    const wav = join(dir, 'speech.wav');
    const raw = join(dir, 'speech.ulaw');
    if (voice === 'espeak') execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', wav, text]);
    else execFileSync('flite', ['-voice', voice.slice('flite:'.length), '-t', text, '-o', wav]);
    execFileSync('sox', [wav, '-r', '8000', '-c', '1', '-e', 'u-law', '-t', 'raw', raw]);
    const sentence = readFileSync(raw);
    const lead = Buffer.alloc((leadMs * 8000) / 1000, MULAW_SILENCE);
    const tail = Buffer.alloc((tailMs * 8000) / 1000, MULAW_SILENCE);
    let first = -1;
    let last = -1;
    for (let i = 0; i < sentence.length; i++) {
      if (Math.abs(mulawToLinear(sentence[i]!)) > 1000) {
        if (first < 0) first = i;
        last = i;
      }
    }
    if (first < 0) throw new Error('espeak-ng produced no audible speech');
    return { ulaw: Buffer.concat([lead, sentence, tail]), voicedStartMs: leadMs + first / 8, voicedEndMs: leadMs + last / 8 };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('espeak-ng, flite and sox are needed (apt-get install espeak-ng flite sox; scripts/setup.sh does it)');
    throw err;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
