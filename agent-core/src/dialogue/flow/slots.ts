/**
 * Slot readers: pull a day, a time, a phone number, an email address, a yes/no or free text out of what
 * speech-to-text heard.
 * Transcripts are imperfect ("tuesdays", "to day", "ten a m", "oh" for zero, "to" for two), so each reader
 * accepts the usual variants. A reader runs in one of two modes: `asked` (the slot's own question was just
 * put, so a bare "ten" is a time) or `extract` (picking up a value said in passing, which needs a cue: "at ten",
 * "ten a m").
 */
import type { FlowSlot } from '@callgate/contracts';
import { detectEmails } from '../../privacy/detectors/email.js';
import { DIGIT_WORDS, digitRuns, tokenize } from '../../privacy/spoken-digits.js';
import { WEEKDAYS, capitalize, editDistance, numberWords, speakDigits, speakTime, stem, words, type Weekday } from './text.js';

/** A filled slot: `value` goes into tool arguments, `spoken` into templates. */
export interface SlotValue {
  value: string | boolean;
  spoken: string;
}

export type ParseMode = 'asked' | 'extract';

/** What relative days are resolved against. */
export interface DayContext {
  now: Date;
  timezone: string;
}

// ---------------------------------------------------------------------------------------------------- day

type DayWord = Weekday | 'today' | 'tomorrow';

const DAY_ALIASES: Record<string, DayWord> = {
  mon: 'monday', tue: 'tuesday', tues: 'tuesday', tusday: 'tuesday', tuseday: 'tuesday', wed: 'wednesday',
  weds: 'wednesday', wensday: 'wednesday', wendsday: 'wednesday', wednsday: 'wednesday', thu: 'thursday',
  thur: 'thursday', thurs: 'thursday', thirsday: 'thursday', thursay: 'thursday', fri: 'friday', saterday: 'saturday',
  satuday: 'saturday', today: 'today', tonight: 'today', tomorrow: 'tomorrow', tomorow: 'tomorrow',
  tommorow: 'tomorrow', tommorrow: 'tomorrow', tmrw: 'tomorrow', '2morrow': 'tomorrow',
};
for (const d of WEEKDAYS) DAY_ALIASES[d] = d;

/** One word (or two run together: "fri day", "to day") read as a day name, with one edit of slack. */
function dayWord(word: string): DayWord | undefined {
  const w = word.replace(/'s$/, '');
  const exact = DAY_ALIASES[w] ?? DAY_ALIASES[stem(w)];
  if (exact) return exact;
  if (w.length < 5) return undefined;
  const near = WEEKDAYS.filter((d) => editDistance(w, d, 1) <= 1);
  if (near.length === 1) return near[0];
  if (w.length >= 6 && editDistance(w, 'tomorrow', 2) <= 2) return 'tomorrow';
  return undefined;
}

/** The weekday `offset` days after `now`, in `timezone`. */
export function weekdayIn(ctx: DayContext, offset = 0): Weekday {
  const at = new Date(ctx.now.getTime() + offset * 86_400_000);
  const name = new Intl.DateTimeFormat('en-US', { weekday: 'long', timeZone: ctx.timezone }).format(at).toLowerCase();
  return (WEEKDAYS as readonly string[]).includes(name) ? (name as Weekday) : 'monday';
}

/** monday…sunday, today, tomorrow, the day after tomorrow → a weekday (value lower-case, spoken capitalised). */
export function parseDay(text: string, ctx: DayContext): SlotValue | undefined {
  const ws = words(text);
  const joined = ws.join(' ');
  let day: Weekday | undefined;
  if (/\bday after (?:tomorrow|tomorow|tommorow)\b/.test(joined)) day = weekdayIn(ctx, 2);
  for (let i = 0; !day && i < ws.length; i++) {
    const pair = i + 1 < ws.length ? dayWord(ws[i]! + ws[i + 1]!) : undefined;
    const found = pair ?? dayWord(ws[i]!);
    if (found === 'today') day = weekdayIn(ctx, 0);
    else if (found === 'tomorrow') day = weekdayIn(ctx, 1);
    else if (found) day = found;
  }
  return day ? { value: day, spoken: capitalize(day) } : undefined;
}

// --------------------------------------------------------------------------------------------------- time

const HOUR_WORDS: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
};
/** words STT writes for a number it heard; only taken for one where a number is plainly meant */
const HOMOPHONES: Record<string, number> = { to: 2, too: 2, for: 4, fore: 4, won: 1, ate: 8, tree: 3 };
const TIME_CUES = new Set(['at', 'around', 'about', 'say', 'by', 'before', 'after', 'from']);
const TEENS: Record<string, number> = {
  ten: 10, eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
};
const TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50 };

