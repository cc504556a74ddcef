import { test } from 'node:test';
import assert from 'node:assert/strict';
import { g711, SAMPLES_PER_FRAME } from '../audio/g711.js';
import { demoPrompt, demoPromptPcm, DEMO_PROMPT_ID } from './demo-prompt.js';
import { PromptQueue } from './prompt-queue.js';

test('frames are 160 bytes; a short tail is padded with the codec silence byte; done is reported', () => {
  const done: string[] = [];
  const q = new PromptQueue(0xff, 160, (id) => done.push(id));
  q.enqueue({ id: 'a', payload: new Uint8Array(200).fill(1) });
  const f1 = q.nextFrame()!;
  const f2 = q.nextFrame()!;
  assert.equal(f1.length, 160);
  assert.equal(f2.length, 160);
  assert.equal(f2[39], 1);
  assert.equal(f2[40], 0xff);
  assert.deepEqual(done, ['a']);
  assert.equal(q.nextFrame(), undefined);
});

test('a loop repeats until something is queued behind it, then yields at the end of its pass', () => {
  const done: string[] = [];
  const q = new PromptQueue(0xff, 160, (id) => done.push(id));
  q.enqueue({ id: 'loop', payload: new Uint8Array(320).fill(7), loop: true });
  for (let i = 0; i < 5; i++) assert.equal(q.nextFrame()![0], 7);
  q.enqueue({ id: 'next', payload: new Uint8Array(160).fill(9) });
  assert.equal(q.nextFrame()![0], 7, 'finishes the current pass');
  assert.equal(q.nextFrame()![0], 9);
  assert.deepEqual(done, ['loop', 'next']);
});

test('clear drops everything without reporting done', () => {
  const done: string[] = [];
  const q = new PromptQueue(0xff, 160, (id) => done.push(id));
  q.enqueue({ id: 'a', payload: new Uint8Array(1600), loop: true });
  q.enqueue({ id: 'b', payload: new Uint8Array(1600) });
  q.nextFrame();
  assert.deepEqual(q.clear(), ['a', 'b']);
  assert.equal(q.nextFrame(), undefined);
  assert.deepEqual(done, []);
});

test('the demo prompt is whole frames, never silent, within full scale, and encoded per codec', () => {
  const pcm = demoPromptPcm();
  assert.equal(pcm.length % SAMPLES_PER_FRAME, 0);
  assert.ok(pcm.length >= 8000, 'at least a second per pass');
  for (let f = 0; f < pcm.length / SAMPLES_PER_FRAME; f++) {
    const frame = pcm.subarray(f * SAMPLES_PER_FRAME, (f + 1) * SAMPLES_PER_FRAME);
    const rms = Math.sqrt(frame.reduce((a, s) => a + s * s, 0) / frame.length);
    assert.ok(rms > 300, `frame ${f} is audible (rms ${rms.toFixed(0)})`);
  }
  assert.ok(Math.abs(pcm[0]! - pcm[pcm.length - 1]!) < 1500, 'the loop seam joins without a click');
  const mu = demoPrompt('PCMU');
  const a = demoPrompt('PCMA');
  assert.equal(mu.id, DEMO_PROMPT_ID);
  assert.equal(mu.loop, true);
  assert.equal(mu.payload.length, pcm.length);
  assert.notDeepEqual(mu.payload, a.payload);
  const back = g711('PCMU').decode(mu.payload);
  assert.ok(Math.abs(back[1000]! - pcm[1000]!) < 600, 'μ-law round trip is close');
});
