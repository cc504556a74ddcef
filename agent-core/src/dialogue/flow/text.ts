/**
 * Text helpers of the flow engine: word lists from transcripts, a light stemmer, a bounded edit distance for
 * STT spelling slack, and the speakable forms the TTS reads well (digits as words, codes spelled out, times
 * as "ten thirty A M").
 */
import { tokenize } from '../../privacy/spoken-digits.js';

/** Lower-case word tokens of a transcript (apostrophes inside words kept, curly ones made straight). */
export function words(text: string): string[] {
  return tokenize(text.replace(/[’‘]/g, "'")).map((t) => t.lower);
}

/** Words that carry no intent by themselves: never fuzzy-matched, left out of phrase overlap. */
export const STOPWORDS = new Set([
  'a', 'an', 'the', 'to', 'of', 'for', 'in', 'on', 'at', 'by', 'with', 'from', 'about', 'is', 'are', 'am', 'was',
  'be', 'been', 'i', "i'd", "i'm", "i'll", "i've", 'me', 'my', 'you', 'your', 'yours', "you're", 'we', "we're",
  'us', 'our', 'it', "it's", 'its', 'this', 'that', "that's", 'and', 'or', 'but', 'do', 'does', 'did', 'can',
  'could', 'would', 'will', 'should', 'please', 'like', 'want', 'wanna', 'what', "what's", 'when', 'how', 'just',
  'uh', 'um', 'er', 'erm', 'ah', 'oh', 'so', 'hi', 'hello', 'hey', 'get', 'have', 'has', 'need', 'there', 'some',
  'any', 'all', 'if', 'then', 'know', 'tell', 'let', 'okay', 'ok', 'well', 'yes', 'yeah', 'no', 'not', 'thanks',
  'thank', 'up', 'out', 'as', 'going', 'gonna', 'make', 'give', 'one', 'he', 'she', 'they', 'them', 'him',
  'her', 'really', 'actually', 'maybe',
]);

/** A crude suffix stripper so "bookings", "booked", "booking" and "book" meet. */
export function stem(word: string): string {
  let w = word.replace(/'s$/, '');
  if (w.length > 5 && w.endsWith('ies')) return w.slice(0, -3) + 'y';
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  return w;
}

/** Levenshtein distance, or max + 1 as soon as it must exceed `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/** Number words: one letter apart from common words ("four"/"hour", "nine"/"line"), so never fuzzy. */
const EXACT_ONLY = new Set([
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen', 'twenty', 'thirty', 'forty',
  'fifty', 'sixty', 'seventy', 'eighty', 'ninety', 'hundred', 'thousand', 'double', 'triple',
]);

/**
 * How well a heard word stands for an expected one, 0..1: 1 for the same word or stem, 0.8 for one edit
 * (both at least 4 letters), 0.7 for two edits (both at least 7 letters), else 0. Stop words and number words
 * only match exactly.
 */
export function wordSimilarity(heard: string, expected: string): number {
  if (heard === expected) return 1;
  const h = stem(heard);
  const e = stem(expected);
  if (h === e) return 1;
  if (STOPWORDS.has(heard) || STOPWORDS.has(expected) || EXACT_ONLY.has(heard) || EXACT_ONLY.has(expected)) return 0;
  let best = 0;
  for (const [a, b] of [[heard, expected], [h, e]] as const) {
    const len = Math.min(a.length, b.length);
    if (len < 4) continue;
    const d = editDistance(a, b, 2);
    if (d <= 1) best = Math.max(best, 0.8);
    else if (d === 2 && len >= 7) best = Math.max(best, 0.7);
  }
  return best;
}

const DIGIT_NAMES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const TEEN_NAMES = ['ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS_NAMES = ['', '', 'twenty', 'thirty', 'forty', 'fifty'];

/** 0..59 as words ("forty five"). */
export function numberWords(n: number): string {
  if (n < 10) return DIGIT_NAMES[n]!;
  if (n < 20) return TEEN_NAMES[n - 10]!;
  const tens = TENS_NAMES[Math.floor(n / 10)]!;
  return n % 10 === 0 ? tens : `${tens} ${DIGIT_NAMES[n % 10]!}`;
}

/**
 * Digit groups for reading a number back: 3-4, 3-3-4, 1-3-3-4 (11 digits after a 1), 5-3-3 (11 digits after
 * a 0), else threes with a last group of up to four.
 */
function digitGroups(digits: string): number[] {
  const n = digits.length;
  if (n === 11 && digits.startsWith('1')) return [1, 3, 3, 4];
  if (n === 11 && digits.startsWith('0')) return [5, 3, 3];
  const out: number[] = [];
  let left = n;
  while (left > 4) {
    out.push(3);
    left -= 3;
  }
  if (left > 0) out.push(left);
  return out;
}

/** "5551234" → "five five five, one two three four" (groups with pauses, as people read numbers). */
export function speakDigits(digits: string): string {
  const only = digits.replace(/\D/g, '');
  const groups: string[] = [];
  let at = 0;
  for (const len of digitGroups(only)) {
    groups.push([...only.slice(at, at + len)].map((d) => DIGIT_NAMES[Number(d)]!).join(' '));
    at += len;
  }
  return groups.join(', ');
}

/** A code read out one character at a time: "RC-1042" → "R C, one zero four two". */
export function spell(code: string): string {
  const parts = code.match(/[A-Za-z]+|\d+/g) ?? [];
  return parts
    .map((p) => (/^\d/.test(p) ? [...p].map((d) => DIGIT_NAMES[Number(d)]!).join(' ') : p.toUpperCase().split('').join(' ')))
    .join(', ');
}

/** "HH:MM" (24 h) → "ten A M", "two thirty P M", "ten oh five A M", "twelve noon". */
export function speakTime(hhmm: string): string | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 23 || min > 59) return undefined;
  if (min === 0 && h === 12) return 'twelve noon';
  if (min === 0 && h === 0) return 'twelve midnight';
  const h12 = h % 12 === 0 ? 12 : h % 12;
  const minutes = min === 0 ? '' : min < 10 ? ` oh ${numberWords(min)}` : ` ${numberWords(min)}`;
  return `${numberWords(h12)}${minutes} ${h < 12 ? 'A M' : 'P M'}`;
}

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** "tuesday" → "Tuesday" */
export function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Splits spoken text into sentences (after . ! or ?), keeping their punctuation. */
export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
