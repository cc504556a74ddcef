/**
 * The demo prompt, synthesised in code (no files, no external tools): a soft two-note chime (E5 then A5, each
 * with a bell-like decay and a quiet partial an octave up) over a gentle low tone (E4, inside the telephone
 * band) that sounds on alone for a while after the chime. The low tone runs through the whole prompt with a
 * whole number of cycles per pass, so the loop has no seam and a caller never hears dead air. It stands in
 * for the agent until agent-core streams real speech.
 */
import type { Codec } from '@callgate/contracts';
import { g711, SAMPLE_RATE, SAMPLES_PER_FRAME } from '../audio/g711.js';
import type { Prompt } from './prompt.js';

export const DEMO_PROMPT_ID = 'demo';

interface ChimeNote {
  freq: number;
  startMs: number;
  /** peak amplitude, 0..1 of full scale */
  level: number;
  /** exponential decay time constant */
  decayMs: number;
}

const PASS_MS = 1800;
const LOW_TONE = { freq: 329.63, level: 0.08 };
const CHIME: ChimeNote[] = [
  { freq: 659.25, startMs: 0, level: 0.3, decayMs: 220 },
  { freq: 880, startMs: 420, level: 0.3, decayMs: 300 },
];
const ATTACK_MS = 6;
/** the chime is faded out by this point; the low tone plays on alone for the rest of the pass */
const CHIME_END_MS = 1250;

let pcmCache: Int16Array | undefined;

/**
 * The demo prompt as PCM16 at 8 kHz: one pass, a whole number of 20 ms frames, seamless when looped. Computed
 * once per process; callers share it and must not write to it.
 */
export function demoPromptPcm(): Int16Array {
  pcmCache ??= synthesizeDemoPrompt();
  return pcmCache;
}

function synthesizeDemoPrompt(): Int16Array {
  const n = Math.round((PASS_MS * SAMPLE_RATE) / 1000 / SAMPLES_PER_FRAME) * SAMPLES_PER_FRAME;
  // round the low tone to a whole number of cycles per pass so the loop joins in phase
  const lowFreq = Math.round((LOW_TONE.freq * n) / SAMPLE_RATE) / (n / SAMPLE_RATE);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / SAMPLE_RATE;
    let v = LOW_TONE.level * Math.sin(2 * Math.PI * lowFreq * t);
    for (const note of CHIME) v += chimeSample(note, t * 1000);
    out[i] = Math.round(32767 * Math.max(-1, Math.min(1, v)));
  }
  return out;
}

function chimeSample(note: ChimeNote, ms: number): number {
  const rel = ms - note.startMs;
  if (rel < 0 || ms >= CHIME_END_MS) return 0;
  const attack = Math.min(1, rel / ATTACK_MS);
  const fadeOut = Math.min(1, (CHIME_END_MS - ms) / 100);
  const env = note.level * attack * fadeOut * Math.exp(-rel / note.decayMs);
  const phase = 2 * Math.PI * note.freq * (rel / 1000);
  return env * (Math.sin(phase) + 0.25 * Math.sin(2 * phase));
}

const cache = new Map<Codec['name'], Uint8Array>();

/** The demo prompt encoded for a codec (computed once per codec), set to loop. */
export function demoPrompt(codec: Codec['name']): Prompt {
  let payload = cache.get(codec);
  if (!payload) {
    payload = g711(codec).encode(demoPromptPcm());
    cache.set(codec, payload);
  }
  return { id: DEMO_PROMPT_ID, payload, loop: true };
}
