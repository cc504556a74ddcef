import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoPrompt } from '../prompt/demo-prompt.js';
import { endpointFixture, PCMA } from '../testing/endpoint-fixture.js';
import type { PacerClock } from './pacer.js';
import { eventually, settle, type Received } from '../testing/udp-peer.js';

/** asserts one continuous stream: one SSRC, consecutive sequence numbers, timestamps advancing by whole frames */
function assertContinuous(rx: Received[]) {
  for (let i = 1; i < rx.length; i++) {
    const a = rx[i - 1]!.packet;
    const b = rx[i]!.packet;
    assert.equal(b.ssrc, a.ssrc);
    assert.equal(b.sequenceNumber, (a.sequenceNumber + 1) & 0xffff, `seq after ${a.sequenceNumber}`);
    const dts = (b.timestamp - a.timestamp) >>> 0;
    assert.ok(dts > 0 && dts % 160 === 0, `timestamp step ${dts}`);
  }
}

test('sends paced 160-byte PCMU packets: continuous seq/timestamps, marker on the first only', async () => {
  const f = await endpointFixture({ portBase: 30240 });
  try {
    f.endpoint.play(demoPrompt('PCMU'));
    await f.peer.waitFor((rx) => rx.length >= 25, 5000, '25 packets');
    const rx = f.peer.received.slice(0, 25);
    assert.ok(rx.every((r) => r.packet.payloadType === 0 && r.packet.payload.length === 160));
    assert.deepEqual(rx.map((r) => r.packet.marker), [true, ...new Array(24).fill(false)]);
    assertContinuous(rx);
    assert.equal(rx[0]!.from.port, f.endpoint.port, 'sent from the RTP port (symmetric RTP)');
    assert.deepEqual(rx[0]!.packet.payload, Buffer.from(demoPrompt('PCMU').payload.subarray(0, 160)));
    assert.ok(f.endpoint.stats().sent.packets >= 25);
  } finally {
    f.close();
  }
});

test('PCMA uses its payload type; a finished prompt reports done, silence frames follow (no gap), and the next talkspurt is marked', async () => {
  const f = await endpointFixture({ portBase: 30260, codec: PCMA });
  try {
    f.endpoint.play({ id: 'p1', payload: new Uint8Array(160 * 3).fill(0x55) });
    await eventually(() => f.events.some((e) => e.type === 'playback_done'), 5000, 'playback_done');
    assert.deepEqual(f.events, [{ v: 1, type: 'playback_done', endpointId: 'ep-test', promptId: 'p1' }]);
    await f.peer.waitFor((rx) => rx.length >= 3);
    await settle(100); // several idle ticks
    const idle = f.peer.received.slice(3);
    assert.ok(idle.length >= 3, 'the stream goes on while the queue is empty');
    assert.ok(idle.every((r) => r.packet.payload.every((b) => b === 0xd5) && !r.packet.marker), 'as A-law silence, unmarked');
    f.endpoint.play({ id: 'p2', payload: new Uint8Array(160 * 2).fill(0x66) });
    await f.peer.waitFor((rx) => rx.filter((r) => r.packet.payload[0] === 0x66).length === 2);
    const rx = f.peer.received.filter((r) => r.packet.payload[0] !== 0xd5);
    assert.ok(f.peer.received.every((r) => r.packet.payloadType === 8 && r.packet.payload.length === 160));
    assert.deepEqual(rx.map((r) => r.packet.marker), [true, false, false, true, false]);
    assertContinuous(f.peer.received);
  } finally {
    f.close();
  }
});

/** A clock driven by hand: `to(ms)` moves time and runs the pacer's timer (timers only: no poll, no sleep). */
class HandClock implements PacerClock {
  t = 0n;
  private pending: (() => void) | undefined;
  now = () => this.t;
  setTimer = (fn: () => void) => (this.pending = fn);
  clearTimer = () => void (this.pending = undefined);
  to(ms: number) {
    this.t = BigInt(ms) * 1_000_000n;
    const fn = this.pending;
    this.pending = undefined;
    fn?.();
  }
}

test('an answer starts on whichever half of the tick comes next, half a period early, and the call stays there', async () => {
  const clock = new HandClock();
  const f = await endpointFixture({ portBase: 30480, pacerOffsetMs: 10, clock });
  try {
    const halves = (from: number, to: number) => {
      for (let ms = from; ms <= to; ms += 10) clock.to(ms);
    };
    f.endpoint.play({ id: 'p1', payload: new Uint8Array(160 * 3).fill(0x55) });
    halves(20, 100); // p1 on the deadlines 20, 40, 60 (the call was silent on the second half: it moved), silence at 80, 100
    assert.equal(f.endpoint.sendsAtOffset, false, 'the call stays on the deadline half in silence');
    f.endpoint.play({ id: 'p2', payload: new Uint8Array(160 * 3).fill(0x66) });
    halves(110, 170); // ready after the deadline at 100: p2 starts on the second half at 110, then 130, 150; silence at 170
    assert.equal(f.endpoint.sendsAtOffset, true, 'the call stays on the second half');
    await eventually(() => f.peer.received.length >= 9, 2000, 'the packets of 9 periods');
    const rx = f.peer.received;
    assert.deepEqual(rx.map((r) => r.packet.payload[0]), [0x55, 0x55, 0x55, 0xff, 0xff, 0x66, 0x66, 0x66, 0xff]);
    for (let i = 1; i < rx.length; i++) {
      const a = rx[i - 1]!.packet;
      const b = rx[i]!.packet;
      assert.equal(b.sequenceNumber, (a.sequenceNumber + 1) & 0xffff);
      assert.equal((b.timestamp - a.timestamp) >>> 0, 160, 'one packet per period across both moves');
    }
    assert.deepEqual(rx.filter((r) => r.packet.marker).map((r) => r.packet.payload[0]), [0x55, 0x66], 'each talkspurt marked once');
  } finally {
    f.close();
  }
});

test('a call sending digits does not move to the other half for audio that is waiting', async () => {
  const clock = new HandClock();
  const f = await endpointFixture({ portBase: 30500, pacerOffsetMs: 10, clock, telephoneEventPayloadType: 101 });
  try {
    const halves = (from: number, to: number) => {
      for (let ms = from; ms <= to; ms += 10) clock.to(ms);
    };
    f.endpoint.play({ id: 'p1', payload: new Uint8Array(160).fill(0x55) });
    halves(20, 40); // p1 on the deadline at 20, silence at 40
    void f.endpoint.sendDtmf('5').catch(() => undefined);
    f.endpoint.play({ id: 'p2', payload: new Uint8Array(160 * 3).fill(0x66) });
    halves(50, 130); // the digit's packets on the deadlines 60..120; the waiting audio does not jump to 50, 70, ...
    assert.equal(f.endpoint.sendsAtOffset, false);
    await settle(100);
    assert.equal(f.peer.received.length, 6, 'one packet per period: 20 .. 120');
  } finally {
    f.close();
  }
});
