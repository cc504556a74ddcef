import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redact } from '../privacy/index.js';
import { describeToolCall, extractiveSummary, outcomeSentence, splitSentences } from './summary.js';
import { bookingCall } from './test-calls.js';
import type { TurnRecord } from './store-port.js';

/** the call as the redact step leaves it */
function redactedBooking(): ReturnType<typeof bookingCall> {
  const call = bookingCall();
  return { ...call, turns: call.turns.map((t) => ({ ...t, text: redact(t.text).text })) };
}

test('the booking call: the caller’s request, the tool outcome, the agent’s confirmation and the hang-up', () => {
  const { session, turns } = redactedBooking();
  const s = extractiveSummary(turns, session);
  assert.equal(s.source, 'extractive');
  assert.deepEqual(s.sentences, [
    "Caller: I'd like to book a cleaning appointment for next Tuesday morning.",
    'Booked Tuesday 10:00 (ref A-1001).',
    "Agent: You're booked for Tuesday at 10:00, your reference is A-1001.",
    'Outcome: the caller hung up.',
  ]);
  assert.equal(s.text, s.sentences.join(' '));
});

test('deterministic: the same summary again, and whatever order the turns come in', () => {
  const { session, turns } = redactedBooking();
  const a = extractiveSummary(turns, session);
  const b = extractiveSummary([...turns].reverse(), session);
  const c = extractiveSummary([turns[3]!, turns[0]!, ...turns.slice(4), turns[2]!, turns[1]!], session);
  assert.deepEqual(b, a);
  assert.deepEqual(c, a);
});

test('redacted text only: PII left in a turn or a tool result does not reach the summary', () => {
  const sessionId = 's-pii';
  const turns: TurnRecord[] = [
    {
      sessionId,
      seq: 0,
      turnId: 't0',
      speaker: 'caller',
      text: 'I need to change my appointment, please call me back on 415 555 0134 about the booking.',
    },
    {
      sessionId,
      seq: 1,
      turnId: 't0',
      speaker: 'agent',
      text: 'Noted, we will call you back on 415 555 0134 today.',
      toolCalls: [{ tool: 'take_callback', ok: true, ms: 40, result: { reference: 'C-1001', phone: '415 555 0134' } }],
    },
  ];
  const s = extractiveSummary(turns, { outcome: 'agent_hangup' });
  assert.doesNotMatch(s.text, /415|555|0134/);
  assert.match(s.text, /\[PHONE_NUMBER\]/);
  assert.ok(s.sentences.includes('Callback requested (ref C-1001).'), s.text);
  assert.equal(s.sentences.at(-1), 'Outcome: the agent ended the call.');
});

test('greetings and courtesies are not chosen; a call with nothing of note says so', () => {
  const sessionId = 's-empty';
  const turns: TurnRecord[] = [
    { sessionId, seq: 0, turnId: 't0', speaker: 'agent', text: 'Hello, how can I help you?' },
    { sessionId, seq: 1, turnId: 't1', speaker: 'caller', text: 'Hello? Hello. Okay. Thanks, bye.' },
  ];
  assert.deepEqual(extractiveSummary(turns, {}).sentences, ['Nothing of note was said.']);
  assert.deepEqual(extractiveSummary([], {}).sentences, ['No conversation was recorded.']);
});

test('tool outcomes: failures named with their code, duplicates once, built-ins left to the outcome, many capped', () => {
  const sessionId = 's-tools';
  const call = (tool: string, ok: boolean, result?: unknown, errorCode?: string) => ({ tool, ok, ms: 10, result, errorCode });
  const turns: TurnRecord[] = [
    {
      sessionId,
      seq: 0,
      turnId: 't0',
      speaker: 'agent',
      text: 'One moment.',
      toolCalls: [
        call('check_stock', false, undefined, 'timeout'),
        call('check_stock', false, undefined, 'timeout'),
        call('cancel_appointment', true, { ref: 'A-2002' }),
        call('lookup_order', true, { status: 'shipped' }),
        call('reschedule_visit', true, { date: 'friday', time: '09:30' }),
        call('transfer_call', true),
      ],
    },
  ];
  const s = extractiveSummary(turns, {});
  assert.deepEqual(s.sentences, [
    'Check stock failed (timeout).',
    'Cancelled (ref A-2002).',
    'Lookup order succeeded.',
    '1 more tool result.',
    'Outcome: transferred to a person.',
  ]);
  assert.equal(describeToolCall({ tool: 'reschedule_visit', ok: true, ms: 1, result: { date: 'friday', time: '09:30' } }), 'Rescheduled Friday 09:30.');
  assert.equal(describeToolCall({ tool: 'end_call', ok: true, ms: 1 }), undefined);
});

test('outcome sentences', () => {
  assert.equal(outcomeSentence({ outcome: 'transferred' }), 'Outcome: transferred to a person.');
  assert.equal(outcomeSentence({ outcome: 'failed' }), 'Outcome: the call ended on an error.');
  assert.equal(outcomeSentence({ outcome: 'voicemail_left' }), 'Outcome: voicemail left.');
  assert.equal(outcomeSentence({}), undefined);
});

test('long sentences are cut at a word boundary; text without punctuation is one sentence', () => {
  assert.deepEqual(splitSentences('i want to book a table  for four'), ['i want to book a table for four']);
  assert.deepEqual(splitSentences('Yes. Book it! Now?'), ['Yes.', 'Book it!', 'Now?']);
  const sessionId = 's-long';
  const long = `I would like to book ${'a very long appointment description '.repeat(10)}please`;
  const s = extractiveSummary([{ sessionId, seq: 0, turnId: 't0', speaker: 'caller', text: long }], {}, { maxSentenceChars: 80 });
  const first = s.sentences[0]!;
  assert.ok(first.length <= 'Caller: '.length + 81, first);
  assert.ok(first.endsWith('…'), first);
  assert.match(first, /description…$|appointment…$|long…$|very…$|a…$/);
});
