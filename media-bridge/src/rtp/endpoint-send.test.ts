import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoPrompt } from '../prompt/demo-prompt.js';
import { endpointFixture, PCMA } from '../testing/endpoint-fixture.js';
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

test('between talkspurts the call sends on the tick\'s second half; an answer starts on the next half, the stream stays whole', async () => {
  const f = await endpointFixture({ portBase: 30480, pacerOffsetMs: 10 });
  try {
    f.endpoint.play({ id: 'p1', payload: new Uint8Array(160 * 3).fill(0x55) });
    await eventually(() => f.events.some((e) => e.type === 'playback_done'), 5000, 'p1 done');
    await settle(100);
    assert.equal(f.endpoint.sendsAtOffset, true, 'silent: on the second half');
    f.endpoint.play({ id: 'p2', payload: new Uint8Array(160 * 3).fill(0x66) });
    assert.equal(f.endpoint.sendsAtOffset, false, 'an answer is ready: it starts on the next deadline if that comes first');
    await eventually(() => f.events.filter((e) => e.type === 'playback_done').length === 2, 5000, 'p2 done');
    await settle(100);
    assert.equal(f.endpoint.sendsAtOffset, true, 'back on the second half in the next silence');
    const rx = f.peer.received;
    for (let i = 1; i < rx.length; i++) {
      const a = rx[i - 1]!.packet;
      const b = rx[i]!.packet;
      assert.equal(b.sequenceNumber, (a.sequenceNumber + 1) & 0xffff);
      assert.equal((b.timestamp - a.timestamp) >>> 0, 160, 'one packet per period across every switch');
    }
    assert.deepEqual(rx.filter((r) => r.packet.marker).map((r) => r.packet.payload[0]), [0x55, 0x66], 'each talkspurt marked once');
  } finally {
    f.close();
  }
});
