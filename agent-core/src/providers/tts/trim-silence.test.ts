import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { trimSilence } from './trim-silence.js';

describe('trimSilence', () => {
  const sound = (ms: number) => Int16Array.from({ length: ms * 8 }, (_, i) => Math.round(3000 * Math.sin(i / 3)));
  const concat = (...parts: Int16Array[]) => {
    const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };

  it('keeps 10 ms before the first sound and 80 ms after the last', () => {
    const pcm = concat(new Int16Array(240 * 8), sound(500), new Int16Array(300 * 8));
    const out = trimSilence(pcm);
    assert.equal(out.length, (10 + 500 + 80) * 8);
    assert.equal(out[10 * 8 - 1], 0, 'the kept lead is silence');
    assert.notEqual(out[10 * 8 + 1], 0, 'then the sound');
  });

  it('keeps silence inside the audio and leaves an all-silent buffer alone', () => {
    const pcm = concat(sound(200), new Int16Array(400 * 8), sound(200));
    assert.equal(trimSilence(pcm, { keepTailMs: 0 }).length, pcm.length);
    const quiet = new Int16Array(800);
    assert.equal(trimSilence(quiet), quiet);
  });
});
