import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, TimerSlots } from './clock.js';
import { deriveTimers, resolveSipTimers, DEFAULT_SIP_TIMERS } from './timers.js';

test('FakeClock fires due timers in time order, then in creation order', () => {
  const c = new FakeClock();
  const log: string[] = [];
  c.setTimer(300, () => log.push(`c@${c.now()}`));
  c.setTimer(100, () => log.push(`a@${c.now()}`));
  c.setTimer(100, () => log.push(`b@${c.now()}`));
  c.advance(99);
  assert.deepEqual(log, []);
  c.advance(250);
  assert.deepEqual(log, ['a@100', 'b@100', 'c@300']);
  assert.equal(c.now(), 349);
  assert.equal(c.pending, 0);
});

test('FakeClock fires timers set by fired timers within the same advance', () => {
  const c = new FakeClock();
  const log: number[] = [];
  const tick = () => {
    log.push(c.now());
    if (log.length < 5) c.setTimer(10, tick);
  };
  c.setTimer(10, tick);
  c.advance(35);
  assert.deepEqual(log, [10, 20, 30]);
  c.advance(1000);
  assert.deepEqual(log, [10, 20, 30, 40, 50]);
});

test('FakeClock clearTimer cancels; a zero-delay timer waits for advance(0)', () => {
  const c = new FakeClock();
  let fired = 0;
  const h = c.setTimer(5, () => fired++);
  c.clearTimer(h);
  c.clearTimer(h);
  c.setTimer(0, () => fired++);
  assert.equal(fired, 0);
  c.advance(0);
  assert.equal(fired, 1);
  c.advance(10);
  assert.equal(fired, 1);
});

test('TimerSlots restarts a named timer and stops all', () => {
  const c = new FakeClock();
  const slots = new TimerSlots<'x' | 'y'>(c);
  const log: string[] = [];
  slots.start('x', 10, () => log.push('x1'));
  slots.start('x', 20, () => log.push('x2'));
  slots.start('y', 30, () => log.push('y'));
  c.advance(25);
  assert.deepEqual(log, ['x2']);
  assert.equal(slots.has('x'), false);
  slots.stopAll();
  c.advance(100);
  assert.deepEqual(log, ['x2']);
  assert.equal(c.pending, 0);
});

test('timers: defaults and derived values, UDP vs TCP', () => {
  assert.deepEqual(resolveSipTimers(), { t1: 500, t2: 4000, t4: 5000 });
  const udp = deriveTimers(DEFAULT_SIP_TIMERS, 'udp');
  assert.deepEqual(
    [udp.A, udp.B, udp.D, udp.E, udp.F, udp.G, udp.H, udp.I, udp.J, udp.K, udp.L, udp.M],
    [500, 32000, 32000, 500, 32000, 500, 32000, 5000, 32000, 5000, 32000, 32000],
  );
  const tcp = deriveTimers(DEFAULT_SIP_TIMERS, 'tcp');
  assert.deepEqual(
    [tcp.A, tcp.B, tcp.D, tcp.E, tcp.F, tcp.G, tcp.H, tcp.I, tcp.J, tcp.K, tcp.L, tcp.M],
    [undefined, 32000, 0, undefined, 32000, undefined, 32000, 0, 0, 0, 32000, 32000],
  );
});

test('timers: D stays at least 32 s with a small T1; overrides are validated', () => {
  const t = resolveSipTimers({ t1: 100, t2: undefined });
  assert.deepEqual(t, { t1: 100, t2: 4000, t4: 5000 });
  assert.equal(deriveTimers(t, 'udp').D, 32000);
  assert.equal(deriveTimers(resolveSipTimers({ t1: 1000 }), 'udp').D, 64000);
  assert.throws(() => resolveSipTimers({ t1: 0 }), RangeError);
  assert.throws(() => resolveSipTimers({ t1: 5000, t2: 4000 }), RangeError);
  assert.throws(() => resolveSipTimers({ t4: Number.NaN }), RangeError);
});
