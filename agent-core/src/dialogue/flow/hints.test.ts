import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFlowFile } from '@callgate/contracts';
import { flowHints } from './hints.js';
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
