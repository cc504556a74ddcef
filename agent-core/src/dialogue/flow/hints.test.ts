import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFlowFile } from '@callgate/contracts';
import { digitSequence, flowHints } from './hints.js';
import { agentFlowPath } from './index.js';

const hints = flowHints(loadFlowFile(agentFlowPath('front-desk')));

test('hints carry the flow\'s phrases and multi-word keywords', () => {
  assert.ok(hints.phrases.includes('what are your opening hours'));
  assert.ok(hints.phrases.includes('call back'));
  assert.ok(hints.phrases.includes("that's all"));
});

test('hints carry keywords and the slot vocabulary (days, digits, time words, yes/no)', () => {
  for (const w of ['hours', 'appointment', 'receptionist', 'tuesday', 'tomorrow', 'oh', 'double', 'seven', 'half', 'past', 'noon', 'yes', 'no', 'bye']) {
    assert.ok(hints.words.includes(w), `missing ${w}`);
  }
});

test('hints are deduplicated', () => {
  assert.equal(new Set(hints.words).size, hints.words.length);
  assert.equal(new Set(hints.phrases).size, hints.phrases.length);
});

test('a phone slot teaches the model every digit after every digit (and "oh" for zero)', () => {
  const seq = digitSequence();
  assert.equal(seq.length, 101);
  const pairs = new Set(seq.slice(1).map((w, i) => `${seq[i]!} ${w}`));
  assert.equal(pairs.size, 100, 'each of the 100 ordered digit pairs once');
  assert.ok(hints.phrases.includes(seq.join(' ')));
  assert.ok(hints.phrases.some((p) => p.includes('oh one') && !p.includes('zero')));
});

test('an email slot brings its joiners, top-level domains, mail domains and the flow\'s names, in phrases', () => {
  for (const w of ['at', 'dot', 'underscore', 'com', 'org', 'gmail', 'john', 'smith', 'example']) assert.ok(hints.words.includes(w), `missing ${w}`);
  assert.ok(hints.phrases.includes('john dot john at john dot com'));
  assert.ok(hints.phrases.includes('at gmail dot com'));
  assert.ok(hints.phrases.includes('dot co dot uk'));
});

test('the words of the payment intent are known, so a card number said by mistake is recognised as such', () => {
  for (const w of ['card', 'pay', 'bill']) assert.ok(hints.words.includes(w), `missing ${w}`);
});
