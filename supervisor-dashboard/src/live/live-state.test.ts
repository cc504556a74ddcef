import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LiveEvent } from '@callgate/contracts';
import { LiveState } from './live-state.js';

let seq = 0;
const ev = (e: Record<string, unknown>): LiveEvent => ({ v: 1, sessionId: 's1', seq: ++seq, at: 1000 + seq, ...e }) as LiveEvent;

test('events fold into a row and a detail: partials replaced by finals, timings, tools, quality, end', () => {
  let now = 0;
  const live = new LiveState({ maxCalls: 10, maxLinesPerCall: 50, maxSamplesPerCall: 10, endedLingerMs: 1000 }, () => now);
  live.apply(ev({ type: 'call_started', agent: 'front-desk', callId: 'c1', from: '+1 212 ••• ••98', to: 'sip:1000@10.0.0.1' }));
  live.apply(ev({ type: 'transcript', turnId: 't1', speaker: 'caller', final: false, text: 'my card' }));
  assert.equal(live.rows()[0]?.state, 'caller-speaking');
  live.apply(ev({ type: 'transcript', turnId: 't1', speaker: 'caller', final: true, text: 'my card is [CARD_NUMBER]' }));
  live.apply(ev({ type: 'tool', turnId: 't1', tool: 'book', status: 'started' }));
  assert.equal(live.rows()[0]?.state, 'tool');
  live.apply(ev({ type: 'tool', turnId: 't1', tool: 'book', status: 'ok', ms: 42 }));
  live.apply(ev({ type: 'turn_timing', turnId: 't1', sttFirstPartialMs: 300, sttFinalMs: 80, firstTokenMs: 90, firstAudioMs: 200, firstRtpOutMs: 640.4, bargeInMs: null, playbackStoppedMs: null, filler: false }));
  live.apply(ev({ type: 'quality', mos: 4.3, jitterMs: 2.5, lossPct: 1 }));
  const row = live.rows()[0]!;
  assert.deepEqual([row.caller, row.dialed, row.agent, row.turns, row.lastV2vMs, row.mos, row.jitterMs, row.loss, row.state], ['+1 212 ••• ••98', '1000', 'front-desk', 1, 640, 4.3, 2.5, 0.01, 'agent-speaking']);
  const d = live.detail('s1')!;
  assert.deepEqual(d.transcript.map((l) => [l.text, l.final]), [['my card is [CARD_NUMBER]', true]]);
  assert.deepEqual(d.tools.map((t) => [t.tool, t.status, t.ms]), [['book', 'ok', 42]]);
  assert.equal(d.quality.length, 1);
  const v = live.version('s1');
  live.apply({ ...ev({ type: 'quality', mos: 1, jitterMs: 0, lossPct: 0 }), seq: 3 } as LiveEvent);
  assert.equal(live.version('s1'), v, 'an old seq (duplicate delivery) changes nothing');
  assert.equal(live.duplicates, 1);
  live.apply(ev({ type: 'call_ended', reason: 'caller hung up', turns: 1 }));
  assert.equal(live.activeCalls(), 0);
  now = 1000 + seq + 999;
  assert.equal(live.sweep(), 0);
  now += 1;
  assert.equal(live.sweep(), 1);
  assert.equal(live.rows().length, 0);
});

test('a call first seen mid-way gets a row; lines and calls are bounded', () => {
  const live = new LiveState({ maxCalls: 2, maxLinesPerCall: 3, maxSamplesPerCall: 2, endedLingerMs: 0 });
  for (let i = 0; i < 5; i++) live.apply({ v: 1, sessionId: 'a', seq: i + 1, at: i, type: 'transcript', turnId: `t${i}`, speaker: 'agent', final: true, text: `line ${i}` });
  assert.deepEqual(live.detail('a')!.transcript.map((l) => l.text), ['line 2', 'line 3', 'line 4']);
  assert.equal(live.rows()[0]?.caller, 'unknown');
  live.apply({ v: 1, sessionId: 'b', seq: 1, at: 1, type: 'quality', mos: 4, jitterMs: 1, lossPct: 0 });
  live.apply({ v: 1, sessionId: 'c', seq: 1, at: 1, type: 'quality', mos: 4, jitterMs: 1, lossPct: 0 });
  assert.equal(live.has('c'), false, 'full of live calls: the newest is not tracked');
  live.apply({ v: 1, sessionId: 'a', seq: 99, at: 9, type: 'call_ended', reason: 'done', turns: 5 });
  live.apply({ v: 1, sessionId: 'c', seq: 2, at: 2, type: 'quality', mos: 4, jitterMs: 1, lossPct: 0 });
  assert.equal(live.has('c'), true, 'an ended call made room');
  assert.equal(live.has('a'), false);
});
