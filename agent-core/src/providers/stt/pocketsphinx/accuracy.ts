/**
 * Accuracy and speed of the PocketSphinx adapter on synthetic callers: the demo agent's front-desk phrases
 * spoken by espeak-ng and by flite voices (slt, rms), converted to 8 kHz PCM16 with sox, pushed through the
 * adapter in 20 ms frames (faster than real time, but the engine is allowed to catch up before each flush so
 * the flush → final delay is what a real-time call would see), one stream per voice as in a call.
 */

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SttEvent, SttHints } from '../../ports.js';
import { normalizeText } from './language-model.js';
import { PocketSphinxStt, type PocketSphinxSttOptions, type PocketSphinxStream } from './pocketsphinx-stt.js';

const run = promisify(execFile);

export interface CorpusUtterance {
  text: string;
  /** word(s) that must appear (in order, adjacent) in the transcript for the utterance to count as understood */
  keyword: string;
}

/** the demo agent's front-desk vocabulary */
export const FRONT_DESK_CORPUS: readonly CorpusUtterance[] = [
  { text: 'what are your opening hours', keyword: 'hours' },
  { text: 'when are you open', keyword: 'open' },
  { text: 'i would like to book an appointment', keyword: 'appointment' },
  { text: 'book an appointment for tuesday', keyword: 'tuesday' },
  { text: 'tomorrow at ten a m', keyword: 'ten' },
  { text: 'yes please', keyword: 'yes' },
  { text: 'no thanks', keyword: 'no' },
  { text: 'can i talk to a human', keyword: 'human' },
  { text: 'please call me back', keyword: 'call me back' },
  { text: 'my number is five five five one two three four', keyword: 'five five five one two three four' },
  { text: "that's all thank you goodbye", keyword: 'goodbye' },
  { text: 'monday at three p m', keyword: 'monday' },
];

/** what the demo agent's flow would hand the recogniser: its phrases plus a few it expects but the corpus lacks */
export const FRONT_DESK_HINTS: SttHints = {
  phrases: [
    ...FRONT_DESK_CORPUS.map((u) => u.text),
    'i want to cancel my appointment',
    'what is your address',
    'is anybody there',
    'sorry i did not catch that',
    'how much does it cost',
  ],
  words: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'morning', 'afternoon',
    'a.m.', 'p.m.', 'eleven', 'twelve', 'thank you', 'hello', 'help'],
};

export type VoiceId = 'espeak-ng' | 'flite-slt' | 'flite-rms';
export const DEFAULT_VOICES: readonly VoiceId[] = ['espeak-ng', 'flite-slt', 'flite-rms'];

