import { it } from 'node:test';
import assert from 'node:assert/strict';
import { delayImpairment, estimateMos, lossImpairment, mosFromR } from './e-model.js';

const close = (actual: number, expected: number, tol = 0.005) => assert.ok(Math.abs(actual - expected) <= tol, `${actual} ≠ ${expected} ± ${tol}`);

it('gives G.711 its textbook best: R 93.2, MOS 4.41, with no delay and no loss', () => {
  const { r, mos } = estimateMos({ delayMs: 0, lossPct: 0, plc: true });
  close(r, 93.2);
  // 1 + 0.035·93.2 + 93.2·33.2·6.8·7e-6 = 1 + 3.262 + 0.14729
  close(mos, 4.409);
});

it('charges no delay impairment up to 100 ms and the G.107 curve beyond', () => {
  assert.equal(delayImpairment(100), 0);
  // Ta = 200 ms: X = 1, Idd = 25·(2^⅙ − 3·(1 + 1/729)^⅙ + 2) = 25·(1.122462 − 3.000686 + 2)
  close(delayImpairment(200), 25 * (Math.pow(2, 1 / 6) - 3 * Math.pow(1 + 1 / 729, 1 / 6) + 2), 1e-9);
  close(delayImpairment(200), 3.0444, 0.001);
  assert.ok(delayImpairment(400) > delayImpairment(200));
});

it('weighs loss by concealment: 1% costs ~3.6 with PLC, ~17.9 without', () => {
  close(lossImpairment(1, true), 95 / 26.1, 1e-9); // 95·1 / (1 + 25.1)
  close(lossImpairment(1, false), 95 / 5.3, 1e-9); // 95·1 / (1 + 4.3)
  assert.equal(lossImpairment(0, false), 0);
});

it('maps R to MOS with the Annex B clamps', () => {
  assert.equal(mosFromR(-5), 1);
  assert.equal(mosFromR(120), 4.5);
  close(mosFromR(50), 1 + 1.75 + 50 * -10 * 50 * 7e-6);
  const bad = estimateMos({ delayMs: 300, lossPct: 5, plc: false });
  assert.ok(bad.mos < 3, `300 ms and 5% loss without PLC is poor (MOS ${bad.mos.toFixed(2)})`);
});
