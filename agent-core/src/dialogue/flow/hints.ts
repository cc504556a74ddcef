/**
 * Speech recognition hints derived from a flow: every phrase and keyword it listens for, and the vocabulary of
 * the slot types it collects (days, numbers, times), plus the yes/no and repeat words the engine understands.
 */
import type { AgentFlow } from '@callgate/contracts';
import type { SttHints } from '../../providers/ports.js';
import { WEEKDAYS, words } from './text.js';

const DIGITS = ['zero', 'oh', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'double', 'triple'];
const NUMBERS = ['ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen', 'twenty', 'thirty', 'forty', 'fifty', 'hundred'];
const VOCAB: Record<string, string[]> = {
  day: [...WEEKDAYS.slice(1), 'sunday', 'today', 'tomorrow', 'next', 'this', 'day', 'after'],
  time: [...DIGITS, ...NUMBERS, 'a', 'm', 'p', 'am', 'pm', "o'clock", 'half', 'quarter', 'past', 'to', 'noon', 'midday', 'morning', 'afternoon', 'evening', 'at'],
  phone: DIGITS,
  yes_no: [],
  text: ['my', 'name', 'is'],
};
const ALWAYS = ['yes', 'yeah', 'yep', 'no', 'nope', 'correct', 'right', 'wrong', 'okay', 'sure', 'repeat', 'again', 'pardon', 'thanks', 'bye', 'goodbye'];

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
  for (const intent of flow.intents) for (const slot of intent.collect) (VOCAB[slot.type] ?? []).forEach((w) => vocab.add(w));
  ALWAYS.forEach((w) => vocab.add(w));
  return { phrases: [...phrases], words: [...vocab] };
}
