import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JitterBuffer, type JitterFrame } from './jitter-buffer.js';

/** a frame whose first sample says which packet it came from */
const frame = (seq: number, level = 4000): Int16Array => Int16Array.from({ length: 160 }, (_, i) => (i === 0 ? seq : level));

interface Taken extends JitterFrame {
  at: number;
}

/** Arrival delivery by hand: `put` a packet at `at` ms (sent at seq × 20) then take all; `tick` takes all at `at`. */
class ArrivalDriver {
  readonly out: Taken[] = [];
  constructor(readonly jb = new JitterBuffer({ lossWaitMs: 60, minDelayMs: 0 })) {}
  put(seq: number, at: number, opts: { ts?: number; marker?: boolean } = {}): string {
    const fate = this.jb.put(seq & 0xffff, (opts.ts ?? seq * 160) >>> 0, frame(seq), at, opts.marker ?? false);
    this.tick(at);
    return fate;
  }
  tick(at: number): Taken[] {
    const got: Taken[] = [];
    for (let f = this.jb.take(at); f; f = this.jb.take(at)) got.push({ ...f, at });
    this.out.push(...got);
    return got;
  }
  seqs(): (number | string)[] {
    return this.out.map((f) => (f.kind === 'audio' ? f.seq! : f.kind));
  }
}

