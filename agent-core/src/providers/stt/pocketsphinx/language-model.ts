/**
 * Builds the small bigram language model (ARPA text) that constrains PocketSphinx to what the agent expects
 * callers to say. The input is the agent's `SttHints` (phrases and single words); the output is an ARPA file
 * with unigrams and bigrams, smoothed with interpolated absolute discounting, and written so that the
 * decoder's backoff reproduces the interpolated distribution exactly (backoff weight = the discounted mass).
 *
 * Text is normalised the way the decoder's dictionary spells words: lower case, punctuation dropped
 * (apostrophes inside words kept: "that's"), numbers spelled out ("10" → "ten", "5551234" → digit by digit,
 * "3rd" → "third", "10:30" → "ten thirty"). Words the pronunciation dictionary lacks are dropped (PocketSphinx
 * silently ignores them, which would waste probability mass); a phrase with a dropped word keeps its other
 * words but no bigram bridges the gap. A base vocabulary (digits, "oh", yes/no, fillers) is always included so
 * callers can say numbers and hesitate anywhere.
 *
 * The output is deterministic: the same hints (in any order) give byte-identical ARPA text and the same key.
 */

import { createHash } from 'node:crypto';

export const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] as const;

/** hesitations the model accepts everywhere; the adapter removes them from transcripts */
export const FILLER_WORDS = ['um', 'uh', 'hmm'] as const;

/** always in the model, whatever the hints say */
export const DEFAULT_BASE_WORDS: readonly string[] = [...DIGIT_WORDS, 'oh', 'yes', 'no', 'yeah', 'okay', ...FILLER_WORDS];

const SENTENCE_START = '<s>';
const SENTENCE_END = '</s>';
/** log10 probability written for impossible events (the ARPA convention for <s> as a predicted word) */
const LOG_ZERO = -99;
/** bump when the construction changes, so cached files built by an older version are not reused */
const BUILDER_VERSION = 1;

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const ORDINAL_IRREGULAR: Record<string, string> = {
  one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth', twelve: 'twelfth',
};

function below1000(n: number): string[] {
  const out: string[] = [];
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  if (hundreds > 0) out.push(ONES[hundreds]!, 'hundred');
  if (rest > 0 || hundreds === 0) {
    if (rest < 20) out.push(ONES[rest]!);
    else {
      out.push(TENS[Math.floor(rest / 10)]!);
      if (rest % 10 > 0) out.push(ONES[rest % 10]!);
    }
  }
  return out;
}

/**
 * Spells a string of digits the way a caller would say it: identifiers (leading zero, or five digits and more)
 * digit by digit, other numbers as cardinals up to 999 999 ("1200" → "one thousand two hundred").
 */
export function numberToWords(digits: string): string[] {
  if (!/^\d+$/.test(digits)) throw new Error(`numberToWords: not a digit string: ${digits}`);
  if ((digits.length > 1 && digits.startsWith('0')) || digits.length >= 5) {
    return [...digits].map((d) => DIGIT_WORDS[Number(d)]!);
  }
  const n = Number(digits);
  if (n < 1000) return below1000(n);
  const thousands = Math.floor(n / 1000);
  const rest = n % 1000;
  return [...below1000(thousands), 'thousand', ...(rest > 0 ? below1000(rest) : [])];
}

function toOrdinal(words: string[]): string[] {
  const last = words[words.length - 1];
  if (last === undefined) return words;
  const ordinal = ORDINAL_IRREGULAR[last] ?? (last.endsWith('y') ? `${last.slice(0, -1)}ieth` : `${last}th`);
  return [...words.slice(0, -1), ordinal];
}

/**
 * Turns text into the words the decoder knows how to spell: lower case, punctuation removed, numbers spelled
 * out. "Tomorrow at 10 a.m.!" → ["tomorrow", "at", "ten", "a", "m"].
 */
