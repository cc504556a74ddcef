/**
 * Personal names after an introduction: "my name is", "name's", "the name is", "this is", "I'm", "I am",
 * "it's ... speaking", "speaking with", and the name before "speaking" or "here" ("Dana Whitfield speaking").
 * One to three words, ending at a function word. After the strong cues ("my name is", "name's") a lower-case
 * name counts, since speech-to-text does not always capitalise; after the weak ones ("this is", "I'm") the name
 * must be capitalised, or "this is really annoying" would be a name.
 */
import { tokenize, type Token } from '../spoken-digits.js';
import type { PiiSpan } from '../types.js';
import { FUNCTION_WORDS, capitalised } from './cues.js';

const STRONG = /\b(?:my\s+(?:full\s+|first\s+|last\s+)?name\s+is|my\s+name's|name's|the\s+name\s+is|name\s+is|call\s+me|first\s+name\s+is|last\s+name\s+is)\s+/gi;
const WEAK = /\b(?:this\s+is|i'm|i\s+am|it's|speaking\s+(?:with|to)|(?:calling|call)\s+(?:for|on\s+behalf\s+of)|ask\s+for|patient\s+is|son\s+is|daughter\s+is|wife\s+is|husband\s+is)\s+/gi;
/** punctuation that ends a name: a comma, a clause or a sentence */
const BREAK = /[,;:!?]|\.\s/;
const AFTER = /^\s+(?:speaking|here)\b/i;
/** words that look like names when capitalised at a sentence start but are not */
const TITLES = new Set(['mr', 'mrs', 'ms', 'miss', 'dr', 'doctor']);
/** capitalised words that follow "it's" or "this is" without being names */
const NOT_NAMES = new Set([
  'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'january', 'february', 'march', 'april',
  'june', 'july', 'august', 'september', 'october', 'november', 'december', 'christmas', 'visa', 'mastercard', 'medicare',
  'medicaid', 'english', 'spanish', 'okay', 'ok', 'yes', 'no', 'correct', 'urgent', 'regarding',
]);

const looksLikeName = (t: Token | undefined, needCapital: boolean): boolean =>
  !!t && /^[a-z][a-z'’-]*$/i.test(t.text) && !FUNCTION_WORDS.has(t.lower) && !NOT_NAMES.has(t.lower) && (!needCapital || capitalised(t.text));

/** Collects up to three name words starting at token i (a title like "Dr." is kept when a name follows). */
function nameFrom(text: string, tokens: Token[], i: number, needCapital: boolean): { from: number; to: number } | undefined {
  let j = i;
  if (TITLES.has(tokens[j]?.lower ?? '') && looksLikeName(tokens[j + 1], needCapital)) j++;
  const start = j;
  const firstCapital = capitalised(tokens[j]?.text ?? '');
  while (j - start < 3 && looksLikeName(tokens[j], needCapital || (j > start && firstCapital))) {
    j++;
    if (tokens[j] && BREAK.test(text.slice(tokens[j - 1]!.end, tokens[j]!.start))) break;
  }
  return j > start ? { from: i, to: j } : undefined;
}

/** Finds introduced names in the text. */
export function detectNames(text: string): PiiSpan[] {
  const tokens = tokenize(text);
  const out: PiiSpan[] = [];
  const push = (from: number, to: number): void => {
    const words = tokens.slice(from, to);
    out.push({ type: 'NAME', start: words[0]!.start, end: words[words.length - 1]!.end, normalized: words.map((t) => t.lower).join(' ') });
  };
  for (const [re, needCapital] of [[STRONG, false], [WEAK, true]] as const) {
    for (const m of text.matchAll(re)) {
      const at = m.index + m[0].length;
      const i = tokens.findIndex((t) => t.start >= at);
      if (i < 0 || tokens[i]!.start !== at) continue;
      const n = nameFrom(text, tokens, i, needCapital);
      if (n) push(n.from, n.to);
    }
  }
  for (let i = 1; i < tokens.length; i++) {
    if (!AFTER.test(text.slice(tokens[i - 1]!.end))) continue;
    let from = i;
    while (from > 0 && i - from < 3 && looksLikeName(tokens[from - 1], true)) {
      from--;
      if (from > 0 && BREAK.test(text.slice(tokens[from - 1]!.end, tokens[from]!.start))) break;
    }
    if (from < i) push(from, i);
  }
  return out;
}
