import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamingResampler, resamplePcm16 } from './resample.js';

function tone(hz: number, rate: number, seconds: number, amp = 10_000): Int16Array {
  const n = Math.round(rate * seconds);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amp * Math.sin((2 * Math.PI * hz * i) / rate));
  return out;
}

/** peak amplitude estimated from the RMS of the middle half (away from the edges) */
function amplitude(x: Int16Array): number {
  const from = Math.floor(x.length / 4);
  const to = Math.floor((3 * x.length) / 4);
  let sum = 0;
  for (let i = from; i < to; i++) sum += (x[i] as number) ** 2;
  return Math.sqrt(sum / (to - from)) * Math.SQRT2;
}

function zeroCrossings(x: Int16Array): number {
  let n = 0;
  for (let i = 1; i < x.length; i++) if (((x[i - 1] as number) < 0) !== ((x[i] as number) < 0)) n++;
  return n;
}

/** pushes `input` in irregular pieces and concatenates everything the resampler returns */
function streamed(r: StreamingResampler, input: Int16Array, sizes = [1, 997, 13, 480, 2, 4001]): Int16Array {
  const parts: Int16Array[] = [];
  let at = 0;
  let k = 0;
  while (at < input.length) {
    const n = sizes[k++ % sizes.length] as number;
    parts.push(r.push(input.subarray(at, at + n)));
    at += n;
  }
  parts.push(r.flush());
  const out = new Int16Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

test('24 kHz → 8 kHz: a 1 kHz tone keeps its amplitude and frequency, and the length matches the duration', () => {
  const out = streamed(new StreamingResampler(24_000, 8000), tone(1000, 24_000, 1));
  assert.equal(out.length, 8000);
  const amp = amplitude(out);
  assert.ok(Math.abs(amp - 10_000) < 150, `amplitude ${amp}`);
  const zc = zeroCrossings(out);
  assert.ok(Math.abs(zc - 2000) <= 4, `zero crossings ${zc}`);
});

test('24 kHz → 8 kHz: a 6 kHz tone (above the new Nyquist) is attenuated strongly instead of aliasing to 2 kHz', () => {
  const out = streamed(new StreamingResampler(24_000, 8000), tone(6000, 24_000, 1));
  const amp = amplitude(out);
  assert.ok(amp < 10_000 * 0.003, `amplitude ${amp} (input 10000)`); // better than −50 dB
});

test('a 4.5 kHz tone just above the new Nyquist is attenuated, a 3 kHz tone passes', () => {
  assert.ok(amplitude(resamplePcm16(tone(3000, 24_000, 0.5), 24_000)) > 9000);
  assert.ok(amplitude(resamplePcm16(tone(4500, 24_000, 0.5), 24_000)) < 300);
});

test('streaming in irregular pieces gives exactly the one-shot result', () => {
  const input = tone(700, 22_050, 0.3);
  const oneShot = resamplePcm16(input, 22_050);
  const pieces = streamed(new StreamingResampler(22_050, 8000), input, [3, 1, 250, 77]);
  assert.deepEqual(pieces, oneShot);
});

for (const rate of [16_000, 22_050, 44_100, 48_000, 11_025]) {
  test(`${rate} Hz → 8 kHz keeps a 1 kHz tone and the duration`, () => {
    const out = streamed(new StreamingResampler(rate, 8000), tone(1000, rate, 0.5));
    assert.ok(Math.abs(out.length - 4000) <= 1, `length ${out.length}`);
    const amp = amplitude(out);
    assert.ok(Math.abs(amp - 10_000) < 200, `amplitude ${amp}`);
    assert.ok(Math.abs(zeroCrossings(out) - 1000) <= 4);
  });
}

test('8 kHz → 8 kHz passes samples through unchanged', () => {
  const input = tone(1000, 8000, 0.1);
  assert.deepEqual(streamed(new StreamingResampler(8000, 8000), input), input);
});

test('upsampling 4 kHz → 8 kHz keeps a 1 kHz tone', () => {
  const out = resamplePcm16(tone(1000, 4000, 0.5), 4000);
  assert.equal(out.length, 4000);
  assert.ok(Math.abs(amplitude(out) - 10_000) < 200);
});

test('full-scale input is clipped, not wrapped', () => {
  const square = new Int16Array(2400);
  for (let i = 0; i < square.length; i++) square[i] = Math.floor(i / 30) % 2 === 0 ? 32767 : -32768;
  const out = resamplePcm16(square, 24_000);
  // Gibbs overshoot would wrap around without clamping: a wrapped sample flips sign inside a plateau
  for (let i = 20; i < out.length - 20; i++) {
    const plateau = Math.floor((i * 3) / 30) % 2 === 0;
    const mid = (i * 3) % 30 > 8 && (i * 3) % 30 < 22;
    if (mid) assert.ok(plateau ? (out[i] as number) > 20_000 : (out[i] as number) < -20_000, `sample ${i} = ${out[i]}`);
  }
});

test('rejects bad rates and push after flush', () => {
  assert.throws(() => new StreamingResampler(0, 8000));
  assert.throws(() => new StreamingResampler(22_050.5, 8000));
  const r = new StreamingResampler(16_000, 8000);
  r.flush();
  assert.throws(() => r.push(new Int16Array(10)));
});
