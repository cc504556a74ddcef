/**
 * Dates of birth, only after a cue ("born on", "date of birth", "DOB", "birthday", "birth date"), in the forms
 * callers use: "03/03/1985", "1985-03-03", "March 3rd, 1985", "march third nineteen eighty five", "the third of
 * March eighty five", "oh three oh three nineteen eighty five", "nine twelve eighty". A month and day without a year count too.
 */
import { numberAt, runAt, tokenize, type Token } from '../spoken-digits.js';
import type { PiiSpan } from '../types.js';

const CUE = /\b(born(?:\s+on)?|date\s+of\s+birth|d\.?\s?o\.?\s?b\b\.?|birth\s?date|birthday)/gi;
/** words that may sit between the cue and the date */
const CONNECTORS = new Set(['is', 'was', "it's", 'its', 'on', 'the', 'uh', 'um', "that's", 'would', 'be', 'my', 'of', 'in', 'it', 'i', 'was', 'mine']);
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const MONTH_ABBR: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12 };
const ORDINALS = [
  'first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth', 'eleventh', 'twelfth', 'thirteenth',
  'fourteenth', 'fifteenth', 'sixteenth', 'seventeenth', 'eighteenth', 'nineteenth', 'twentieth',
];
const NUMERIC = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b|^(\d{4})-(\d{2})-(\d{2})\b/;

interface Read {
  value: number;
  to: number;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function monthAt(tokens: Token[], i: number): Read | undefined {
  const w = tokens[i]?.lower;
  if (!w) return undefined;
  const m = MONTHS.indexOf(w) + 1 || MONTH_ABBR[w];
  return m ? { value: m, to: i + 1 } : undefined;
}

/** "third", "twenty third", "3rd", "3", "three", "twenty three" */
function dayAt(tokens: Token[], i: number): Read | undefined {
  const t = tokens[i];
  if (!t) return undefined;
  const ord = ORDINALS.indexOf(t.lower) + 1;
  if (ord) return { value: ord, to: i + 1 };
  if (t.lower === 'thirtieth') return { value: 30, to: i + 1 };
  const suffixed = /^(\d{1,2})(st|nd|rd|th)?$/.exec(t.lower);
  if (suffixed) {
    const v = Number(suffixed[1]);
    return v >= 1 && v <= 31 ? { value: v, to: i + 1 } : undefined;
  }
  if ((t.lower === 'twenty' || t.lower === 'thirty') && tokens[i + 1]) {
    const o = ORDINALS.indexOf(tokens[i + 1]!.lower) + 1;
    if (o >= 1 && o <= 9) return { value: (t.lower === 'twenty' ? 20 : 30) + o, to: i + 2 };
  }
  const u = numberAt(tokens, i);
  if (u && !u.literal && u.digits !== '0') {
    const v = Number(u.digits);
    if (v >= 1 && v <= 31) return { value: v, to: u.to };
  }
  return undefined;
}

/** "1985", "'85", "nineteen eighty five", "nineteen oh five", "two thousand three", "eighty five" */
function yearAt(tokens: Token[], i: number): Read | undefined {
  const first = numberAt(tokens, i);
  if (!first) return undefined;
  let digits = first.digits;
  let to = first.to;
  while (digits.length < 4) {
    const u = numberAt(tokens, to);
    if (!u || u.literal || first.literal) break;
    digits += u.digits;
    to = u.to;
  }
  if (/^(19|20)\d\d$/.test(digits)) return { value: Number(digits), to };
  if (/^\d\d$/.test(digits)) return { value: Number(digits), to };
  return undefined;
}

/** Reads a date starting at token i; returns its end token and normal form (YYYY-MM-DD, year may be missing). */
function dateAt(text: string, tokens: Token[], i: number): { end: number; value: string } | undefined {
  const t = tokens[i]!;
  const numeric = NUMERIC.exec(text.slice(t.start));
  if (numeric) {
    const end = t.start + numeric[0].length;
    const value = numeric[4] ? `${numeric[4]}-${numeric[5]}-${numeric[6]}` : `${numeric[3]}-${pad(Number(numeric[1]))}-${pad(Number(numeric[2]))}`;
    return { end, value };
  }
  const finish = (month: number, day: number, after: number): { end: number; value: string } => {
    let at = after;
    if (tokens[at]?.lower === 'of' || tokens[at]?.lower === 'in') at++;
    const year = yearAt(tokens, at);
    const last = year ? year.to : after;
    return { end: tokens[last - 1]!.end, value: `${year ? year.value : '????'}-${pad(month)}-${pad(day)}` };
  };
  const month = monthAt(tokens, i);
  if (month) {
    const day = dayAt(tokens, month.to);
    if (day) return finish(month.value, day.value, day.to);
    return undefined;
  }
  const day = dayAt(tokens, i);
  if (day && tokens[day.to]?.lower === 'of') {
    const m = monthAt(tokens, day.to + 1);
    if (m) return finish(m.value, day.value, m.to);
  }
  // all digits: MMDDYYYY or MMDDYY, spoken or written
  const run = runAt(text, tokens, i);
  // three numbers said apart: "nine twelve eighty", "3 14 1962"
  const [m, d, y] = run?.units ?? [];
  if (run && run.units.length === 3 && m!.digits.length <= 2 && d!.digits.length <= 2 && /^(\d\d|19\d\d|20\d\d)$/.test(y!.digits)) {
    const mm = Number(m!.digits);
    const dd = Number(d!.digits);
    if (mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31) return { end: run.end, value: `${y!.digits}-${pad(mm)}-${pad(dd)}` };
  }
  if (run && (run.digits.length === 8 || run.digits.length === 6)) {
    const mm = Number(run.digits.slice(0, 2));
    const dd = Number(run.digits.slice(2, 4));
    if (mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31) return { end: run.end, value: `${run.digits.slice(4)}-${pad(mm)}-${pad(dd)}` };
  }
  return undefined;
}

/** Finds dates of birth in the text. */
export function detectDatesOfBirth(text: string): PiiSpan[] {
  const tokens = tokenize(text);
  const out: PiiSpan[] = [];
  for (const cue of text.matchAll(CUE)) {
    const cueEnd = cue.index + cue[0].length;
    let i = tokens.findIndex((t) => t.start >= cueEnd);
    for (let skipped = 0; i >= 0 && i < tokens.length && skipped < 4 && CONNECTORS.has(tokens[i]!.lower); skipped++) i++;
    if (i < 0 || i >= tokens.length) continue;
    const date = dateAt(text, tokens, i);
    if (date) out.push({ type: 'DATE_OF_BIRTH', start: tokens[i]!.start, end: date.end, normalized: date.value });
  }
  return out;
}
