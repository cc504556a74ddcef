import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JitterBuffer, type JitterFrame } from './jitter-buffer.js';

/** a loud frame whose first sample names its sequence number */
const frame = (seq: number, level = 8000) => Int16Array.from({ length: 160 }, (_, i) => (i === 0 ? seq : i % 2 ? level : -level));
const energy = (pcm: Int16Array) => pcm.reduce((a, s) => a + s * s, 0);

/** drives a buffer at 20 ms ticks: packet i sent at i*20 arrives at i*20 + delay(i) (undefined = lost) */
function run(jb: JitterBuffer, n: number, delay: (i: number) => number | undefined, ticks = n + 20, seq0 = 0): JitterFrame[] {
  const arrivals = [];
  for (let i = 0; i < n; i++) {
    const d = delay(i);
    if (d !== undefined) arrivals.push({ i, at: i * 20 + d });
  }
  arrivals.sort((a, b) => a.at - b.at);
  const out: JitterFrame[] = [];
  let k = 0;
  for (let t = 0; t < ticks; t++) {
    const now = t * 20;
    while (k < arrivals.length && arrivals[k]!.at <= now) {
      const { i, at } = arrivals[k++]!;
      const seq = (seq0 + i) & 0xffff;
      jb.put(seq, (i * 160) >>> 0, frame(seq), at, i === 0);
    }
    out.push(jb.pull(now));
  }
  return out;
}

const audioSeqs = (out: JitterFrame[]) => out.filter((f) => f.kind === 'audio').map((f) => f.seq);

describe('JitterBuffer', () => {
  it('a clean stream plays every frame once, in order, with a small depth', () => {
    const jb = new JitterBuffer();
    const out = run(jb, 50, () => 5);
    assert.deepEqual(audioSeqs(out), Array.from({ length: 50 }, (_, i) => i));
    const lastAudio = out.map((f) => f.kind).lastIndexOf('audio');
    assert.equal(out.slice(0, lastAudio).filter((f) => f.kind === 'concealed').length, 0, 'nothing concealed while the stream runs');
    assert.ok(jb.stats().targetMs <= 40, `target ${jb.stats().targetMs}`);
  });

  it('undoes reordering', () => {
    const jb = new JitterBuffer({ minDelayMs: 40 });
    // packets 10 and 11 swap places
    const out = run(jb, 30, (i) => (i === 10 ? 25 : i === 11 ? 2 : 5));
    assert.deepEqual(audioSeqs(out), Array.from({ length: 30 }, (_, i) => i));
    assert.equal(jb.stats().lateDiscards, 0);
  });

  it('conceals a lost frame with one quieter repeat instead of a gap', () => {
    const jb = new JitterBuffer();
    const out = run(jb, 30, (i) => (i === 12 ? undefined : 5));
    const firstAudio = out.findIndex((f) => f.kind === 'audio');
    const seg = out.slice(firstAudio, firstAudio + 30);
    const at = seg.findIndex((f) => f.kind === 'concealed');
    assert.equal(seg.filter((f) => f.kind === 'concealed').length, 1);
    assert.equal(seg[at - 1]!.seq, 11);
    assert.equal(seg[at + 1]!.seq, 13);
    assert.ok(energy(seg[at]!.pcm) < energy(seg[at - 1]!.pcm) / 2, 'attenuated');
    assert.ok(energy(seg[at]!.pcm) > 0, 'not a gap');
  });

  it('counts a packet arriving after its slot as a late discard', () => {
    const jb = new JitterBuffer({ minDelayMs: 20, maxDelayMs: 20 });
    run(jb, 30, (i) => (i === 15 ? 200 : 5));
    assert.equal(jb.stats().lateDiscards, 1);
  });

  it('follows the 16-bit sequence number across its wrap', () => {
    const jb = new JitterBuffer();
    const out = run(jb, 20, () => 5, 40, 65530);
    assert.deepEqual(audioSeqs(out), Array.from({ length: 20 }, (_, i) => (65530 + i) & 0xffff));
  });

  it('grows its target on a jittery network and shrinks the depth back when it is clean again', () => {
    const jb = new JitterBuffer();
    let x = 7;
    const rand = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff), x / 0x7fffffff);
    run(jb, 200, () => Math.round(rand() * 60));
    const jittery = jb.stats();
    assert.ok(jittery.targetMs > 40, `target after jitter ${jittery.targetMs}`);
    // then a clean stretch of quiet audio: the jitter estimate decays and low-energy frames are dropped
    const quiet = new JitterBuffer();
    for (let i = 0; i < 60; i++) quiet.put(i, i * 160, frame(i, 50), 0); // a burst: 1.2 s arrives at once
    for (let t = 0; t < 10; t++) quiet.pull(20 + t * 20);
    assert.ok(quiet.stats().shrinkDrops > 0, 'quiet frames dropped to shrink');
    assert.ok(quiet.stats().depthMs < 1000);
  });

  it('is silent before the first packet and after the stream stops (DTX), then resynchronises on a marker', () => {
    const jb = new JitterBuffer({ maxDelayMs: 60 });
    assert.equal(jb.pull(0).kind, 'silence');
    jb.put(100, 0, frame(100), 0, true);
    const afterStop = Array.from({ length: 10 }, (_, t) => jb.pull(20 + t * 20).kind);
    assert.deepEqual(afterStop.slice(0, 1), ['audio']);
    assert.equal(afterStop.at(-1), 'silence', 'idle after maxDelay of nothing');
    jb.put(500, 80000, frame(500), 1000, true);
    const resumed = Array.from({ length: 3 }, (_, t) => jb.pull(1020 + t * 20));
    assert.equal(resumed.find((f) => f.kind === 'audio')?.seq, 500);
  });

  it('drops duplicates and far-future packets without breaking', () => {
    const jb = new JitterBuffer();
    assert.equal(jb.put(1, 160, frame(1), 0, true), 'queued');
    assert.equal(jb.put(1, 160, frame(1), 1), 'duplicate');
    assert.equal(jb.put(100, 16000, frame(100), 2), 'early-overflow');
    assert.equal(jb.stats().duplicates, 1);
    assert.equal(jb.stats().overflowDrops, 1);
  });
});
