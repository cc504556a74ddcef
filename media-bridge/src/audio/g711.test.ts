import { it } from 'node:test';
import assert from 'node:assert/strict';
import { g711 } from './g711.js';

const all = Uint8Array.from({ length: 256 }, (_, i) => i);

it('every A-law code survives decode → encode; every μ-law code too except −0 (0x7f), which is +0 (0xff)', () => {
  const alaw = g711('PCMA');
  assert.deepEqual([...alaw.encode(alaw.decode(all))], [...all]);
  const mulaw = g711('PCMU');
  const back = mulaw.encode(mulaw.decode(all));
  for (let i = 0; i < 256; i++) assert.equal(back[i], i === 0x7f ? 0xff : i, `μ-law code ${i}`);
});

it('known G.711 values: the silence codes, the extremes', () => {
  const mulaw = g711('PCMU');
  const alaw = g711('PCMA');
  assert.equal(mulaw.encode(Int16Array.of(0))[0], 0xff);
  assert.equal(mulaw.silenceByte, 0xff);
  assert.deepEqual([...mulaw.decode(Uint8Array.of(0x00, 0x80, 0xff))], [-32124, 32124, 0]);
  assert.equal(alaw.encode(Int16Array.of(0))[0], 0xd5);
  assert.deepEqual([...alaw.decode(Uint8Array.of(0xd5, 0x55, 0xaa, 0x2a))], [8, -8, 32256, -32256]);
});

it('linear → G.711 → linear keeps the error within half a quantisation step of its segment', () => {
  for (const name of ['PCMU', 'PCMA'] as const) {
    const c = g711(name);
    const x = Int16Array.from({ length: 2001 }, (_, i) => Math.round(-30000 + i * 30));
    const y = c.decode(c.encode(x));
    for (let i = 0; i < x.length; i++) {
      const step = Math.max(16, 2 ** Math.floor(Math.log2(Math.abs(x[i]!) + 1)) / 16);
      assert.ok(Math.abs(y[i]! - x[i]!) <= step, `${name}: ${x[i]} → ${y[i]}`);
    }
  }
});

it('the tables agree with alawmulaw for every 16-bit sample and every code; encodeInto writes at the offset only', async () => {
  const { default: alawmulaw } = await import('alawmulaw');
  const every = Int16Array.from({ length: 65536 }, (_, u) => u - 32768);
  for (const [name, law] of [
    ['PCMU', alawmulaw.mulaw],
    ['PCMA', alawmulaw.alaw],
  ] as const) {
    const c = g711(name);
    assert.deepEqual(c.encode(every), law.encode(every), `${name} encode`);
    assert.deepEqual(c.decode(all), law.decode(all), `${name} decode`);
    const out = new Uint8Array(8).fill(0x11);
    c.encodeInto(Int16Array.of(0, 1000, -1000), out, 3);
    assert.deepEqual([...out.subarray(0, 3), ...out.subarray(6)], [0x11, 0x11, 0x11, 0x11, 0x11]);
    assert.deepEqual([...out.subarray(3, 6)], [...law.encode(Int16Array.of(0, 1000, -1000))]);
    const into = new Int16Array(300).fill(7);
    assert.equal(c.decodeInto(all, into), into);
    assert.deepEqual(into.subarray(0, 256), law.decode(all), `${name} decodeInto`);
    assert.equal(into[256], 7, 'decodeInto writes as many samples as the payload has');
    assert.throws(() => c.decodeInto(all, new Int16Array(255)), RangeError);
  }
});
