import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PcmRing } from './pcm-ring.js';

const seq = (from: number, n: number) => Int16Array.from({ length: n }, (_, i) => from + i);

test('keeps everything until full, oldest first', () => {
  const r = new PcmRing(20000);
  r.write(seq(0, 5000));
  r.write(seq(5000, 7000)); // grows past its initial second
  assert.equal(r.length, 12000);
  assert.deepEqual(r.read(), seq(0, 12000));
});

test('overwrites the oldest samples once full', () => {
  const r = new PcmRing(10);
  r.write(seq(0, 7));
  r.write(seq(7, 7));
  assert.equal(r.length, 10);
  assert.equal(r.totalWritten, 14);
  assert.deepEqual(r.read(), seq(4, 10));
  r.write(seq(100, 25)); // a write larger than the ring keeps its tail
  assert.deepEqual(r.read(), seq(115, 10));
  r.clear();
  assert.equal(r.read().length, 0);
});

test('growing and wrapping across the capacity boundary keeps order', () => {
  const r = new PcmRing(9000);
  for (let i = 0; i < 100; i++) r.write(seq(i * 160, 160));
  assert.deepEqual(r.read(), seq(16000 - 9000, 9000));
});
