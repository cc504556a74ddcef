import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  arpaProbability,
  buildLanguageModel,
  DIGIT_WORDS,
  normalizeText,
  numberToWords,
  parseArpa,
  type ParsedArpa,
} from './language-model.js';

const HINTS = {
  phrases: ['What are your opening hours?', 'Book an appointment for Tuesday.', 'Tomorrow at 10 a.m.', "That's all, thank you!"],
  words: ['Monday', 'Tuesday', 'human'],
};

/** every sentence-start/predictable word of a parsed model */
function predictable(m: ParsedArpa): string[] {
  return [...m.unigrams.keys()].filter((w) => w !== '<s>');
}

test('normalizeText: lower case, punctuation gone, apostrophes inside words kept, numbers spelled out', () => {
  assert.deepEqual(normalizeText('Tomorrow at 10 a.m.!'), ['tomorrow', 'at', 'ten', 'a', 'm']);
  assert.deepEqual(normalizeText("That's all, thank you — 'bye'"), ["that's", 'all', 'thank', 'you', 'bye']);
  assert.deepEqual(normalizeText('call 5551234 at 3pm on the 21st'), [
    'call', 'five', 'five', 'five', 'one', 'two', 'three', 'four', 'at', 'three', 'pm', 'on', 'the', 'twenty', 'first',
  ]);
  assert.deepEqual(normalizeText('10:30 or 9:00'), ['ten', 'thirty', 'or', 'nine', "o'clock"]);
  assert.deepEqual(normalizeText('It’s 100% R&D'), ["it's", 'one', 'hundred', 'percent', 'r', 'and', 'd']);
  assert.deepEqual(normalizeText('  ...  '), []);
});

test('numberToWords: cardinals, identifiers digit by digit', () => {
  assert.deepEqual(numberToWords('0'), ['zero']);
  assert.deepEqual(numberToWords('13'), ['thirteen']);
  assert.deepEqual(numberToWords('40'), ['forty']);
  assert.deepEqual(numberToWords('99'), ['ninety', 'nine']);
  assert.deepEqual(numberToWords('305'), ['three', 'hundred', 'five']);
  assert.deepEqual(numberToWords('1200'), ['one', 'thousand', 'two', 'hundred']);
  assert.deepEqual(numberToWords('007'), ['zero', 'zero', 'seven']);
  assert.deepEqual(numberToWords('12345'), ['one', 'two', 'three', 'four', 'five']);
  assert.throws(() => numberToWords('12a'), /not a digit string/);
});

