/**
 * Speech recognition hints derived from a flow: every phrase and keyword it listens for, and the vocabulary of
 * the slot types it collects (days, numbers, times, email addresses), plus the yes/no and repeat words the
 * engine understands.
 *
 * The embedded recogniser (PocketSphinx) builds a bigram language model from these hints, so a word is only
 * likely after the words it followed in some phrase. Slots whose answers are sequences the flow's phrases
 * never show get phrases of their own: a phone number any digit after any digit, an email address names and
 * domains joined by "dot" and "at" (the slot's `vocabulary` lists the names and domains a flow expects).
 */
import type { AgentFlow, FlowSlot } from '@callgate/contracts';
import type { SttHints } from '../../providers/ports.js';
import { WEEKDAYS, words } from './text.js';

const DIGIT_NAMES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const DIGITS = [...DIGIT_NAMES, 'oh', 'double', 'triple'];
const NUMBERS = ['ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen', 'twenty', 'thirty', 'forty', 'fifty', 'hundred'];
/** top-level domains and mail providers callers say most */
const TLDS = ['com', 'net', 'org', 'edu', 'co', 'uk'];
const MAIL_DOMAINS = ['gmail', 'yahoo', 'outlook', 'hotmail', 'icloud'];
const VOCAB: Record<FlowSlot['type'], string[]> = {
  day: [...WEEKDAYS.slice(1), 'sunday', 'today', 'tomorrow', 'next', 'this', 'day', 'after'],
  time: [...DIGITS, ...NUMBERS, 'a', 'm', 'p', 'am', 'pm', "o'clock", 'half', 'quarter', 'past', 'to', 'noon', 'midday', 'morning', 'afternoon', 'evening', 'at'],
  phone: [...DIGITS, 'my', 'number', 'is'],
  email: [...DIGIT_NAMES, 'at', 'dot', 'underscore', 'dash', 'my', 'email', 'address', 'is', ...TLDS, ...MAIL_DOMAINS],
  yes_no: [],
  text: ['my', 'name', 'is'],
};
const ALWAYS = ['yes', 'yeah', 'yep', 'no', 'nope', 'correct', 'right', 'wrong', 'okay', 'sure', 'repeat', 'again', 'pardon', 'thanks', 'bye', 'goodbye'];

/**
 * Every ordered pair of digits once (a de Bruijn sequence over the ten digit words, 101 words), so that
 * after any digit the model expects any other: "two one two five five five zero one nine eight".
 */
export function digitSequence(): string[] {
  const k = DIGIT_NAMES.length;
  const a = new Array<number>(2 * k).fill(0);
  const seq: number[] = [];
  const db = (t: number, p: number): void => {
    if (t > 2) {
      if (2 % p === 0) seq.push(...a.slice(1, p + 1));
      return;
    }
    a[t] = a[t - p]!;
    db(t + 1, p);
    for (let j = a[t - p]! + 1; j < k; j++) {
      a[t] = j;
      db(t + 1, t);
    }
  };
  db(1, 1);
  return [...seq, seq[0]!].map((d) => DIGIT_NAMES[d]!);
}

/** Phrases that teach the model a slot's answers: digit runs for a phone, "name dot name at domain dot com". */
function slotPhrases(slot: FlowSlot): string[] {
  if (slot.type === 'phone') {
    const seq = digitSequence().join(' ');
    // "oh" for zero, as callers often say it
    return [seq, `my number is ${seq}`, seq.replace(/zero/g, 'oh')];
  }
  if (slot.type !== 'email') return [];
  const names = slot.vocabulary.flatMap((v) => words(v));
  const domains = [...names, ...MAIL_DOMAINS];
  const first = names[0] ?? 'john';
  const out = [`my email is ${first} at ${domains[0]!} dot com`, `${first} underscore ${first} dash ${first} at ${first} dot com`];
  for (const n of names) out.push(`${n} dot ${n} at ${n} dot com`, `${n} at ${n} dot com`);
  for (const d of domains) out.push(`at ${d} dot com`);
  for (const tld of TLDS) out.push(`dot ${tld}`);
  out.push('dot co dot uk');
  return out;
}

/** Phrases and words worth recognising for this flow, deduplicated, in a stable order. */
export function flowHints(flow: AgentFlow): SttHints {
  const phrases = new Set<string>();
  const vocab = new Set<string>();
  const addWords = (text: string) => words(text).forEach((w) => vocab.add(w));
  for (const src of [...flow.intents, flow.goodbye]) {
    for (const p of src.phrases) {
      phrases.add(p.toLowerCase());
      addWords(p);
    }
    for (const k of src.keywords) {
      if (words(k).length > 1) phrases.add(k.toLowerCase());
      addWords(k);
    }
  }
  for (const intent of flow.intents) {
    for (const slot of intent.collect) {
      VOCAB[slot.type].forEach((w) => vocab.add(w));
      slot.vocabulary.forEach(addWords);
      slotPhrases(slot).forEach((p) => phrases.add(p));
    }
  }
  ALWAYS.forEach((w) => vocab.add(w));
  return { phrases: [...phrases], words: [...vocab] };
}
