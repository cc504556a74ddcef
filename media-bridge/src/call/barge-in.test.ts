import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bargeInSchema, type BargeInConfig } from '@callgate/contracts';
import { Playout } from '../playout/playout.js';
import { BargeInController, type BargeIn, type FalseInterruption } from './barge-in.js';

const second = new Int16Array(8000).fill(1000);

describe('BargeInController', () => {
  let playout: Playout;
  let barged: BargeIn[];
  let falses: FalseInterruption[];
  const make = (over: Partial<BargeInConfig> = {}) => {
    const c = new BargeInController(playout, bargeInSchema.parse({ guardMs: 100, ...over }), {
      onBargeIn: (b) => barged.push(b),
      onFalseInterruption: (f) => falses.push(f),
    });
    return c;
  };
  /** plays `frames` ticks starting at media time 0 (the item starts at 0) */
  const play = (c: BargeInController, frames: number) => {
    for (let i = 0; i < frames; i++) {
      const f = playout.nextFrame();
      if (f?.first) c.itemStarted(f.itemId, i * 20);
    }
  };

  beforeEach(() => {
    playout = new Playout();
    barged = [];
    falses = [];
  });

  it('pauses at speech onset and, once speech is confirmed, flushes and reports what was heard', () => {
    const c = make();
    playout.appendReply('r1', second);
    play(c, 25); // 500 ms out
    c.speechOnset(480, 500);
    assert.equal(playout.paused, true);
    assert.equal(playout.nextFrame(), undefined, 'no agent audio on the next tick');
    c.speechConfirmed(480, 700);
    assert.deepEqual(barged, [{ itemId: 'r1', kind: 'reply', heardMs: 500, onsetMs: 480, atMs: 700, cause: 'speech' }]);
    assert.equal(playout.active, false, 'queued audio flushed');
  });

  it('resumes the reply after a false interruption (a cough), or drops it when the policy says discard', () => {
    const c = make();
    playout.appendReply('r1', second);
    play(c, 10);
    c.speechOnset(190, 200);
    c.speechAbandoned(260);
    assert.deepEqual(falses, [{ itemId: 'r1', onsetMs: 190, atMs: 260, heardMs: 200, action: 'resumed' }]);
    assert.equal(playout.paused, false);
    assert.equal(playout.nextFrame()!.pcm.length, 160, 'the reply goes on');
    assert.equal(barged.length, 0);

    const d = make({ afterFalseInterruption: 'discard' });
    d.itemStarted('r1', 0);
    d.speechOnset(300, 300);
    d.speechAbandoned(350);
    assert.equal(falses[1]?.action, 'discarded');
    assert.equal(playout.active, false);
  });

  it('ignores onsets inside the guard at the start of an item, but a confirmed speech after the guard still counts', () => {
    const c = make({ guardMs: 300 });
    playout.appendReply('r1', second);
    play(c, 5); // 100 ms in
    c.speechOnset(80, 100);
    assert.equal(playout.paused, false, 'guarded');
    play(c, 15); // 400 ms in
    c.speechConfirmed(80, 400);
    assert.equal(barged.length, 1);
    assert.equal(barged[0]!.heardMs, 400);
  });

  it('does nothing when disabled, when nothing plays, or for DTMF when DTMF does not count', () => {
    const off = make({ enabled: false });
    playout.appendReply('r1', second);
    play(off, 20);
    off.speechOnset(390, 400);
    off.speechConfirmed(390, 600);
    off.dtmf(600);
    assert.equal(playout.paused, false);
    assert.equal(barged.length, 0);

    const noDtmf = make({ dtmf: false });
    noDtmf.itemStarted('r1', 0);
    noDtmf.dtmf(700);
    assert.equal(barged.length, 0);

    const idle = make();
    playout.flush();
    idle.speechOnset(0, 1000);
    idle.speechConfirmed(0, 1200);
    assert.equal(barged.length, 0);
  });

  it('a key press interrupts the agent at once', () => {
    const c = make();
    playout.appendReply('r1', second);
    play(c, 15);
    c.dtmf(300);
    assert.deepEqual(barged, [{ itemId: 'r1', kind: 'reply', heardMs: 300, onsetMs: 300, atMs: 300, cause: 'dtmf' }]);
  });
});
