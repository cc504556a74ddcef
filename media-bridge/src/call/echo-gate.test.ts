import { it } from 'node:test';
import assert from 'node:assert/strict';
import { dbfs } from '../audio/level.js';
import { EchoGate } from './echo-gate.js';

it('dBFS of known signals', () => {
  assert.equal(dbfs(new Int16Array(160)), -Infinity);
  const square = Int16Array.from({ length: 160 }, (_, i) => (i % 2 ? 16384 : -16384));
  assert.ok(Math.abs(dbfs(square) - -6.02) < 0.01);
});

it('inbound far below what we just played is echo; as loud as it, or after the window, is the caller', () => {
  const gate = new EchoGate(12, 5);
  assert.equal(gate.isEcho(-40), false, 'nothing played yet');
  gate.sent(-18);
  assert.equal(gate.isEcho(-40), true);
  assert.equal(gate.isEcho(-25), false, 'within the margin: a real voice');
  for (let i = 0; i < 5; i++) gate.sent(-Infinity);
  assert.equal(gate.isEcho(-40), false, 'our audio stopped more than the echo window ago');
});
