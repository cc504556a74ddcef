import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReceiveStatsTracker } from './receive-stats.js';

function feed(t: ReceiveStatsTracker, seqs: number[], ssrc = 1) {
  return seqs.map((seq) => t.record(ssrc, seq & 0xffff, (seq * 160) >>> 0, 160, seq * 20));
}

test('counts packets, bytes and losses from sequence gaps', () => {
  const t = new ReceiveStatsTracker();
  feed(t, [10, 11, 12, 15, 16]);
  const s = t.snapshot();
  assert.equal(s.packets, 5);
  assert.equal(s.bytes, 800);
  assert.equal(s.expected, 7);
  assert.equal(s.lost, 2);
  assert.equal(s.duplicates, 0);
  assert.equal(s.jitterMs, 0, 'perfectly paced arrivals have no jitter');
});

test('duplicates and late packets are told apart, and a late packet is no longer lost', () => {
  const t = new ReceiveStatsTracker();
  const fates = feed(t, [1, 2, 4, 4, 3, 3, 5]);
  assert.deepEqual(fates, ['in-order', 'in-order', 'in-order', 'duplicate', 'late', 'duplicate', 'in-order']);
  const s = t.snapshot();
  assert.equal(s.duplicates, 2);
  assert.equal(s.outOfOrder, 1);
  assert.equal(s.lost, 0);
  assert.equal(s.expected, 5);
});

test('sequence numbers wrap around 65535 without counting a loss', () => {
  const t = new ReceiveStatsTracker();
  feed(t, [65534, 65535, 0, 1]);
  assert.equal(t.snapshot().expected, 4);
  assert.equal(t.snapshot().lost, 0);
});

test('a huge jump is held once, then accepted as a restart when the next packet confirms it', () => {
  const t = new ReceiveStatsTracker();
  assert.deepEqual(feed(t, [100, 101, 30000, 30001, 30002]), ['in-order', 'in-order', 'held', 'in-order', 'in-order']);
  const s = t.snapshot();
  assert.equal(s.resyncs, 1);
  assert.equal(s.lost, 0);
  assert.equal(s.expected, 4);
});

test('a new SSRC starts a new sequence space', () => {
  const t = new ReceiveStatsTracker();
  feed(t, [1, 2, 3], 1);
  feed(t, [5000, 5002], 2);
  const s = t.snapshot();
  assert.equal(s.ssrcChanges, 1);
  assert.equal(s.expected, 6);
  assert.equal(s.lost, 1);
});

test('irregular arrivals raise the jitter estimate', () => {
  const t = new ReceiveStatsTracker();
  for (let i = 0; i < 50; i++) t.record(1, i, i * 160, 160, i * 20 + (i % 2 ? 15 : 0));
  assert.ok(t.snapshot().jitterMs > 5);
});

test('interarrival jitter by RFC 3550 §6.4.1, against a hand-computed sequence', () => {
  // timestamps 0, 160, 320, 480 (20 ms apart at 8 kHz), arrivals 0, 20, 45, 60 ms → transits (timestamp units)
  // 0, 0, 40, 0 → |D| = 0, 40, 40 → J = 0, 0 + 40/16 = 2.5, 2.5 + (40 - 2.5)/16 = 4.84375 units = 0.60546875 ms
  const t = new ReceiveStatsTracker();
  [0, 20, 45, 60].forEach((at, i) => t.record(1, 100 + i, i * 160, 160, at));
  assert.equal(t.snapshot().jitterMs, 0.60546875);
  assert.equal(t.reportState()?.jitter, 5, 'RTCP carries it rounded, in timestamp units');
});