test('take: in-order packets come out the moment they arrive, stamped with their fastest-path arrival', () => {
  const d = new ArrivalDriver();
  for (let seq = 0; seq < 10; seq++) {
    const got = d.put(seq, seq * 20 + 3 + (seq % 3)); // 3–5 ms of jitter
    assert.equal(got, 'queued');
    assert.equal(d.out.length, seq + 1, `packet ${seq} handed over on arrival, not a target delay later`);
  }
  assert.deepEqual(d.seqs(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // the fastest transit was 3 ms: each frame is due at its send time + 3, whatever its own jitter
  assert.deepEqual(d.out.map((f) => f.dueMs), d.out.map((_, i) => i * 20 + 3));
  assert.equal(d.jb.running, true);
  assert.ok(d.jb.stats().depthMs <= 2, `depth stays at the delay actually added (${d.jb.stats().depthMs})`);
});

test('take: a reordered packet is waited for and the frames come out in order', () => {
  const d = new ArrivalDriver();
  d.put(0, 2);
  d.put(1, 22);
  assert.equal(d.put(3, 62), 'queued');
  assert.deepEqual(d.seqs(), [0, 1], 'frame 3 waits for the missing frame 2');
  d.put(2, 70); // 28 ms late: inside the wait
  assert.deepEqual(d.seqs(), [0, 1, 2, 3]);
  assert.equal(d.jb.stats().concealed, 0);
  assert.equal(d.jb.stats().lateDiscards, 0);
});

test('take: a lost packet is concealed once lossWaitMs past its arrival; arriving after that it is late', () => {
  const d = new ArrivalDriver();
  for (const seq of [0, 1, 3, 4]) d.put(seq, seq * 20 + 2);
  assert.deepEqual(d.seqs(), [0, 1]);
  assert.deepEqual(d.tick(40 + 2 + 59), [], 'not yet: 59 ms overdue');
  const got = d.tick(40 + 2 + 60);
  assert.deepEqual(got.map((f) => f.kind), ['concealed', 'audio', 'audio'], 'slot 2 concealed, then 3 and 4 at once');
  assert.equal(got[0]!.dueMs, 42);
  assert.equal(d.put(2, 110), 'late');
  assert.equal(d.jb.stats().lateDiscards, 1);
  assert.deepEqual(d.seqs(), [0, 1, 'concealed', 3, 4]);
});

test('take: a whole call delayed in a burst loses nothing as long as the wait covers it', () => {
  const d = new ArrivalDriver();
  for (let seq = 0; seq < 5; seq++) d.put(seq, seq * 20 + 1);
  // the link stalls for 50 ms: packets 5, 6 and 7 arrive together at 151 while the receive side ticks on
  for (let t = 100; t < 151; t += 20) assert.deepEqual(d.tick(t), [], `nothing concealed at ${t}`);
  for (let seq = 5; seq <= 7; seq++) d.put(seq, 151);
  d.put(8, 161);
  for (let t = 160; t <= 240; t += 20) d.tick(t);
  assert.deepEqual(d.seqs(), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(d.jb.stats().lateDiscards, 0);
  assert.equal(d.jb.stats().concealed, 0);
});

test('take: a new talkspurt after a pause (marker bit or next sequence number) plays at once, nothing concealed for the gap', () => {
  const d = new ArrivalDriver();
  for (let seq = 0; seq < 3; seq++) d.put(seq, seq * 20 + 2);
  // the sender stops sending for 100 ms (DTX) and resumes with the next sequence number, timestamps 5 frames on
  d.tick(100);
  const before = d.out.length;
  d.put(3, 160 + 2, { ts: 8 * 160 });
  assert.equal(d.out.at(-1)!.seq, 3, 'the resumed frame is handed over on arrival');
  assert.equal(d.out.at(-1)!.dueMs, 8 * 20 + 2);
  const gap = d.out.slice(before, -1);
  assert.ok(gap.every((f) => f.kind !== 'audio'), 'the pause came out as concealment fading to silence, never as audio');
});

test('take: with no packets for idleMs the stream stops running and a late-comer restarts it', () => {
  const d = new ArrivalDriver();
  d.put(0, 2);
  d.tick(300);
  assert.equal(d.jb.running, false, 'idle after 200 ms with nothing buffered');
  const n = d.out.length;
  assert.deepEqual(d.tick(320), [], 'nothing to take while idle: the caller fills in silence');
  d.put(20, 402, { marker: true });
  assert.equal(d.out.length, n + 1);
  assert.equal(d.out.at(-1)!.seq, 20);
  assert.equal(d.jb.stats().resyncs, 1);
});

test('take: a duplicate is counted once and never handed over twice', () => {
  const d = new ArrivalDriver();
  d.put(0, 2);
  d.put(1, 22);
  assert.equal(d.put(1, 23), 'duplicate');
  assert.deepEqual(d.seqs(), [0, 1]);
});

test('lossWaitMs out of range is refused', () => {
  assert.throws(() => new JitterBuffer({ lossWaitMs: -1 }), /lossWaitMs/);
  assert.throws(() => new JitterBuffer({ lossWaitMs: 5000 }), /lossWaitMs/);
});

test('frameBuffer: frames already played are handed out again, and no frame changes while it is still handed out or held', () => {
  const jb = new JitterBuffer({ lossWaitMs: 60, minDelayMs: 0 });
  const buffers = new Set<Int16Array>();
  const seen: number[] = [];
  let concealed = 0;
  // jittered arrivals, with packet 10 two frames late and 20, 21 lost: frames wait in the buffer, get concealed
  // (while newer packets are decoded in between), crossfaded
  const arrivals = Array.from({ length: 40 }, (_, seq) => ({ seq, at: seq * 20 + 3 + (seq % 4) + (seq === 10 ? 40 : 0) }))
    .filter((a) => a.seq !== 20 && a.seq !== 21)
    .sort((a, b) => a.at - b.at);
  for (const { seq, at } of arrivals) {
    const pcm = jb.frameBuffer();
    buffers.add(pcm);
    pcm.fill(4000);
    pcm[159] = seq * 100; // the end of a frame: a crossfade after concealment changes only its start
    jb.put(seq, seq * 160, pcm, at, false);
    for (let f = jb.take(at); f; f = jb.take(at)) {
      if (f.kind === 'concealed') {
        // made from the last good frame, which must not have been handed out for a newer packet meanwhile
        assert.equal(Math.round((f.pcm[159]! / f.pcm[100]!) * 40), seen.at(-1), 'concealment repeats the last frame played');
        concealed++;
      }
      if (f.kind !== 'audio') continue;
      assert.equal(f.pcm[159], f.seq! * 100, `frame ${f.seq} still holds its own samples when handed out`);
      assert.equal(f.pcm[100], 4000);
      seen.push(f.seq!);
    }
  }
  assert.deepEqual(seen, [...Array(40).keys()].filter((s) => s !== 20 && s !== 21), 'every frame but the lost ones, in order');
  assert.equal(concealed, 2, 'both lost packets were concealed');
  assert.ok(buffers.size <= 12, `frames were recycled: ${buffers.size} buffers for 38 packets`);
});