type Meridiem = 'am' | 'pm';
interface Read<T> {
  value: T;
  used: number;
}

/** "10am", "3pm", "1030am" are one token each: split the meridiem off. */
function splitMeridiem(ws: string[]): string[] {
  const out: string[] = [];
  for (const w of ws) {
    const m = /^(\d{1,4})([ap])m$/.exec(w);
    if (m) out.push(m[1]!, `${m[2]!}m`);
    else out.push(w);
  }
  return out;
}

function meridiemAt(ws: string[], i: number): Read<Meridiem> | undefined {
  const w = ws[i];
  if (w === 'am' || w === 'pm') return { value: w, used: 1 };
  if ((w === 'a' || w === 'p') && ws[i + 1] === 'm') return { value: w === 'a' ? 'am' : 'pm', used: 2 };
  return undefined;
}

function oclockAt(ws: string[], i: number): number {
  if (ws[i] === "o'clock" || ws[i] === 'oclock') return 1;
  if ((ws[i] === 'o' || ws[i] === 'oh') && ws[i + 1] === 'clock') return 2;
  return 0;
}

/** An hour: 0–23 in digits, one…twelve, a homophone when allowed; 3–4 digits ("1030") carry minutes too. */
function hourAt(ws: string[], i: number, homophones: boolean): Read<{ h: number; m?: number; homophone: boolean }> | undefined {
  const w = ws[i];
  if (w === undefined) return undefined;
  if (/^\d{1,2}$/.test(w)) {
    const h = Number(w);
    return h <= 23 ? { value: { h, homophone: false }, used: 1 } : undefined;
  }
  if (/^\d{3,4}$/.test(w)) {
    const h = Math.floor(Number(w) / 100);
    const m = Number(w) % 100;
    return h <= 23 && m <= 59 ? { value: { h, m, homophone: false }, used: 1 } : undefined;
  }
  const word = HOUR_WORDS[w];
  if (word !== undefined) return { value: { h: word, homophone: false }, used: 1 };
  const alike = HOMOPHONES[w];
  if (homophones && alike !== undefined) return { value: { h: alike, homophone: true }, used: 1 };
  return undefined;
}

/** Minutes after an hour: "30", "oh five", "fifteen", "forty five". */
function minutesAt(ws: string[], i: number): Read<number> | undefined {
  const w = ws[i];
  if (w === undefined) return undefined;
  if (/^\d{2}$/.test(w)) return Number(w) <= 59 ? { value: Number(w), used: 1 } : undefined;
  if (w === 'oh' || w === 'o' || w === 'zero') {
    const d = DIGIT_WORDS[ws[i + 1] ?? ''];
    return d !== undefined && d > 0 ? { value: d, used: 2 } : undefined;
  }
  const teen = TEENS[w];
  if (teen !== undefined) return { value: teen, used: 1 };
  const tens = TENS[w];
  if (tens !== undefined) {
    const d = DIGIT_WORDS[ws[i + 1] ?? ''];
    return d !== undefined && d > 0 && ws[i + 1] !== 'oh' && ws[i + 1] !== 'o' ? { value: tens + d, used: 2 } : { value: tens, used: 1 };
  }
  return undefined;
}

/** Minutes said before "past"/"to": "half", "quarter", "twenty", "ten minutes", "5". */
function leadMinutesAt(ws: string[], i: number): Read<number> | undefined {
  const w = ws[i];
  if (w === 'half') return { value: 30, used: 1 };
  if (w === 'quarter') return { value: 15, used: 1 };
  if (w === 'a' && ws[i + 1] === 'quarter') return { value: 15, used: 2 };
  let r: Read<number> | undefined;
  if (w !== undefined && /^\d{1,2}$/.test(w) && Number(w) < 60) r = { value: Number(w), used: 1 };
  else if (w !== undefined && HOUR_WORDS[w] !== undefined) r = { value: HOUR_WORDS[w], used: 1 };
  else r = minutesAt(ws, i);
  if (!r) return undefined;
  return ws[i + r.used] === 'minutes' || ws[i + r.used] === 'minute' ? { value: r.value, used: r.used + 1 } : r;
}

function to24(h: number, mer: Meridiem | undefined): number {
  if (h > 12 || h === 0) return h;
  if (mer === 'am') return h === 12 ? 0 : h;
  if (mer === 'pm') return h === 12 ? 12 : h + 12;
  // no a.m./p.m.: office hours — 7 to 11 in the morning, 12 to 6 in the afternoon
  return h >= 7 ? h : h + 12;
}

interface TimeCandidate {
  h: number;
  m: number;
  mer?: Meridiem;
  cue: boolean;
}

