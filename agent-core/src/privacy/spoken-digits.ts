/**
 * Speech-aware number reading. Transcripts spell numbers the way callers say them ("four one one one",
 * "double five", "oh" for zero, "twelve thirty four", "nineteen eighty five") as well as in digits, often both
 * at once and broken up by commas or dashes where the caller paused. This file splits text into word tokens
 * with character offsets, reads one spoken or written number at a token, and groups adjacent numbers into runs
 * of digits that keep their offsets back into the original text, so a detector can redact exactly what was said.
 */

/** A word of the original text: letters and/or digits, apostrophes inside words kept ("O'Brien", "name's"). */
export interface Token {
  text: string;
  lower: string;
  start: number;
  end: number;
}

/** One number as said: its digits and the character range it covers. */
export interface NumberUnit {
  digits: string;
  start: number;
  end: number;
  /** first and one-past-last token index consumed */
  from: number;
  to: number;
  /** written with digit characters rather than words */
  literal: boolean;
}

/** Adjacent numbers read as one digit string, e.g. a card number said in four groups. */
export interface DigitRun {
  digits: string;
  start: number;
  end: number;
  units: NumberUnit[];
  /** digit counts of the groups the caller marked with punctuation or wrote as separate numbers */
  groups: number[];
}

const TOKEN = /[A-Za-z0-9]+(?:['’][A-Za-z]+)*/g;

/** Splits text into word tokens with their offsets. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(TOKEN)) {
    out.push({ text: m[0], lower: m[0].toLowerCase(), start: m.index, end: m.index + m[0].length });
  }
  return out;
}

/** zero..nine, with the spoken variants of zero */
export const DIGIT_WORDS: Record<string, number> = {
  zero: 0, oh: 0, o: 0, nought: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9,
};
const TEENS: Record<string, number> = {
  ten: 10, eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
};
const TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };
const REPEAT: Record<string, number> = { double: 2, triple: 3 };
/** hesitations that may sit inside a number without ending it */
const FILLERS = new Set(['uh', 'um', 'er', 'erm', 'ah']);
const FILLER_WORDS = /\b(?:uh|um|er|erm|ah)\b/gi;

/** 1..9 as a word (not the zero variants: "oh hundred" is not a number) */
function oneToNine(t: Token | undefined): number | undefined {
  if (!t) return undefined;
  const v = DIGIT_WORDS[t.lower];
  return v !== undefined && v > 0 ? v : undefined;
}

/** Reads a value below 100 said as words ("seven", "fifteen", "forty two"); returns it and tokens used. */
function readBelowHundred(tokens: Token[], i: number): { value: number; used: number } | undefined {
  const t = tokens[i];
  if (!t) return undefined;
  const d = oneToNine(t);
  if (d !== undefined) return { value: d, used: 1 };
  const teen = TEENS[t.lower];
  if (teen !== undefined) return { value: teen, used: 1 };
  const tens = TENS[t.lower];
  if (tens !== undefined) {
    const ones = oneToNine(tokens[i + 1]);
    return ones !== undefined ? { value: tens + ones, used: 2 } : { value: tens, used: 1 };
  }
  return undefined;
}

/** After "hundred"/"thousand": an optional "and" then a smaller value. */
function readRest(tokens: Token[], i: number): { value: number; used: number } {
  const skip = tokens[i]?.lower === 'and' ? 1 : 0;
  const r = readBelowHundred(tokens, i + skip);
  return r ? { value: r.value, used: r.used + skip } : { value: 0, used: 0 };
}

/**
 * Reads the number that starts at token i, if any: digit characters, a digit word, "double"/"triple" + digit,
 * a teen, a tens word with its optional unit, or a count of hundreds or thousands. Returns undefined otherwise.
 */
export function numberAt(tokens: Token[], i: number): NumberUnit | undefined {
  const t = tokens[i];
  if (!t) return undefined;
  const unit = (digits: string, used: number, literal = false): NumberUnit => ({
    digits, start: t.start, end: tokens[i + used - 1]!.end, from: i, to: i + used, literal,
  });
  if (/^\d+$/.test(t.text)) return unit(t.text, 1, true);
  const rep = REPEAT[t.lower];
  if (rep !== undefined) {
    const next = tokens[i + 1];
    const d = next ? DIGIT_WORDS[next.lower] : undefined;
    return d === undefined ? undefined : unit(String(d).repeat(rep), 2);
  }
  const zero = DIGIT_WORDS[t.lower];
  if (zero === 0) return unit('0', 1);
  const small = readBelowHundred(tokens, i);
  if (!small) return undefined;
  const mult = tokens[i + small.used]?.lower;
  if (mult === 'hundred' && small.value < 100) {
    const rest = readRest(tokens, i + small.used + 1);
    return unit(String(small.value * 100 + rest.value), small.used + 1 + rest.used);
  }
  if (mult === 'thousand' && small.value < 10) {
    const at = i + small.used + 1;
    const hundreds = oneToNine(tokens[at]);
    if (hundreds !== undefined && tokens[at + 1]?.lower === 'hundred') {
      const rest = readRest(tokens, at + 2);
      return unit(String(small.value * 1000 + hundreds * 100 + rest.value), small.used + 3 + rest.used);
    }
    const rest = readRest(tokens, at);
    return unit(String(small.value * 1000 + rest.value), small.used + 1 + rest.used);
  }
  return unit(String(small.value), small.used);
}

/** Text between two tokens that may sit inside one number: spaces, pauses, dashes, dots, parentheses. */
const JOIN_GAP = /^[\s,.\-–—()+]*$/;
const BREAK_GAP = /[,.\-–—()]/;

/** Reads the run of adjacent numbers starting at token i (fillers and pause punctuation allowed between). */
export function runAt(text: string, tokens: Token[], i: number): DigitRun | undefined {
  const first = numberAt(tokens, i);
  if (!first) return undefined;
  const units = [first];
  const groups = [first.digits.length];
  let at = first.to;
  for (;;) {
    const prev = units[units.length - 1]!;
    let j = at;
    while (tokens[j] && FILLERS.has(tokens[j]!.lower)) j++;
    const next = tokens[j];
    if (!next) break;
    const gap = text.slice(prev.end, next.start);
    if (!JOIN_GAP.test(gap.replace(FILLER_WORDS, ''))) break;
    const u = numberAt(tokens, j);
    if (!u) break;
    const brk = BREAK_GAP.test(gap) || (prev.literal && u.literal);
    if (brk) groups.push(u.digits.length);
    else groups[groups.length - 1]! += u.digits.length;
    units.push(u);
    at = u.to;
  }
  return makeRun(units, groups);
}

function makeRun(units: NumberUnit[], groups: number[]): DigitRun {
  return {
    digits: units.map((u) => u.digits).join(''),
    start: units[0]!.start,
    end: units[units.length - 1]!.end,
    units,
    groups,
  };
}

/** Every maximal digit run in the text, left to right. */
export function digitRuns(text: string, tokens: Token[] = tokenize(text)): DigitRun[] {
  const runs: DigitRun[] = [];
  for (let i = 0; i < tokens.length; ) {
    const run = runAt(text, tokens, i);
    if (!run) {
      i++;
      continue;
    }
    runs.push(run);
    i = run.units[run.units.length - 1]!.to;
  }
  return runs;
}

/** The sub-runs of a run made of whole units whose digit count lies in [min, max], longest first. */
export function subRuns(run: DigitRun, min: number, max: number): DigitRun[] {
  const out: DigitRun[] = [];
  for (let a = 0; a < run.units.length; a++) {
    let len = 0;
    for (let b = a; b < run.units.length; b++) {
      len += run.units[b]!.digits.length;
      if (len > max) break;
      if (len >= min) out.push(makeRun(run.units.slice(a, b + 1), [len]));
    }
  }
  return out.sort((x, y) => y.digits.length - x.digits.length || x.start - y.start);
}
