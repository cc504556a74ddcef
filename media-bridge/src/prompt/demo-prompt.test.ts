import { test } from 'node:test';
import assert from 'node:assert/strict';
import { g711, SAMPLES_PER_FRAME } from '../audio/g711.js';
import { demoPrompt, demoPromptPcm, DEMO_PROMPT_ID } from './demo-prompt.js';

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
