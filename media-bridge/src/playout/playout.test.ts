import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Playout, type PlayedItem } from './playout.js';

const ramp = (n: number, from = 0) => Int16Array.from({ length: n }, (_, i) => from + i);

describe('Playout', () => {
  it('hands out a prompt in 20 ms frames, pads the last, and reports it done', () => {
    const done: PlayedItem[] = [];
    const p = new Playout((d) => done.push(d));
    p.enqueuePrompt('hello', ramp(400));
    const frames = [p.nextFrame(), p.nextFrame(), p.nextFrame(), p.nextFrame()];
    assert.deepEqual(frames.map((f) => f?.pcm.length), [160, 160, 160, undefined]);
    assert.equal(frames[0]!.first, true);
    assert.equal(frames[1]!.first, false);
    assert.deepEqual([...frames[2]!.pcm.subarray(78, 82)], [398, 399, 0, 0]);
    assert.deepEqual(done, [{ id: 'hello', kind: 'prompt', playedMs: 50, complete: true }]);
    assert.equal(p.active, false);
  });

  it('writes into the buffer it is given, and the short last frame ends in zeros there too', () => {
    const p = new Playout(() => undefined);
    p.enqueuePrompt('hello', ramp(200, 1));
    const buf = new Int16Array(160).fill(-7);
    const first = p.nextFrame(160, buf)!;
    assert.equal(first.pcm, buf);
    assert.deepEqual([buf[0], buf[159]], [1, 160]);
    buf.fill(-7);
    const last = p.nextFrame(160, buf)!;
    assert.equal(last.pcm, buf);
    assert.deepEqual([...buf.subarray(38, 42)], [199, 200, 0, 0]);
    assert.equal(buf[159], 0);
  });

  it('streams a reply: waits for whole frames until it ends, then plays the tail', () => {
    const done: PlayedItem[] = [];
    const p = new Playout((d) => done.push(d));
    assert.equal(p.appendReply('r1', ramp(100)), true);
    assert.equal(p.nextFrame(), undefined, 'an underrun, not a short frame');
    p.appendReply('r1', ramp(100, 100));
    assert.deepEqual([...p.nextFrame()!.pcm.subarray(98, 102)], [98, 99, 100, 101]);
    p.endReply('r1');
    const tail = p.nextFrame()!;
    assert.equal(tail.pcm[39], 199);
    assert.equal(tail.pcm[40], 0);
    assert.deepEqual(done, [{ id: 'r1', kind: 'reply', playedMs: 25, complete: true }]);
    assert.equal(p.appendReply('r1', ramp(10)), false, 'an ended reply takes no more audio');
  });

  it('pauses and resumes exactly where it stopped', () => {
    const p = new Playout();
    p.appendReply('r', ramp(800));
    p.nextFrame();
    p.pause();
    assert.equal(p.nextFrame(), undefined);
    assert.equal(p.current?.playedMs, 20);
    p.resume();
    assert.equal(p.nextFrame()!.pcm[0], 160);
  });

  it('flush drops everything and says how much of each item was heard; late audio of a flushed reply is refused', () => {
    const p = new Playout();
    p.appendReply('r1', ramp(1600));
    p.appendReply('r2', ramp(800));
    p.nextFrame();
    p.nextFrame();
    p.pause();
    assert.deepEqual(p.flush(), [
      { id: 'r1', kind: 'reply', playedMs: 40, complete: false },
      { id: 'r2', kind: 'reply', playedMs: 0, complete: false },
    ]);
    assert.equal(p.paused, false);
    assert.equal(p.bufferedMs, 0);
    assert.equal(p.appendReply('r1', ramp(160)), false);
    assert.equal(p.appendReply('r3', ramp(160)), true);
  });

  it('loops a prompt until something is queued behind it, then finishes the pass and yields', () => {
    const done: PlayedItem[] = [];
    const p = new Playout((d) => done.push(d));
    p.enqueuePrompt('loop', ramp(320), true);
    for (let i = 0; i < 5; i++) p.nextFrame();
    assert.equal(done.length, 0);
    p.appendReply('r', ramp(160, 1000));
    assert.equal(p.nextFrame()!.itemId, 'loop', 'the pass finishes first');
    const next = p.nextFrame()!;
    assert.equal(next.itemId, 'r');
    assert.equal(next.pcm[0], 1000);
    assert.equal(done[0]?.id, 'loop');
  });

  it('drops one reply on request and keeps the rest', () => {
    const p = new Playout();
    p.appendReply('a', ramp(320));
    p.appendReply('b', ramp(320, 5000));
    assert.deepEqual(p.drop('a'), { id: 'a', kind: 'reply', playedMs: 0, complete: false });
    assert.equal(p.nextFrame()!.pcm[0], 5000);
    assert.equal(p.drop('nope'), undefined);
  });

  it('refuses reply audio beyond the queue cap instead of growing without bound', () => {
    const p = new Playout();
    const minute = new Int16Array(60 * 8000);
    let accepted = 0;
    for (let i = 0; i < 10; i++) if (p.appendReply('long', minute)) accepted++;
    assert.equal(accepted, 5);
  });
});
