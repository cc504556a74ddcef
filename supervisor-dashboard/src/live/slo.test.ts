import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dashboardSchema, type LiveEvent } from '@callgate/contracts';
import { percentile, SloTracker } from './slo.js';

type Timing = Extract<LiveEvent, { type: 'turn_timing' }>;
const timing = (at: number, v2v: number, barge?: [number, number]): Timing => ({
  v: 1, sessionId: 's', seq: at, at, type: 'turn_timing', turnId: `t${at}`, sttFirstPartialMs: 100, sttFinalMs: 50, firstTokenMs: 60, firstAudioMs: 200, firstRtpOutMs: v2v,
  bargeInMs: barge ? barge[0] : null, playbackStoppedMs: barge ? barge[1] : null, filler: false,
});

test('nearest-rank p95', () => {
  assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 0.95), 19);
  assert.equal(percentile([5], 0.95), 5);
});

test('over target shows at once, breached only after the hold time, clears when the window recovers', () => {
  let now = 100_000;
  const slo = new SloTracker(dashboardSchema.parse({ slo: { windowMs: 60_000, holdMs: 10_000, minSamples: 5, turnLatencyP95Ms: 1000 } }).slo, () => now);
  for (let i = 0; i < 4; i++) slo.observe(timing(now, 2000));
  let turn = slo.evaluate().find((s) => s.name === 'turn_latency')!;
  assert.equal(turn.p95Ms, null, 'too few samples to judge');
  slo.observe(timing(now, 2000, [700, 760]));
  turn = slo.evaluate().find((s) => s.name === 'turn_latency')!;
  assert.deepEqual([turn.p95Ms, turn.over, turn.breached], [2000, true, false]);
  now += 10_000;
  turn = slo.evaluate().find((s) => s.name === 'turn_latency')!;
  assert.equal(turn.breached, true);
  now += 60_001;
  for (let i = 0; i < 5; i++) slo.observe(timing(now, 500));
  turn = slo.evaluate().find((s) => s.name === 'turn_latency')!;
  assert.deepEqual([turn.p95Ms, turn.over, turn.breached, turn.overSince], [500, false, false, null]);
  const barge = slo.evaluate().find((s) => s.name === 'barge_in')!;
  assert.equal(barge.samples, 0, 'the barge-in sample fell out of the window');
});