export function normalizeText(text: string): string[] {
  let t = text.toLowerCase().replace(/[\u2018\u2019\u02bc]/g, "'");
  t = t.replace(/(\d+)(st|nd|rd|th)\b/g, (_m, d: string) => ` ${toOrdinal(numberToWords(d)).join(' ')} `);
  t = t.replace(/\b(\d{1,2}):00\b/g, (_m, h: string) => ` ${h} o'clock `);
  t = t.replace(/&/g, ' and ').replace(/%/g, ' percent ').replace(/\+/g, ' plus ');
  t = t.replace(/(\d)([a-z])/g, '$1 $2').replace(/([a-z])(\d)/g, '$1 $2');
  const out: string[] = [];
  for (const raw of t.split(/[^a-z0-9']+/)) {
    const word = raw.replace(/^'+|'+$/g, '');
    if (word === '') continue;
    if (/^\d+$/.test(word)) out.push(...numberToWords(word));
    else if (/\d/.test(word)) continue; // mixed leftovers such as "1'2"
    else out.push(word);
  }
  return out;
}

export interface LanguageModelOptions {
  /** whether the decoder can pronounce a word (usually: it is in the pronunciation dictionary); default all */
  isKnownWord?: (word: string) => boolean;
  /** words always included (default DEFAULT_BASE_WORDS) */
  baseWords?: readonly string[];
  /**
   * absolute discount D in (0, 1) taken from every seen bigram count and given to the unigram (default 0.3).
   * Smaller keeps the decoder closer to the hint phrases; on the synthetic-caller corpus 0.2–0.3 gave the
   * fewest errors, also for word orders that no hint phrase had (0.5: ~10–40% more errors, 0.7: ~30–100% more).
   */
  discount?: number;
  /** add-k smoothing of the unigram counts (default 0.5) */
  unigramAdd?: number;
  /** mixed into the cache key: e.g. the identity of the dictionary the words were checked against */
  keySalt?: string;
}

export interface LanguageModel {
  /** the model in ARPA text format */
  arpa: string;
  /** every word of the model except <s> and </s>, sorted */
  vocabulary: string[];
  /** words of the hints the decoder cannot pronounce (left out), sorted */
  dropped: string[];
  /** hex digest identifying the hints and options; equal keys mean identical ARPA text */
  key: string;
}

interface Counts {
  unigram: Map<string, number>;
  /** history → next word → count */
  bigram: Map<string, Map<string, number>>;
}

function addBigram(counts: Counts, h: string, w: string): void {
  let row = counts.bigram.get(h);
  if (!row) counts.bigram.set(h, (row = new Map()));
  row.set(w, (row.get(w) ?? 0) + 1);
}

/** Counts one sentence; words not known split it into fragments that no bigram crosses. */
function countSentence(counts: Counts, words: string[], known: (w: string) => boolean): void {
  if (!words.some(known)) return;
  let prev: string | null = SENTENCE_START;
  counts.unigram.set(SENTENCE_START, (counts.unigram.get(SENTENCE_START) ?? 0) + 1);
  for (const w of words) {
    if (!known(w)) {
      prev = null;
      continue;
    }
    counts.unigram.set(w, (counts.unigram.get(w) ?? 0) + 1);
    if (prev !== null) addBigram(counts, prev, w);
    prev = w;
  }
  counts.unigram.set(SENTENCE_END, (counts.unigram.get(SENTENCE_END) ?? 0) + 1);
  if (prev !== null) addBigram(counts, prev, SENTENCE_END);
}

function fmt(logp: number): string {
  return (Object.is(logp, -0) ? 0 : logp).toFixed(6);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Builds the ARPA bigram model for a set of hints. */
export function buildLanguageModel(hints: { phrases: readonly string[]; words: readonly string[] }, options: LanguageModelOptions = {}): LanguageModel {
  const discount = options.discount ?? 0.3;
  const unigramAdd = options.unigramAdd ?? 0.5;
  if (!(discount > 0 && discount < 1)) throw new RangeError(`discount must be in (0, 1), got ${discount}`);
  if (!(unigramAdd >= 0)) throw new RangeError(`unigramAdd must be >= 0, got ${unigramAdd}`);
  const isKnown = options.isKnownWord ?? (() => true);

  // canonical sentence list: normalised, deduplicated, sorted (order and duplicates of the hints don't matter)
  const phraseSet = new Set<string>();
  for (const p of hints.phrases) {
    const words = normalizeText(p);
    if (words.length > 0) phraseSet.add(words.join(' '));
  }
  const wordSet = new Set<string>();
  for (const w of [...(options.baseWords ?? DEFAULT_BASE_WORDS), ...hints.words]) for (const x of normalizeText(w)) wordSet.add(x);
  const phrases = [...phraseSet].sort(compare);
  const singles = [...wordSet].sort(compare);

  const allWords = new Set<string>();
  for (const p of phrases) for (const w of p.split(' ')) allWords.add(w);
  for (const w of singles) allWords.add(w);
  const knownCache = new Map<string, boolean>();
  const known = (w: string): boolean => {
    let k = knownCache.get(w);
    if (k === undefined) knownCache.set(w, (k = isKnown(w)));
    return k;
  };
  const dropped = [...allWords].filter((w) => !known(w)).sort(compare);

  const counts: Counts = { unigram: new Map(), bigram: new Map() };
  for (const p of phrases) countSentence(counts, p.split(' '), known);
  for (const w of singles) countSentence(counts, [w], known);
  if (!counts.unigram.has(SENTENCE_END)) {
    throw new Error('language model: no word of the hints or base words is in the pronunciation dictionary');
  }

  // unigram distribution over every word but <s> (which is never predicted), add-k smoothed
  const predicted = [...counts.unigram.keys()].filter((w) => w !== SENTENCE_START).sort(compare);
  let total = 0;
  for (const w of predicted) total += counts.unigram.get(w)!;
  const denom = total + unigramAdd * predicted.length;
  const p1 = new Map<string, number>();
  for (const w of predicted) p1.set(w, (counts.unigram.get(w)! + unigramAdd) / denom);

  // bigrams, interpolated absolute discounting: P(w|h) = max(c(h,w) - D, 0)/c(h) + λ(h) P1(w),
  // λ(h) = D · N1+(h·)/c(h). Unseen w get λ(h) P1(w), i.e. the ARPA backoff weight of h is exactly λ(h).
  const histories = [...counts.bigram.keys()].sort(compare);
  const backoff = new Map<string, number>();
  const bigramLines: string[] = [];
  for (const h of histories) {
    const row = counts.bigram.get(h)!;
    let ch = 0;
    for (const c of row.values()) ch += c;
    const lambda = (discount * row.size) / ch;
    backoff.set(h, lambda);
    for (const w of [...row.keys()].sort(compare)) {
      const p = (row.get(w)! - discount) / ch + lambda * p1.get(w)!;
      bigramLines.push(`${fmt(Math.log10(p))} ${h} ${w}`);
    }
  }

  const unigramWords = [SENTENCE_START, ...predicted].sort(compare);
  const unigramLines = unigramWords.map((w) => {
    const logp = w === SENTENCE_START ? LOG_ZERO : Math.log10(p1.get(w)!);
    const bo = backoff.get(w);
    return bo === undefined ? `${fmt(logp)} ${w}` : `${fmt(logp)} ${w} ${fmt(Math.log10(bo))}`;
  });

  const arpa = [
    '\\data\\',
    `ngram 1=${unigramLines.length}`,
    `ngram 2=${bigramLines.length}`,
    '',
    '\\1-grams:',
    ...unigramLines,
    '',
    '\\2-grams:',
    ...bigramLines,
    '',
    '\\end\\',
    '',
  ].join('\n');

  const key = createHash('sha256')
    .update(JSON.stringify({ v: BUILDER_VERSION, phrases, singles, discount, unigramAdd, dropped, salt: options.keySalt ?? '' }))
    .digest('hex')
    .slice(0, 32);
  const vocabulary = predicted.filter((w) => w !== SENTENCE_END);
  return { arpa, vocabulary, dropped, key };
}

/** An ARPA model read back (unigrams and bigrams only), for checks and tests. */
export interface ParsedArpa {
  /** the counts announced in the \data\ section, by order */
  declared: number[];
  unigrams: Map<string, { logp: number; backoff: number }>;
  /** "history word" → log10 probability */
  bigrams: Map<string, number>;
}

/** Parses ARPA text of order ≤ 2; throws on malformed input. */
export function parseArpa(text: string): ParsedArpa {
  const lines = text.split('\n');
  const declared: number[] = [];
  const unigrams = new Map<string, { logp: number; backoff: number }>();
  const bigrams = new Map<string, number>();
  let section: 'none' | 'data' | '1' | '2' | 'end' = 'none';
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    if (line === '\\data\\') { section = 'data'; continue; }
    if (line === '\\1-grams:') { section = '1'; continue; }
    if (line === '\\2-grams:') { section = '2'; continue; }
    if (line === '\\end\\') { section = 'end'; continue; }
    const parts = line.split(/\s+/);
    const bad = (): Error => new Error(`ARPA line ${i + 1} malformed: ${line}`);
    if (section === 'data') {
      const m = /^ngram (\d+)=(\d+)$/.exec(line);
      if (!m || Number(m[1]) !== declared.length + 1) throw bad();
      declared.push(Number(m[2]));
    } else if (section === '1') {
      if (parts.length !== 2 && parts.length !== 3) throw bad();
      const logp = Number(parts[0]);
      const backoff = parts.length === 3 ? Number(parts[2]) : 0;
      if (!Number.isFinite(logp) || !Number.isFinite(backoff) || logp > 0) throw bad();
      if (unigrams.has(parts[1]!)) throw new Error(`ARPA line ${i + 1}: duplicate unigram ${parts[1]}`);
      unigrams.set(parts[1]!, { logp, backoff });
    } else if (section === '2') {
      if (parts.length !== 3) throw bad();
      const logp = Number(parts[0]);
      if (!Number.isFinite(logp) || logp > 0) throw bad();
      const k = `${parts[1]} ${parts[2]}`;
      if (bigrams.has(k)) throw new Error(`ARPA line ${i + 1}: duplicate bigram ${k}`);
      bigrams.set(k, logp);
    } else {
      throw bad();
    }
  }
  if (section !== 'end') throw new Error('ARPA text does not end with \\end\\');
  return { declared, unigrams, bigrams };
}

/** P(w | h) under a parsed bigram model, with backoff (h null: the unigram probability). */
export function arpaProbability(model: ParsedArpa, h: string | null, w: string): number {
  const u = model.unigrams.get(w);
  if (!u) return 0;
  if (h === null) return 10 ** u.logp;
  const b = model.bigrams.get(`${h} ${w}`);
  if (b !== undefined) return 10 ** b;
  const hu = model.unigrams.get(h);
  return 10 ** ((hu?.backoff ?? 0) + u.logp);
}
