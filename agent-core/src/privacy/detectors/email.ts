/**
 * Email addresses, written ("jane.doe@example.com") or spoken ("jane dot doe at example dot com", "jdoe
 * eighty five at gmail dot com", "j d o e at outlook.com"). A spoken address needs a domain that ends in a known
 * top-level domain, which keeps "meet me at the office" out.
 */
import { numberAt, tokenize, type Token } from '../spoken-digits.js';
import type { PiiSpan } from '../types.js';
import { FUNCTION_WORDS } from './cues.js';

const WRITTEN = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const TLDS = new Set(['com', 'net', 'org', 'edu', 'gov', 'io', 'co', 'us', 'info', 'biz', 'me', 'uk', 'ca', 'ai', 'app', 'health', 'mil']);
const JOINERS: Record<string, string> = { dot: '.', period: '.', point: '.', underscore: '_', dash: '-', hyphen: '-' };
const WRITTEN_DOMAIN = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.([a-z]{2,})$/i;

/** A word that can be part of an address: not a joiner, not "at" */
const isWord = (t: Token | undefined): t is Token => !!t && !(t.lower in JOINERS) && t.lower !== 'at';

/** Reads a spoken domain after the "at" at token i: word (dot word)+ ending in a TLD. Returns its end token. */
function readDomain(text: string, tokens: Token[], i: number): { to: number; value: string } | undefined {
  const first = tokens[i];
  if (!isWord(first)) return undefined;
  const glued = text.slice(first.start).match(/^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/);
  if (glued && WRITTEN_DOMAIN.test(glued[0]) && TLDS.has(glued[0].split('.').pop()!.toLowerCase())) {
    const end = first.start + glued[0].length;
    let to = i;
    while (tokens[to] && tokens[to]!.end <= end) to++;
    return { to, value: glued[0].toLowerCase() };
  }
  const parts = [first.lower];
  let j = i + 1;
  let best: { to: number; value: string } | undefined;
  while (JOINERS[tokens[j]?.lower ?? ''] === '.' && isWord(tokens[j + 1])) {
    parts.push(tokens[j + 1]!.lower);
    j += 2;
    if (TLDS.has(parts[parts.length - 1]!)) best = { to: j, value: parts.join('.') };
  }
  return best;
}

/** true for a token that alone reads as a number ("five", "eighty", "85") */
const numericWord = (t: Token): boolean => !(t.lower in JOINERS) && numberAt([t], 0) !== undefined;

/** Reads the local part that ends just before token i (the "at"), walking backwards. */
function readLocal(tokens: Token[], i: number): { from: number; value: string } | undefined {
  let j = i - 1;
  while (j >= 0 && numericWord(tokens[j]!)) j--;
  const before = tokens.slice(0, i);
  let digits = '';
  for (let k = j + 1; k < i; ) {
    const u = numberAt(before, k)!;
    digits += u.digits;
    k = u.to;
  }
  const word = tokens[j];
  if (!isWord(word) || (FUNCTION_WORDS.has(word.lower) && word.text.length > 1)) return undefined;
  const parts = [word.lower, digits];
  j--;
  for (;;) {
    const joiner = tokens[j];
    const prev = tokens[j - 1];
    if (joiner && JOINERS[joiner.lower] && isWord(prev)) {
      parts.unshift(prev.lower + JOINERS[joiner.lower]);
      j -= 2;
      continue;
    }
    // spelled letters: "j d o e"
    const spelled = (t: Token | undefined): boolean => !!t && /^[a-z]$/i.test(t.text) && t.lower !== 'a' && t.lower !== 'i';
    if (spelled(joiner) && spelled(tokens[j + 1])) {
      parts.unshift(joiner!.lower);
      j -= 1;
      continue;
    }
    break;
  }
  return { from: j + 1, value: parts.join('') };
}

/** Finds email addresses in the text. */
export function detectEmails(text: string): PiiSpan[] {
  const out: PiiSpan[] = [];
  for (const m of text.matchAll(WRITTEN)) {
    out.push({ type: 'EMAIL', start: m.index, end: m.index + m[0].length, normalized: m[0].toLowerCase() });
  }
  const tokens = tokenize(text);
  tokens.forEach((t, i) => {
    if (t.lower !== 'at') return;
    const domain = readDomain(text, tokens, i + 1);
    if (!domain) return;
    const local = readLocal(tokens, i);
    if (!local) return;
    const start = tokens[local.from]!.start;
    const end = tokens[domain.to - 1]!.end;
    out.push({ type: 'EMAIL', start, end, normalized: `${local.value}@${domain.value}` });
  });
  return out;
}