test('ARPA text is well formed: declared counts match the sections, every bigram word is a unigram', () => {
  const lm = buildLanguageModel(HINTS);
  const m = parseArpa(lm.arpa);
  assert.deepEqual(m.declared, [m.unigrams.size, m.bigrams.size]);
  assert.ok(m.unigrams.has('<s>') && m.unigrams.has('</s>'));
  assert.equal(m.unigrams.get('<s>')!.logp, -99);
  for (const k of m.bigrams.keys()) {
    const [h, w] = k.split(' ') as [string, string];
    assert.ok(m.unigrams.has(h), `history ${h} is a unigram`);
    assert.ok(m.unigrams.has(w), `word ${w} is a unigram`);
    assert.notEqual(h, '</s>');
    assert.notEqual(w, '<s>');
  }
  // words as the dictionary spells them
  for (const w of m.unigrams.keys()) assert.match(w, /^(<s>|<\/s>|[a-z0-9']+)$/);
  assert.ok(m.bigrams.has('<s> what') && m.bigrams.has('opening hours') && m.bigrams.has('hours </s>'));
  assert.ok(m.bigrams.has('ten a') && m.bigrams.has("<s> that's"));
  assert.deepEqual(lm.vocabulary, predictable(m).filter((w) => w !== '</s>'));
});

test('probabilities: unigrams sum to 1, P(·|h) sums to 1 for every history, seen bigrams beat unseen ones', () => {
  for (const discount of [0.2, 0.5, 0.8]) {
    const m = parseArpa(buildLanguageModel(HINTS, { discount }).arpa);
    const words = predictable(m);
    const uni = words.reduce((a, w) => a + arpaProbability(m, null, w), 0);
    assert.ok(Math.abs(uni - 1) < 1e-4, `unigram sum ${uni}`);
    for (const h of [...m.unigrams.keys()].filter((w) => w !== '</s>')) {
      const s = words.reduce((a, w) => a + arpaProbability(m, h, w), 0);
      assert.ok(Math.abs(s - 1) < 1e-4, `P(·|${h}) sums to ${s} (discount ${discount})`);
    }
    assert.ok(arpaProbability(m, 'opening', 'hours') >= 1 - discount, 'a seen bigram keeps at least 1 - D');
    assert.ok(arpaProbability(m, 'opening', 'hours') > 5 * arpaProbability(m, 'opening', 'tuesday'));
    assert.ok(arpaProbability(m, '<s>', 'what') > arpaProbability(m, '<s>', 'hours'));
  }
});

test('base vocabulary: digits, "oh", yes/no and fillers are always there, as whole sentences', () => {
  const m = parseArpa(buildLanguageModel({ phrases: ['book an appointment'], words: [] }).arpa);
  for (const w of [...DIGIT_WORDS, 'oh', 'yes', 'no', 'um', 'uh']) {
    assert.ok(m.unigrams.has(w), w);
    assert.ok(m.bigrams.has(`<s> ${w}`) && m.bigrams.has(`${w} </s>`), `${w} as a sentence`);
  }
  const custom = buildLanguageModel({ phrases: ['hello there'], words: [] }, { baseWords: ['yes'] });
  assert.deepEqual(custom.vocabulary, ['hello', 'there', 'yes']);
});

test('words the dictionary lacks are dropped, reported, and no bigram bridges them', () => {
  const known = (w: string): boolean => w !== 'callgate' && w !== 'zorblax';
  const lm = buildLanguageModel({ phrases: ['open the callgate app', 'zorblax'], words: ['zorblax', 'help'] }, { isKnownWord: known });
  const m = parseArpa(lm.arpa);
  assert.deepEqual(lm.dropped, ['callgate', 'zorblax']);
  assert.ok(!m.unigrams.has('callgate') && !m.unigrams.has('zorblax'));
  assert.ok(!lm.vocabulary.includes('callgate'));
  assert.ok(m.bigrams.has('<s> open') && m.bigrams.has('open the'));
  assert.ok(!m.bigrams.has('the app'), 'no bigram across the dropped word');
  assert.ok(!m.bigrams.has('the </s>'), 'the fragment before the gap does not end the sentence');
  assert.ok(m.bigrams.has('app </s>'));
  assert.ok(m.unigrams.has('help'));
  // probabilities stay normalised with gaps
  const words = predictable(m);
  for (const h of ['open', 'the', 'app', '<s>']) {
    const s = words.reduce((a, w) => a + arpaProbability(m, h, w), 0);
    assert.ok(Math.abs(s - 1) < 1e-4, `P(·|${h}) sums to ${s}`);
  }
  assert.throws(() => buildLanguageModel({ phrases: ['zorblax'], words: [] }, { isKnownWord: () => false }), /no word/);
});

test('deterministic: order and duplicates of hints do not matter; different hints or options change the key', () => {
  const a = buildLanguageModel(HINTS);
  const b = buildLanguageModel({
    phrases: [...HINTS.phrases].reverse().concat(HINTS.phrases[0]!),
    words: [...HINTS.words].reverse(),
  });
  assert.equal(a.arpa, b.arpa);
  assert.equal(a.key, b.key);
  assert.match(a.key, /^[0-9a-f]{32}$/);
  const c = buildLanguageModel({ ...HINTS, phrases: [...HINTS.phrases, 'no thanks'] });
  assert.notEqual(c.key, a.key);
  assert.notEqual(c.arpa, a.arpa);
  assert.notEqual(buildLanguageModel(HINTS, { discount: 0.5 }).key, a.key);
  assert.notEqual(buildLanguageModel(HINTS, { keySalt: 'other dictionary' }).key, a.key);
  assert.throws(() => buildLanguageModel(HINTS, { discount: 1 }), RangeError);
});

test('parseArpa rejects malformed text', () => {
  assert.throws(() => parseArpa('\\data\\\nngram 1=1\n\n\\1-grams:\n-1.0 a\n'), /end/);
  assert.throws(() => parseArpa('\\data\\\nngram 1=1\n\\1-grams:\nnot-a-number a\n\\end\\\n'), /malformed/);
  assert.throws(() => parseArpa('\\data\\\nngram 2=1\n\\end\\\n'), /malformed/);
});