function timeAt(ws: string[], i: number): TimeCandidate | undefined {
  const w = ws[i]!;
  if (w === 'noon' || w === 'midday') return { h: 12, m: 0, cue: true };
  if (w === 'midnight') return { h: 0, m: 0, mer: 'am', cue: true };
  // "half past two", "quarter to three", "twenty past four"
  const lead = leadMinutesAt(ws, i);
  if (lead) {
    const rel = ws[i + lead.used];
    const dir = rel === 'past' || rel === 'after' ? 1 : rel === 'to' || rel === 'till' || rel === 'til' || rel === 'of' ? -1 : 0;
    const hour = dir !== 0 ? hourAt(ws, i + lead.used + 1, true) : undefined;
    if (hour && hour.value.h >= 1 && hour.value.h <= 12 && hour.value.m === undefined) {
      const mer = meridiemAt(ws, i + lead.used + 1 + hour.used)?.value;
      if (dir > 0) return { h: hour.value.h, m: lead.value, mer, cue: true };
      const h = hour.value.h === 1 ? 12 : hour.value.h - 1;
      return { h, m: 60 - lead.value, mer, cue: true };
    }
  }
  const prevCue = i > 0 && TIME_CUES.has(ws[i - 1]!);
  const hour = hourAt(ws, i, true);
  if (!hour) return undefined;
  let at = i + hour.used;
  if (ws[at] === 'noon' && hour.value.h === 12) return { h: 12, m: 0, cue: true };
  let m = hour.value.m;
  let cue = prevCue || m !== undefined;
  if (m === undefined) {
    const mins = minutesAt(ws, at);
    if (mins) {
      m = mins.value;
      at += mins.used;
      cue = true;
    }
  }
  const oclock = oclockAt(ws, at);
  if (oclock) {
    at += oclock;
    cue = true;
  }
  const mer = meridiemAt(ws, at);
  if (mer) cue = true;
  if (hour.value.homophone && !prevCue && !mer && !oclock) return undefined;
  if (mer && hour.value.h > 12) return undefined;
  return { h: hour.value.h, m: m ?? 0, mer: mer?.value, cue };
}

/**
 * A time of day: "ten a m", "3 pm", "10:30", "10 30", "1030", "half past two", "quarter to three", "noon",
 * "ten in the morning". Value "HH:MM" (24 h), spoken "ten thirty A M".
 */
export function parseTime(text: string, mode: ParseMode): SlotValue | undefined {
  const ws = splitMeridiem(words(text));
  const period: Meridiem | undefined = ws.includes('morning')
    ? 'am'
    : ws.some((w) => w === 'afternoon' || w === 'evening' || w === 'tonight' || w === 'night')
      ? 'pm'
      : undefined;
  for (let i = 0; i < ws.length; i++) {
    const c = timeAt(ws, i);
    if (!c) continue;
    const cue = c.cue || period !== undefined;
    if (mode === 'extract' && !cue) continue;
    const h = to24(c.h, c.mer ?? period);
    const value = `${String(h).padStart(2, '0')}:${String(c.m).padStart(2, '0')}`;
    const spoken = speakTime(value);
    if (spoken) return { value, spoken };
  }
  return undefined;
}

// -------------------------------------------------------------------------------------------------- phone

const NUMBERISH = /^(?:\d+|zero|oh|o|nought|one|two|three|four|five|six|seven|eight|nine|double|triple)$/;

/**
 * A phone number said as digits ("five five five, one two three four", "oh", "double five", "555 1234"),
 * with "to"/"for" read as two/four between digits. Takes the longest run of digits when its length fits,
 * otherwise all runs together. Value: the digits; spoken: grouped digit words.
 */
