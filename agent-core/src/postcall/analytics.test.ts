import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callAnalytics, latencyStats, percentile } from './analytics.js';
import { bookingCall } from './test-calls.js';

test('the booking call: talk/listen, interruptions, stage latencies, tools, MOS, counts and outcome', () => {
  const { session, turns } = bookingCall();
  assert.deepEqual(callAnalytics(turns, session), {
    turnCount: 7,
    callerTurns: 3,
    agentTurns: 4,
    durationMs: 30_000,
    callerSpeakingMs: 3500 + 4000 + 1500,
    agentSpeakingMs: 3000 + 3300 + 3600 + 900,
    talkListenRatio: 0.833,
    // the caller's barge-in timing and the interrupted reply share turn id t5: one interruption
    interruptions: 1,
    latency: {
      sttFinalMs: { count: 3, p50: 180, p95: 220, max: 220 },
      firstTokenMs: { count: 3, p50: 420, p95: 510, max: 510 },
      firstAudioMs: { count: 3, p50: 650, p95: 800, max: 800 },
      firstRtpOutMs: { count: 3, p50: 700, p95: 860, max: 860 },
    },
    tools: { calls: 1, ok: 1, failed: 0, successRate: 1 },
    // samples sorted by time: 4.1, 4.3, 3.9
    mos: { samples: 3, min: 3.9, mean: 4.1, last: 3.9 },
    outcome: 'caller_hangup',
  });
});

test('order of turns does not matter', () => {
  const { session, turns } = bookingCall();
  assert.deepEqual(callAnalytics([...turns].reverse(), session), callAnalytics(turns, session));
});

test('a call with nothing measured: nulls, not zeros or NaN', () => {
  const a = callAnalytics([], { sessionId: 's', callId: 'c', agent: 'a', startedAt: 1000 });
  assert.equal(a.durationMs, null);
  assert.equal(a.talkListenRatio, null);
  assert.deepEqual(a.latency, { sttFinalMs: null, firstTokenMs: null, firstAudioMs: null, firstRtpOutMs: null });
  assert.deepEqual(a.tools, { calls: 0, ok: 0, failed: 0, successRate: null });
  assert.equal(a.mos, null);
  assert.equal(a.outcome, 'unknown');
  assert.equal(a.turnCount, 0);
});

test('tool success rate over failed and successful calls; turns without end times add no speaking time', () => {
  const sessionId = 's';
  const a = callAnalytics(
    [
      {
        sessionId,
        seq: 0,
        turnId: 't0',
        speaker: 'agent',
        text: 'x',
        startedAt: 100,
        toolCalls: [
          { tool: 'a', ok: true, ms: 1 },
          { tool: 'b', ok: false, ms: 1, errorCode: 'timeout' },
          { tool: 'c', ok: false, ms: 1 },
        ],
      },
      { sessionId, seq: 1, turnId: 't1', speaker: 'caller', text: 'y', startedAt: 200, endedAt: 1200 },
    ],
    { sessionId, callId: 'c', agent: 'a', startedAt: 0, endedAt: 5000, outcome: 'transferred' },
  );
  assert.deepEqual(a.tools, { calls: 3, ok: 1, failed: 2, successRate: 0.333 });
  assert.equal(a.callerSpeakingMs, 1000);
  assert.equal(a.agentSpeakingMs, 0);
  assert.equal(a.talkListenRatio, null);
  assert.equal(a.outcome, 'transferred');
});

test('nearest-rank percentiles', () => {
  const v = Array.from({ length: 20 }, (_, i) => (i + 1) * 10); // 10..200
  assert.equal(percentile(v, 50), 100);
  assert.equal(percentile(v, 95), 190);
  assert.equal(percentile(v, 100), 200);
  assert.equal(percentile([], 50), undefined);
  assert.deepEqual(latencyStats([null, 30, undefined, 10, Number.NaN, 20]), { count: 3, p50: 20, p95: 30, max: 30 });
  assert.equal(latencyStats([null, undefined]), null);
});
