import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Upsampler2x } from './upsample.js';
import { PronunciationDictionary } from './dictionary.js';

function sine(freq: number, rate: number, n: number, amp = 10000): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amp * Math.sin((2 * Math.PI * freq * i) / rate));
  return out;
}

/** amplitude of `freq` in `x` (single-bin DFT) */
function amplitude(x: Int16Array, freq: number, rate: number, from = 0): number {
  let re = 0;
  let im = 0;
  const n = x.length - from;
  for (let i = from; i < x.length; i++) {
    const ph = (2 * Math.PI * freq * i) / rate;
    re += x[i]! * Math.cos(ph);
    im += x[i]! * Math.sin(ph);
  }
  return (2 * Math.hypot(re, im)) / n;
}

for (const filter of ['linear', 'halfband'] as const) {
test(`${filter}: doubles the sample count and does not depend on how the input is chunked`, () => {
  const input = sine(440, 8000, 1000);
  const whole = new Upsampler2x(filter).process(input);
  assert.equal(whole.length, 2000);
  const u = new Upsampler2x(filter);
  const parts: Int16Array[] = [];
  let pos = 0;
  for (const size of [1, 159, 160, 3, 0, 677]) {
    parts.push(u.process(input.subarray(pos, pos + size)));
    pos += size;
  }
  assert.equal(pos, input.length);
  const joined = new Int16Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    joined.set(p, o);
    o += p.length;
  }
  assert.deepEqual(joined, whole);
  assert.equal(new Upsampler2x(filter).process(new Int16Array(0)).length, 0);
  // even outputs are the input, delayed
  const d = u.delaySamples;
  for (let i = d; i < 1000; i++) assert.equal(whole[2 * i], input[i - d]);
});

test(`${filter}: keeps DC, clamps`, () => {
  const dc = new Upsampler2x(filter).process(new Int16Array(200).fill(1234));
  for (let i = 40; i < dc.length; i++) assert.ok(Math.abs(dc[i]! - 1234) <= 1, `dc sample ${i} = ${dc[i]}`);
  const loud = new Upsampler2x(filter).process(Int16Array.from({ length: 400 }, (_, i) => (i % 2 ? 32767 : -32768)));
  for (const s of loud) assert.ok(s >= -32768 && s <= 32767);
});
}

test('linear: triangular response, image kept near 4 kHz and removed near 8 kHz', () => {
  const n = 4000;
  const low = new Upsampler2x('linear').process(sine(300, 8000, n));
  assert.ok(amplitude(low, 300, 16000, 200) > 9500);
  assert.ok(amplitude(low, 7700, 16000, 200) < 100, 'image at 7.7 kHz mostly gone');
  const high = new Upsampler2x('linear').process(sine(3000, 8000, n));
  const kept = amplitude(high, 3000, 16000, 200);
  const image = amplitude(high, 5000, 16000, 200);
  // (1 + cos 2πf/16000) / 2: 0.69 at 3 kHz, 0.31 at 5 kHz
  assert.ok(Math.abs(kept - 6900) < 300, `3 kHz at ${kept.toFixed(0)}`);
  assert.ok(Math.abs(image - 3100) < 300, `5 kHz image at ${image.toFixed(0)}`);
});

test('halfband: keeps the telephone band, suppresses the mirror image', () => {
  const n = 4000;
  for (const f of [300, 1000, 3000]) {
    const out = new Upsampler2x('halfband').process(sine(f, 8000, n));
    const kept = amplitude(out, f, 16000, 200);
    const image = amplitude(out, 8000 - f, 16000, 200);
    assert.ok(kept > 9000 && kept < 11000, `${f} Hz kept at ${kept.toFixed(0)}`);
    assert.ok(image < kept / 30, `${8000 - f} Hz image ${image.toFixed(0)} vs ${kept.toFixed(0)}`);
  }
});

test('pronunciation dictionary: variants kept together, subset in a stable order', () => {
  const d = PronunciationDictionary.parse('a AH\na(2) EY\nbook B UH K\nhours AW ER Z\nhours(2) AW R Z\n\n;;; comment\n');
  assert.equal(d.size, 3);
  assert.ok(d.has('hours') && !d.has('hours(2)') && !d.has('zebra'));
  assert.equal(d.subset(['hours', 'zebra', 'a', 'hours']), 'a AH\na(2) EY\nhours AW ER Z\nhours(2) AW R Z\n');
  assert.equal(d.subset(['zebra']), '');
});