export function parsePhone(text: string, minDigits: number, maxDigits: number): SlotValue | undefined {
  const ws = words(text).map((w) => w.replace(/'s$/, ''));
  const fixed = ws.map((w, i) => {
    const alike = HOMOPHONES[w];
    if (alike === undefined || i === 0 || i === ws.length - 1) return w;
    return NUMBERISH.test(ws[i - 1]!) && NUMBERISH.test(ws[i + 1]!) ? numberWords(alike) : w;
  });
  const joined = fixed.join(' ');
  const runs = digitRuns(joined, tokenize(joined)).map((r) => r.digits);
  const fits = (d: string) => d.length >= minDigits && d.length <= maxDigits;
  const longest = [...runs].sort((a, b) => b.length - a.length)[0];
  const digits = longest !== undefined && fits(longest) ? longest : runs.join('');
  return fits(digits) ? { value: digits, spoken: speakDigits(digits) } : undefined;
}

/** A phone number keyed in: the digits before '#'. */
export function phoneFromDtmf(keys: string, minDigits: number, maxDigits: number): SlotValue | undefined {
  const digits = keys.split('#')[0]!.replace(/[^0-9]/g, '');
  return digits.length >= minDigits && digits.length <= maxDigits ? { value: digits, spoken: speakDigits(digits) } : undefined;
}

// -------------------------------------------------------------------------------------------------- email

const SPOKEN_SYMBOLS: Record<string, string> = { '.': 'dot', '@': 'at', _: 'underscore', '-': 'dash' };

/** "john.smith@example.com" → "john dot smith at example dot com" (digits as digit words). */
export function speakEmail(address: string): string {
  const parts = address.toLowerCase().match(/[a-z]+|\d|[.@_-]/g) ?? [];
  return parts.map((p) => SPOKEN_SYMBOLS[p] ?? (/^\d$/.test(p) ? numberWords(Number(p)) : p)).join(' ');
}

/**
 * An email address, said ("john dot smith at example dot com", "j doe at gmail dot com") or written
 * ("john.smith@example.com"): the privacy detector's reading, so what the flow takes is exactly what redaction
 * hides. The domain must end in a known top-level domain, which keeps "at the clinic" out. Value: the address;
 * spoken: the way it is said.
 */
export function parseEmail(text: string): SlotValue | undefined {
  const found = detectEmails(text).sort((a, b) => a.start - b.start)[0];
  if (!found) return undefined;
  const value = found.normalized.toLowerCase();
  return { value, spoken: speakEmail(value) };
}

// ------------------------------------------------------------------------------------------------- yes/no

const YES = new Set([
  'yes', 'yeah', 'yep', 'yup', 'ya', 'yah', 'yea', 'yas', 'sure', 'correct', 'right', 'ok', 'okay', 'alright',
  'affirmative', 'absolutely', 'definitely', 'certainly', 'perfect', 'exactly', 'fine', 'great', 'good', 'indeed',
]);
const NO = new Set(['no', 'nope', 'nah', 'not', 'wrong', 'incorrect', 'negative', "don't", 'dont', "isn't", 'never']);
const YES_PHRASES = ['go ahead', 'of course', 'uh huh', 'you bet', 'please do', 'mm hmm'];

/** true for yes ("yeah", "that's right", "go ahead"), false for no ("nope", "that's wrong", "not right"). */
export function parseYesNo(text: string): boolean | undefined {
  const ws = words(text);
  if (ws.length === 1 && ws[0] === 'please') return true;
  for (const w of ws) {
    if (NO.has(w)) return false;
    if (YES.has(w)) return true;
  }
  const joined = ws.join(' ');
  if (YES_PHRASES.some((p) => joined.includes(p))) return true;
  return undefined;
}

// --------------------------------------------------------------------------------------------------- text

const LEAD_INS = [
  /^(?:um|uh|er|erm|so|well|yeah|yes|okay|ok)\b[\s,]*/i,
  /^(?:my name is|my name's|the name is|name is|name's|it's|it is|this is|i'm|i am|that's|that is)\s+/i,
];

/** What the caller said, lead-ins ("my name is", "it's") and trailing thanks removed. */
export function parseFreeText(text: string): SlotValue | undefined {
  let t = text.replace(/\s+/g, ' ').trim();
  for (let again = true; again; ) {
    again = false;
    for (const re of LEAD_INS) {
      const next = t.replace(re, '');
      if (next !== t) {
        t = next;
        again = true;
      }
    }
  }
  t = t
    .replace(/[\s,]*(?:please|thanks|thank you)[.!]*$/i, '')
    .replace(/[.!?,]+$/, '')
    .trim()
    .slice(0, 200);
  return t ? { value: t, spoken: t } : undefined;
}

// ------------------------------------------------------------------------------------------------ dispatch

/** Reads `slot` from `text`; free text and yes/no are only read when asked (never picked up in passing). */
export function parseSlot(slot: FlowSlot, text: string, mode: ParseMode, ctx: DayContext): SlotValue | undefined {
  switch (slot.type) {
    case 'day':
      return parseDay(text, ctx);
    case 'time':
      return parseTime(text, mode);
    case 'phone':
      return parsePhone(text, slot.minDigits, slot.maxDigits);
    case 'email':
      return parseEmail(text);
    case 'yes_no': {
      if (mode === 'extract') return undefined;
      const yes = parseYesNo(text);
      return yes === undefined ? undefined : { value: yes, spoken: yes ? 'yes' : 'no' };
    }
    case 'text':
      return mode === 'asked' ? parseFreeText(text) : undefined;
  }
}
