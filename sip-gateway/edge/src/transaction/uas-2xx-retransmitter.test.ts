import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './clock.js';
import { Uas2xxRetransmitter } from './uas-2xx-retransmitter.js';
import { schedule } from './test-support.js';

function setup(transport: 'udp' | 'tcp') {
  const clock = new FakeClock();
  const resends: number[] = [];
  let timeouts = 0;
  const r = new Uas2xxRetransmitter({
    clock,
    transport,
    resend: () => resends.push(clock.now()),
    onAckTimeout: () => timeouts++,
  });
  return { clock, r, resends, timeouts: () => timeouts };
}

test('2xx retransmitter: T1, 2T1, 4T1… capped at T2; ACK stops it', () => {
  const s = setup('udp');
  s.clock.advance(7600);
  // the initial 2xx went out at 0 (not counted); retransmits at 500, 1500, 3500, 7500
  assert.deepEqual(s.resends, schedule([500, 1000, 2000, 4000]).slice(1));
  s.r.ackReceived();
  s.r.ackReceived();
  assert.equal(s.r.active, false);
  s.clock.advance(60_000);
  assert.equal(s.resends.length, 4);
  assert.equal(s.timeouts(), 0);
  assert.equal(s.clock.pending, 0);
});

test('2xx retransmitter: no ACK in 64*T1 → onAckTimeout once, retransmits stop', () => {
  const s = setup('udp');
  s.clock.advance(31_999);
  assert.deepEqual(s.resends, schedule([500, 1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000, 4000]).slice(1));
  assert.equal(s.timeouts(), 0);
  s.clock.advance(1);
  assert.equal(s.timeouts(), 1);
  assert.equal(s.r.active, false);
  s.clock.advance(60_000);
  assert.equal(s.timeouts(), 1);
  assert.equal(s.resends.length, 10);
  assert.equal(s.clock.pending, 0);
});

test('2xx retransmitter over TCP: never retransmits but still times out', () => {
  const s = setup('tcp');
  s.clock.advance(31_999);
  assert.deepEqual(s.resends, []);
  s.clock.advance(1);
  assert.equal(s.timeouts(), 1);
});

test('2xx retransmitter: stop() ends it without a timeout; custom T1 scales the schedule', () => {
  const s = setup('udp');
  s.r.stop();
  s.clock.advance(40_000);
  assert.equal(s.timeouts(), 0);
  const clock = new FakeClock();
  let timedOut = 0;
  const resends: number[] = [];
  new Uas2xxRetransmitter({
    clock,
    transport: 'udp',
    timers: { t1: 100, t2: 400 },
    resend: () => resends.push(clock.now()),
    onAckTimeout: () => timedOut++,
  });
  clock.advance(6400);
  assert.deepEqual(resends.slice(0, 5), [100, 300, 700, 1100, 1500]);
  assert.equal(timedOut, 1);
});