/** Speaks `text` with a synthetic voice and returns it as 8 kHz mono PCM16 (needs espeak-ng / flite and sox). */
export async function synthesize(text: string, voice: VoiceId, workDir: string, name: string): Promise<Int16Array> {
  const wav = join(workDir, `${name}.wav`);
  const raw = join(workDir, `${name}.raw`);
  if (voice === 'espeak-ng') await run('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', wav, text]);
  else await run('flite', ['-voice', voice.slice('flite-'.length), '-t', text, '-o', wav]);
  await run('sox', ['-R', wav, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed', raw]);
  const b = await readFile(raw);
  const out = new Int16Array(b.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = b.readInt16LE(2 * i);
  return out;
}

/** Word-level edit distance (substitutions + insertions + deletions). */
export function wordEdits(ref: readonly string[], hyp: readonly string[]): number {
  let prev = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const cur = [i];
    for (let j = 1; j <= hyp.length; j++) {
      const sub = prev[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      cur.push(Math.min(sub, prev[j]! + 1, cur[j - 1]! + 1));
    }
    prev = cur;
  }
  return prev[hyp.length]!;
}

/** Whether the words of `keyword` occur, adjacent and in order, in `text` (both normalised). */
export function containsKeyword(text: string, keyword: string): boolean {
  const t = normalizeText(text);
  const k = normalizeText(keyword);
  if (k.length === 0) return true;
  for (let i = 0; i + k.length <= t.length; i++) if (k.every((w, j) => t[i + j] === w)) return true;
  return false;
}

export interface UtteranceResult {
  voice: VoiceId;
  reference: string;
  hypothesis: string;
  keywordHit: boolean;
  edits: number;
  referenceWords: number;
  audioMs: number;
  /** partial events seen before the final */
  partials: number;
  flushToFinalMs: number;
  cpuMs: number;
  /** the final's confidence (mean word posterior) */
  confidence: number;
}

export interface VoiceAccuracy {
  voice: VoiceId;
  utterances: number;
  wer: number;
  keywordHitRate: number;
}

export interface AccuracyReport {
  utterances: number;
  /** word error rate over all utterances (total edits / total reference words) */
  wer: number;
  keywordHitRate: number;
  /** cold start of one helper process: spawn → decoder ready (median over the voices' streams that were cold) */
  startupMs: number;
  /** the helper's own decoder creation time (model, cut-down dictionary, language model) */
  decoderInitMs: number;
  /** start() of the very first stream: dictionary load + language model build + cold process */
  firstStartMs: number;
  /** start() when a warm process for the hints was in the pool (NaN when the pool was disabled) */
  warmStartMs: number;
  finalAfterFlushMsP50: number;
  finalAfterFlushMsMax: number;
  /** helper CPU time / audio time */
  realTimeFactor: number;
  /** peak resident memory of one helper process */
  rssMb: number;
  /** share of utterances of 2 s and more that had at least one partial before their final */
  partialsBeforeFinalRate: number;
  perVoice: VoiceAccuracy[];
  results: UtteranceResult[];
}

export interface AccuracyOptions {
  /** adapter options (pool size, paths, decoder options) */
  stt?: PocketSphinxSttOptions;
  voices?: readonly VoiceId[];
  corpus?: readonly CorpusUtterance[];
  hints?: SttHints;
  /** silence pushed before and after every utterance, like the pause around a caller's turn (default 300) */
  silenceMs?: number;
  /** voices decoded at the same time, each in its own stream (default 1: latencies measured without contention) */
  concurrency?: number;
  /** told one line per utterance */
  log?: (line: string) => void;
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function readRssMb(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function pool<T, R>(items: readonly T[], limit: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

/** Pushes one utterance, waits for the engine to catch up, flushes, returns the final and what came before. */
async function recognise(stream: PocketSphinxStream, sink: EventSink, pcm: Int16Array, silenceMs: number): Promise<{ text: string; partials: number; flushToFinalMs: number }> {
  const frame = 160;
  const silence = new Int16Array(Math.round((silenceMs * 8000) / 1000));
  let partials = 0;
  let finalText: string | undefined;
  let error: Error | undefined;
  let wake: (() => void) | undefined;
  sink.listener = (e: SttEvent): void => {
    if (e.type === 'partial' && finalText === undefined) partials++;
    else if (e.type === 'final') finalText = e.text;
    else if (e.type === 'error') error = e.error;
    wake?.();
  };
  const audio = new Int16Array(silence.length * 2 + pcm.length);
  audio.set(pcm, silence.length);
  for (let i = 0; i < audio.length; i += frame) stream.push(audio.subarray(i, Math.min(i + frame, audio.length)));
  await stream.drain();
  const t0 = performance.now();
  stream.flush();
  const deadline = setTimeout(() => {
    error ??= new Error('accuracy: no final within 30 s of flush()');
    wake?.();
  }, 30000);
  while (finalText === undefined && error === undefined) await new Promise<void>((r) => (wake = r));
  clearTimeout(deadline);
  sink.listener = undefined;
  if (error) throw error;
  return { text: finalText!, partials, flushToFinalMs: performance.now() - t0 };
}

/** forwards a stream's events to whoever is waiting for the current utterance */
interface EventSink {
  listener?: ((e: SttEvent) => void) | undefined;
}

/** Runs the corpus through the adapter, one stream (call) per voice, and measures accuracy and speed. */
export async function measureAccuracy(opts: AccuracyOptions = {}): Promise<AccuracyReport> {
  const voices = opts.voices ?? DEFAULT_VOICES;
  const corpus = opts.corpus ?? FRONT_DESK_CORPUS;
  const hints = opts.hints ?? FRONT_DESK_HINTS;
  const silenceMs = opts.silenceMs ?? 300;
  const workDir = await mkdtemp(join(tmpdir(), 'callgate-stt-acc-'));
  const stt = new PocketSphinxStt(opts.stt);
  try {
    const jobs = voices.flatMap((voice) => corpus.map((u, i) => ({ voice, u, name: `${voice}-${i}` })));
    const audioByJob = await pool(jobs, 2, (j) => synthesize(j.u.text, j.voice, workDir, j.name));

    const startupMs: number[] = [];
    const decoderInitMs: number[] = [];
    let firstStartMs = NaN;
    let warmStartMs = NaN;
    let rssMb = 0;
    const byVoice = await pool(voices, Math.max(1, opts.concurrency ?? 1), async (voice, v) => {
      const out: UtteranceResult[] = [];
      const ac = new AbortController();
      const t = performance.now();
      const stream = await stt.start({ sessionId: `accuracy-${voice}`, hints }, ac.signal);
      const took = performance.now() - t;
      if (v === 0) firstStartMs = took;
      else if (stream.fromPool && Number.isNaN(warmStartMs)) warmStartMs = took;
      if (!stream.fromPool && stream.startupMs !== undefined) startupMs.push(stream.startupMs);
      if (stream.decoderInitMs !== undefined) decoderInitMs.push(stream.decoderInitMs);
      const sink: EventSink = {};
      stream.onEvent((e) => sink.listener?.(e));
      try {
        for (const [i, u] of corpus.entries()) {
          const pcm = audioByJob[v * corpus.length + i]!;
          const r = await recognise(stream, sink, pcm, silenceMs);
          const ref = normalizeText(u.text);
          const hyp = normalizeText(r.text);
          const res: UtteranceResult = {
            voice,
            reference: u.text,
            hypothesis: r.text,
            keywordHit: containsKeyword(r.text, u.keyword),
            edits: wordEdits(ref, hyp),
            referenceWords: ref.length,
            audioMs: (pcm.length / 8000) * 1000,
            partials: r.partials,
            flushToFinalMs: r.flushToFinalMs,
            cpuMs: stream.lastUtterance?.cpuMs ?? NaN,
            confidence: stream.lastUtterance?.confidence ?? 0,
          };
          out.push(res);
          opts.log?.(`${voice} #${i} ${res.keywordHit ? 'HIT ' : 'MISS'} "${u.text}" → "${r.text}" ` +
            `(${(res.audioMs / 1000).toFixed(2)} s audio, ${res.partials} partials, final ${res.flushToFinalMs.toFixed(0)} ms after flush, confidence ${res.confidence.toFixed(2)})`);
        }
        rssMb = Math.max(rssMb, readRssMb(stream.pid), (stream.lastUtterance?.maxRssKb ?? 0) / 1024);
      } finally {
        await stream.close();
      }
      return out;
    });
    const results = byVoice.flat();

    const sum = (rs: UtteranceResult[], f: (r: UtteranceResult) => number): number => rs.reduce((a, r) => a + f(r), 0);
    const summarise = (rs: UtteranceResult[]): { wer: number; keywordHitRate: number } => ({
      wer: sum(rs, (r) => r.edits) / Math.max(1, sum(rs, (r) => r.referenceWords)),
      keywordHitRate: rs.filter((r) => r.keywordHit).length / Math.max(1, rs.length),
    });
    const long = results.filter((r) => r.audioMs >= 2000);
    return {
      utterances: results.length,
      ...summarise(results),
      startupMs: median(startupMs),
      decoderInitMs: median(decoderInitMs),
      firstStartMs,
      warmStartMs,
      finalAfterFlushMsP50: median(results.map((r) => r.flushToFinalMs)),
      finalAfterFlushMsMax: Math.max(...results.map((r) => r.flushToFinalMs)),
      realTimeFactor: sum(results, (r) => r.cpuMs) / Math.max(1, sum(results, (r) => r.audioMs + 2 * silenceMs)),
      rssMb,
      partialsBeforeFinalRate: long.filter((r) => r.partials > 0).length / Math.max(1, long.length),
      perVoice: voices.map((voice) => ({
        voice,
        utterances: results.filter((r) => r.voice === voice).length,
        ...summarise(results.filter((r) => r.voice === voice)),
      })),
      results,
    };
  } finally {
    await stt.close();
    await rm(workDir, { recursive: true, force: true });
  }
}
