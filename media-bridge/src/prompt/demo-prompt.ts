/**
 * The demo prompt, synthesised in code (no files, no external tools): a soft two-note chime (E5 then A5 with
 * a bell-like decay over a quiet partial an octave up) followed by a gentle low tone (E4, inside the telephone
 * band), so a caller on the loop never hears dead air. It stands in for the agent until agent-core streams real speech.
 */
import type { Codec } from '@callgate/contracts';
import { g711, SAMPLE_RATE, SAMPLES_PER_FRAME } from '../audio/g711.js';
import type { Prompt } from './prompt-queue.js';

export const DEMO_PROMPT_ID = 'demo';

interface Note {
  freq: number;
  ms: number;
  /** peak amplitude, 0..1 of full scale */
  level: number;
  /** exponential decay time constant in ms; undefined = steady tone */
  decayMs?: number;
}

const NOTES: Note[] = [
  { freq: 659.25, ms: 420, level: 0.35, decayMs: 180 },
  { freq: 880, ms: 620, level: 0.35, decayMs: 260 },
  { freq: 329.63, ms: 600, level: 0.1 },
];

const ATTACK_MS = 8;
const RELEASE_MS = 30;

/** The demo prompt as PCM16 at 8 kHz; its length is a whole number of 20 ms frames, so it loops seamlessly. */
export function demoPromptPcm(): Int16Array {
  const parts = NOTES.map(renderNote);
  const total = parts.reduce((n, p) => n + p.length, 0);
  const frames = Math.ceil(total / SAMPLES_PER_FRAME);
  const out = new Int16Array(frames * SAMPLES_PER_FRAME);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  // the padding after the last note stays 0 for under 20 ms: a click-free seam, not audible silence
  return out;
}

function renderNote(note: Note): Int16Array {
  const n = Math.round((note.ms * SAMPLE_RATE) / 1000);
  const attack = (ATTACK_MS * SAMPLE_RATE) / 1000;
  const release = (RELEASE_MS * SAMPLE_RATE) / 1000;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / SAMPLE_RATE;
    let env = Math.min(1, i / attack, (n - 1 - i) / release);
    if (note.decayMs !== undefined) env *= Math.exp((-t * 1000) / note.decayMs);
    const tone = Math.sin(2 * Math.PI * note.freq * t) + (note.decayMs !== undefined ? 0.25 * Math.sin(4 * Math.PI * note.freq * t) : 0);
    out[i] = Math.round(32767 * note.level * env * tone * (note.decayMs !== undefined ? 0.8 : 1));
  }
  return out;
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
