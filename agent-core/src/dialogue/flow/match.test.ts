import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFlowFile } from '@callgate/contracts';
import { agentFlowPath } from './index.js';
import { GOODBYE_ID, isRepeatRequest, matchIntent, scoreIntent, spokenKey } from './match.js';

const flow = loadFlowFile(agentFlowPath('front-desk'));
const intentOf = (text: string) => matchIntent(flow, text)?.id;

test('clean requests find their intent', () => {
  assert.equal(intentOf('what are your opening hours'), 'hours');
  assert.equal(intentOf("I'd like to book an appointment"), 'book');
  assert.equal(intentOf('can someone call me back'), 'callback');
  assert.equal(intentOf('can I talk to a person'), 'human');
});

test('STT slips still match: dropped letters, misspellings, split and joined words', () => {
  assert.equal(intentOf('what are your ours'), 'hours');
  assert.equal(intentOf('i need an apointment'), 'book');
  assert.equal(intentOf('i want a call back'), 'callback');
  assert.equal(intentOf('get me the receptionst'), 'human');
  assert.equal(intentOf('can i speak to some one'), 'human');
});

test('the goodbye is recognised like an intent', () => {
  assert.equal(intentOf("no that's all thanks"), GOODBYE_ID);
  assert.equal(intentOf('ok bye'), GOODBYE_ID);
});

test('nothing at or above the threshold: no match', () => {
  assert.equal(intentOf('the weather is lovely'), undefined);
  assert.equal(intentOf(''), undefined);
});

test('a score is exposed in 0..1 with the keywords found', () => {
  const s = scoreIntent({ id: 'x', phrases: [], keywords: ['book', 'appointment'] }, 'book an appointment');
  assert.ok(s.score > 0.8 && s.score <= 1, String(s.score));
  assert.deepEqual(s.keywordHits, ['book', 'appointment']);
  assert.equal(scoreIntent({ id: 'x', phrases: [], keywords: ['book'] }, 'hello').score, 0);
});

test('a phrase counts by the share of its content words heard', () => {
  const intent = { id: 'x', phrases: ['reschedule my appointment'], keywords: [] };
  const full = scoreIntent(intent, 'I need to reschedule my appointment').score;
  const half = scoreIntent(intent, 'about my appointment').score;
  assert.ok(full > 0.9, String(full));
  assert.ok(half > 0.3 && half < 0.6, String(half));
});

test('repeat requests are recognised', () => {
  assert.equal(isRepeatRequest('can you repeat that'), true);
  assert.equal(isRepeatRequest('sorry, say that again'), true);
  assert.equal(isRepeatRequest('what?'), true);
  assert.equal(isRepeatRequest('what are your hours'), false);
});

test('a menu key said aloud is read as the key; anything longer is not', () => {
  assert.equal(spokenKey('one'), '1');
  assert.equal(spokenKey('press two please'), '2');
  assert.equal(spokenKey('option 3'), '3');
  assert.equal(spokenKey('oh'), undefined);
  assert.equal(spokenKey('one more thing'), undefined);
});

test('changing or cancelling an appointment is not mistaken for booking one', () => {
  assert.equal(intentOf("I'd like to cancel my appointment"), 'change');
  assert.equal(intentOf('can I reschedule'), 'change');
});
