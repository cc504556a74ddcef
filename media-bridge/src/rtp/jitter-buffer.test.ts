import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JitterBuffer, effectiveLossPct, type JitterFrame } from './jitter-buffer.js';

/** a 440 Hz tone frame, continuous across sequence numbers; `level` is the peak amplitude */
function tone(seq: number, level = 8000): Int16Array {
  return Int16Array.from({ length: 160 }, (_, i) => Math.round(level * Math.sin((2 * Math.PI * 440 * (seq * 160 + i)) / 8000)));
}
const energy = (pcm: Int16Array) => pcm.reduce((a, s) => a + s * s, 0);

interface Arrival {
  seq: number;
  /** sent at seq × 20 ms unless given */
  ts?: number;
  at: number;
  marker?: boolean;
  level?: number;
}

/** Puts arrivals (before a pull due at the same ms) and pulls every 20 ms at `phase` + k × 20, by hand. */
class Driver {
  readonly out: JitterFrame[] = [];
  readonly fates = new Map<number, string>();
  private queue: Arrival[] = [];
  private now: number;
  constructor(
    readonly jb: JitterBuffer,
    phase = 10,
  ) {
    this.now = phase;
  }
  add(...arrivals: Arrival[]): this {
    this.queue.push(...arrivals);
    this.queue.sort((a, b) => a.at - b.at);
    return this;
  }
  /** pulls up to and including `untilMs`; `each` sees the buffer after every pull */
  run(untilMs: number, each?: (f: JitterFrame, jb: JitterBuffer) => void): JitterFrame[] {
    const got: JitterFrame[] = [];
    for (; this.now <= untilMs; this.now += 20) {
      while (this.queue.length > 0 && this.queue[0]!.at <= this.now) {
        const a = this.queue.shift()!;
        const ts = a.ts ?? (a.seq * 160) >>> 0;
        this.fates.set(a.seq, this.jb.put(a.seq & 0xffff, ts >>> 0, tone(a.seq, a.level), a.at, a.marker ?? false));
      }
      const f = this.jb.pull(this.now);
      got.push(f);
      each?.(f, this.jb);
    }
    this.out.push(...got);
    return got;
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const steady = (seqs: number[], delay = 3, level?: number): Arrival[] => seqs.map((seq) => ({ seq, at: seq * 20 + delay, level }));
const audioSeqs = (out: JitterFrame[]) => out.filter((f) => f.kind === 'audio').map((f) => f.seq);
/** frames between the first and the last audio frame */
const during = (out: JitterFrame[]) => out.slice(out.findIndex((f) => f.kind === 'audio'), out.map((f) => f.kind).lastIndexOf('audio') + 1);

test('a clean in-order stream plays every frame once, in order, at a depth of at most 40 ms', () => {
  const d = new Driver(new JitterBuffer()).add(...steady(range(0, 200)));
  let maxDepth = 0;
  d.run(200 * 20 + 100, (f, jb) => {
    if (f.kind === 'audio') maxDepth = Math.max(maxDepth, jb.stats().depthMs);
  });
  assert.deepEqual(audioSeqs(d.out), range(0, 200));
  assert.ok(during(d.out).every((f) => f.kind === 'audio'), 'no gap, nothing concealed while the stream runs');
  assert.ok(maxDepth <= 40, `depth ${maxDepth}`);
  const s = d.jb.stats();
  assert.equal(s.targetMs, 20);
  assert.equal(s.played, 200);
  assert.equal(s.lateDiscards + s.duplicates + s.overflowDrops + s.shrinkDrops + s.insertedFrames, 0);
});

test('with no minimum delay a clean link gets a target of the jitter plus the margin, not whole frames, and plays within a tick of it', () => {
  // packets arrive 3 ms after their send time (and jitter by 2 ms); pulls come 10 ms into each period
  const arrivals = range(0, 200).map((seq) => ({ seq, at: seq * 20 + 3 + (seq % 3 === 0 ? 2 : 0) }));
  const d = new Driver(new JitterBuffer({ minDelayMs: 0 })).add(...arrivals);
  let maxDepth = 0;
  d.run(200 * 20 + 100, (f, jb) => {
    if (f.kind === 'audio') maxDepth = Math.max(maxDepth, jb.stats().depthMs);
  });
  assert.deepEqual(audioSeqs(d.out), range(0, 200));
  const s = d.jb.stats();
  assert.ok(s.targetMs > 0 && s.targetMs < 20, `target ${s.targetMs}: the jitter (2 ms) + the 10 ms margin`);
  assert.ok(maxDepth < s.targetMs + 20, `depth ${maxDepth}: each frame is pulled on the first tick after its target`);
  assert.ok(maxDepth < 40, `depth ${maxDepth}: less than the two frames a 20 ms target could cost`);
  assert.equal(s.lateDiscards + s.insertedFrames, 0);
});

test('nothing but silence before the first packet', () => {
  const jb = new JitterBuffer();
  for (let t = 0; t < 10; t++) {
    const f = jb.pull(t * 20);
    assert.equal(f.kind, 'silence');
    assert.equal(energy(f.pcm), 0);
    assert.equal(f.pcm.length, 160);
  }
});

test('reordered packets come out in sequence order', () => {
  const arrivals = steady(range(0, 60));
  // 10 and 11 swap; 30 comes after 31 and 32 (both early); 40 comes after 41
  arrivals[10]!.at = 11 * 20 + 6;
  arrivals[31]!.at = 30 * 20 + 1;
  arrivals[32]!.at = 30 * 20 + 2;
  arrivals[30]!.at = 30 * 20 + 9;
  arrivals[40]!.at = 41 * 20 + 8;
  const d = new Driver(new JitterBuffer()).add(...arrivals);
  d.run(60 * 20 + 100);
  assert.deepEqual(audioSeqs(d.out), range(0, 60));
  assert.ok(during(d.out).every((f) => f.kind === 'audio'));
  assert.equal(d.jb.stats().lateDiscards, 0);
});

test('a lost frame is concealed by exactly one quieter repeat, and playout goes on', () => {
  const d = new Driver(new JitterBuffer()).add(...steady(range(0, 40).filter((s) => s !== 12)));
  d.run(40 * 20 + 100);
  const seg = during(d.out);
  const concealed = seg.filter((f) => f.kind === 'concealed');
  assert.equal(concealed.length, 1);
  const at = seg.indexOf(concealed[0]!);
  assert.equal(seg[at - 1]!.seq, 11);
  assert.equal(seg[at + 1]!.seq, 13);
  assert.ok(energy(seg[at]!.pcm) < energy(seg[at - 1]!.pcm), 'attenuated');
  assert.ok(energy(seg[at]!.pcm) > 0, 'not a gap');
  assert.deepEqual(audioSeqs(d.out), range(0, 40).filter((s) => s !== 12));
  assert.equal(d.jb.stats().concealed, 1 + 3, 'and three fading the tail when the stream stops');
});

test('successive concealed frames fade to silence within 60 ms', () => {
  const d = new Driver(new JitterBuffer()).add(...steady(range(0, 10)), ...steady(range(20, 30)));
  d.run(30 * 20 + 100);
  const seg = during(d.out);
  const gap = seg.slice(seg.findIndex((f) => f.seq === 9) + 1, seg.findIndex((f) => f.seq === 20));
  assert.equal(gap.length, 10);
  const e = gap.map((f) => energy(f.pcm));
  assert.deepEqual(
    gap.map((f) => f.kind),
    ['concealed', 'concealed', 'concealed', ...Array(7).fill('silence')],
  );
  assert.ok(e[0]! > e[1]! && e[1]! > e[2]! && e[2]! > 0);
  assert.ok(e.slice(3).every((x) => x === 0));
  // the audio after the gap fades in instead of starting with a click
  const resumed = seg[seg.findIndex((f) => f.seq === 20)]!.pcm;
  assert.equal(resumed[0], 0);
  assert.deepEqual(resumed.subarray(40), tone(20).subarray(40));
});

test('a packet arriving after its slot was played is late, counted and not played', () => {
  const arrivals = steady(range(0, 40));
  arrivals[15]!.at = 15 * 20 + 100;
  const d = new Driver(new JitterBuffer()).add(...arrivals);
  d.run(40 * 20 + 100);
  assert.equal(d.fates.get(15), 'late');
  const s = d.jb.stats();
  assert.equal(s.lateDiscards, 1);
  assert.deepEqual(audioSeqs(d.out), range(0, 40).filter((x) => x !== 15));
  assert.equal(during(d.out).filter((f) => f.kind === 'concealed').length, 1);
  // the receive counters see no loss (the packet came); the E-model must still count it
  assert.equal(effectiveLossPct({ expected: 40, lost: 0 }, s), 2.5);
});

test('sequence numbers and timestamps wrap around without a hiccup', () => {
  const first = 65530;
  const ts0 = 2 ** 32 - 3 * 160;
  const arrivals: Arrival[] = range(0, 20).map((i) => ({ seq: (first + i) & 0xffff, ts: (ts0 + i * 160) % 2 ** 32, at: i * 20 + 3 }));
  const d = new Driver(new JitterBuffer()).add(...arrivals);
  d.run(20 * 20 + 100);
  assert.deepEqual(
    audioSeqs(d.out),
    range(0, 20).map((i) => (first + i) & 0xffff),
  );
  assert.ok(during(d.out).every((f) => f.kind === 'audio'));
  const s = d.jb.stats();
  assert.equal(s.lateDiscards + s.overflowDrops + s.duplicates, 0);
});

test('jitter grows the target and the depth; a clean spell shrinks the target, then quiet audio the depth', () => {
  let x = 12345;
  const rand = () => ((x = (x * 1103515245 + 12345) % 2 ** 31), x / 2 ** 31);
  const jb = new JitterBuffer();
  const d = new Driver(jb);
  // 10 s of speech-level audio with ±30 ms of jitter around a 40 ms path
  d.add(...range(0, 500).map((seq) => ({ seq, at: seq * 20 + 40 + Math.round((rand() - 0.5) * 60) })));
  d.run(500 * 20);
  const jittery = jb.stats();
  assert.ok(jittery.targetMs > 40, `target ${jittery.targetMs}`);
  assert.ok(jittery.depthMs > 40, `depth ${jittery.depthMs}`);
  assert.ok(jittery.lateDiscards < 10, `late ${jittery.lateDiscards}`);

  // 20 s clean (no queueing: every packet takes the fast path; the estimate's window is 10 s), still speech: the
  // target comes down, but no speech frame is skipped to get there
  d.add(...steady(range(500, 1500), 10));
  const clean = d.run(1500 * 20);
  const afterClean = jb.stats();
  assert.ok(afterClean.targetMs <= 40, `target ${afterClean.targetMs}`);
  assert.ok(afterClean.depthMs >= jittery.depthMs, `depth ${afterClean.depthMs}`);
  assert.equal(afterClean.shrinkDrops, 0);
  const cleanSeqs = audioSeqs(clean).filter((s) => s! >= 500);
  assert.deepEqual(cleanSeqs, range(500, cleanSeqs.length + 500));

  // then quiet (background-level) audio: frames are dropped until the depth is back near the target
  d.add(...steady(range(1500, 2000), 10, 100));
  d.run(2000 * 20);
  const quiet = jb.stats();
  assert.ok(quiet.shrinkDrops > 0);
  assert.ok(quiet.depthMs <= 40, `depth ${quiet.depthMs}, target ${quiet.targetMs}`);
  assert.equal(quiet.lateDiscards, jittery.lateDiscards, 'shrinking made nothing late');
});

test('after a pause, a marker bit starts a new talkspurt at the target delay', () => {
  const jb = new JitterBuffer();
  const d = new Driver(jb);
  // talkspurt 0..19; the sender is silent for 1 s (its timestamps run on), then talks again from seq 20
  d.add(...steady(range(0, 20)));
  const spurt2 = range(20, 40).map((seq) => ({ seq, ts: (seq + 50) * 160, at: (seq + 50) * 20 + 3, marker: seq === 20 }));
  d.add(...spurt2);
  d.run(20 * 20 + 500);
  assert.ok(d.out.slice(-10).every((f) => f.kind === 'silence' && energy(f.pcm) === 0), 'idle: silence');
  let startedAt: number | undefined;
  d.run(90 * 20 + 100, (f) => {
    if (f.seq === 20) startedAt = jb.stats().depthMs;
  });
  assert.deepEqual(audioSeqs(d.out), range(0, 40));
  assert.equal(startedAt !== undefined && startedAt <= 40, true, `depth at restart ${startedAt}`);
  assert.equal(jb.stats().resyncs, 1);
});

test('a marker bit resynchronises playout even when the sender did not advance its timestamps over a pause', () => {
  const jb = new JitterBuffer();
  const d = new Driver(jb);
  d.add(...steady(range(0, 20)));
  // 120 ms pause in real time, but the timestamps carry on as if there had been none
  d.add(...range(20, 40).map((seq) => ({ seq, at: seq * 20 + 123, marker: seq === 20 })));
  d.run(40 * 20 + 300);
  assert.equal(d.fates.get(20), 'queued');
  assert.deepEqual(audioSeqs(d.out), range(0, 40));
  assert.equal(jb.stats().lateDiscards, 0);
});

test('after an outage, a stale burst is discarded as late and playout resumes on schedule', () => {
  const jb = new JitterBuffer();
  // 20..39 are held up in the network and arrive together with 40, 400 ms late
  const arrivals = steady(range(0, 60)).map((a) => (a.seq >= 20 && a.seq < 40 ? { ...a, at: 40 * 20 + 3 } : a));
  const d = new Driver(jb).add(...arrivals);
  d.run(60 * 20 + 400);
  const seqs = audioSeqs(d.out);
  const resumedAt = seqs[20]!;
  assert.ok(resumedAt > 20, 'what was already overdue is not played');
  assert.deepEqual(seqs, [...range(0, 20), ...range(resumedAt, 60)]);
  const s = jb.stats();
  assert.equal(s.lateDiscards, resumedAt - 20);
  assert.equal(s.resyncs, 1);
  assert.ok(s.targetMs > 40, 'a stall is jitter: the target grows');
});

test('duplicates are reported once each and a far-future packet is dropped without breaking the stream', () => {
  const jb = new JitterBuffer();
  const d = new Driver(jb).add(...steady(range(0, 30)));
  d.run(10 * 20 + 10);
  assert.equal(jb.put(10, 1600, tone(10), 10 * 20 + 4, false), 'duplicate', 'still buffered');
  assert.equal(jb.put(3, 480, tone(3), 10 * 20 + 5, false), 'duplicate', 'already played');
  assert.equal(jb.put(900, 900 * 160, tone(900), 10 * 20 + 6, false), 'early-overflow');
  d.run(30 * 20 + 100);
  assert.deepEqual(audioSeqs(d.out), range(0, 30));
  const s = jb.stats();
  assert.equal(s.duplicates, 2);
  assert.equal(s.overflowDrops, 1);
  assert.equal(effectiveLossPct({ expected: 30, lost: 0 }, s), 100 / 30);
});

test('several pulls at one instant (a pacer catching up) keep the order', () => {
  const jb = new JitterBuffer();
  for (const a of steady(range(0, 10))) jb.put(a.seq, a.seq * 160, tone(a.seq), a.at, false);
  const out = [jb.pull(30), jb.pull(90), jb.pull(90), jb.pull(90), jb.pull(110)];
  assert.deepEqual(
    out.map((f) => f.seq),
    [0, 1, 2, 3, 4],
  );
});

test('a sequence restart (new stream) is followed after one confirming packet', () => {
  const jb = new JitterBuffer();
  const d = new Driver(jb).add(...steady(range(0, 10)));
  d.run(12 * 20);
  d.add(...range(0, 10).map((i) => ({ seq: 20000 + i, ts: 7 + i * 160, at: (20 + i) * 20 + 3 })));
  d.run(40 * 20);
  assert.equal(d.fates.get(20000), 'early-overflow');
  assert.deepEqual(audioSeqs(d.out), [...range(0, 10), ...range(20001, 20010)]);
  assert.equal(jb.stats().resyncs, 1);
});

test('random puts and pulls never throw and always yield one whole frame', () => {
  let x = 99;
  const rand = (n: number) => ((x = (x * 1103515245 + 12345) % 2 ** 31), x % n);
  const jb = new JitterBuffer();
  let now = 0;
  for (let i = 0; i < 20_000; i++) {
    now += rand(30);
    if (rand(3) > 0) {
      const seq = rand(10) === 0 ? rand(65536) : (i + rand(5)) & 0xffff;
      const ts = rand(20) === 0 ? rand(2 ** 31) * 2 : ((seq * 160) % 2 ** 32) + rand(3) * 80;
      jb.put(seq, ts, new Int16Array(rand(3) === 0 ? rand(400) : 160).fill(rand(20000)), now, rand(8) === 0);
    } else {
      const f = jb.pull(now);
      assert.equal(f.pcm.length, 160);
    }
  }
  const s = jb.stats();
  assert.ok(s.targetMs >= 20 && s.targetMs <= 200);
  assert.ok(Number.isFinite(s.depthMs));
});

test('options are validated', () => {
  assert.throws(() => new JitterBuffer({ minDelayMs: 100, maxDelayMs: 50 }), RangeError);
  assert.throws(() => new JitterBuffer({ percentile: 0 }), RangeError);
  assert.doesNotThrow(() => new JitterBuffer({ minDelayMs: undefined, maxDelayMs: undefined }));
});
