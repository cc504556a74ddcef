/**
 * Street addresses: a house number (written, "12B", or spoken: "twelve thirty four", "four fifty", "one oh
 * one"), one to three street-name words and a street suffix, with an apartment or unit after it when given.
 * Without capitalised street names the address must follow a cue ("live at", "address", "ship to") so that
 * "ten minutes down the road" stays plain text.
 */
import { numberAt, tokenize, type Token } from '../spoken-digits.js';
import type { PiiSpan } from '../types.js';
import { FUNCTION_WORDS, capitalised, cuedBefore } from './cues.js';

const SUFFIXES = new Set([
  'street', 'st', 'avenue', 'ave', 'road', 'rd', 'lane', 'ln', 'drive', 'dr', 'boulevard', 'blvd', 'court', 'ct', 'way',
  'place', 'pl', 'circle', 'cir', 'terrace', 'parkway', 'pkwy', 'highway', 'hwy', 'square', 'trail', 'loop', 'pike', 'alley',
]);
const DIRECTIONS = new Set(['north', 'south', 'east', 'west', 'n', 's', 'e', 'w', 'northeast', 'northwest', 'southeast', 'southwest']);
const UNITS = new Set(['apartment', 'apt', 'unit', 'suite', 'ste']);
const CUE = /\b(live[sd]?\s+(at|on)|living\s+at|address|ship(ped)?\s+(it\s+)?to|send\s+(it\s+)?to|mail(ed)?\s+(it\s+)?to|located\s+at|moved\s+to|deliver(ed)?\s+(it\s+)?to|residence)\b/i;

/** Reads the house number at token i: digits, digits+letter, or up to three spoken numbers. */
function houseNumberAt(tokens: Token[], i: number): { to: number } | undefined {
  const t = tokens[i];
  if (!t) return undefined;
  if (/^\d{1,6}[a-z]?$/i.test(t.text)) return { to: i + 1 };
  let to = i;
  let digits = '';
  for (let n = 0; n < 4; n++) {
    const u = numberAt(tokens, to);
    if (!u || u.literal) break;
    digits += u.digits;
    to = u.to;
  }
  return digits.length >= 1 && digits.length <= 6 && to > i ? { to } : undefined;
}

const nameWord = (t: Token | undefined): boolean =>
  !!t && /^[a-z][a-z'’]*$|^\d{1,3}(st|nd|rd|th)$/i.test(t.text) && !FUNCTION_WORDS.has(t.lower) && !SUFFIXES.has(t.lower);

/** Finds street addresses in the text. */
export function detectAddresses(text: string): PiiSpan[] {
  const tokens = tokenize(text);
  const out: PiiSpan[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const num = houseNumberAt(tokens, i);
    if (!num) continue;
    let j = num.to;
    if (DIRECTIONS.has(tokens[j]?.lower ?? '') && nameWord(tokens[j + 1])) j++;
    const nameFrom = j;
    while (j - nameFrom < 3 && nameWord(tokens[j]) && !SUFFIXES.has(tokens[j]!.lower)) j++;
    // a spoken ordinal street: "fifth avenue" is a name word already; the suffix must follow
    if (j === nameFrom || !SUFFIXES.has(tokens[j]?.lower ?? '')) continue;
    const names = tokens.slice(nameFrom, j);
    const proper = names.every((t) => capitalised(t.text) || /^\d/.test(t.text));
    if (!proper && !cuedBefore(text, tokens[i]!.start, CUE, 50)) continue;
    let end = j + 1;
    if (UNITS.has(tokens[end]?.lower ?? '') || text.slice(tokens[j]!.end, tokens[end]?.start ?? 0).includes('#')) {
      const unitAt = UNITS.has(tokens[end]!.lower) ? end + 1 : end;
      const u = numberAt(tokens, unitAt);
      if (u) end = u.to;
      else if (/^[a-z0-9]{1,5}$/i.test(tokens[unitAt]?.text ?? '')) end = unitAt + 1;
      if (/^[a-z]$/i.test(tokens[end]?.text ?? '') && u) end++;
    }
    const span = tokens.slice(i, end);
    out.push({
      type: 'ADDRESS',
      start: tokens[i]!.start,
      end: tokens[end - 1]!.end,
      normalized: span.map((t) => t.lower).join(' '),
    });
    i = end - 1;
  }
  return out;
}
