import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serializeTelephoneEvent, parseTelephoneEvent } from '../dtmf/rfc4733.js';
import { demoPrompt } from '../prompt/demo-prompt.js';
import { endpointFixture } from '../testing/endpoint-fixture.js';
import { eventually, settle } from '../testing/udp-peer.js';

const TE = 101;

test('an RFC 4733 press (start, continuation, 3 end packets) becomes exactly one dtmf event', async () => {
  const f = await endpointFixture({ portBase: 30320, telephoneEventPayloadType: TE, direction: 'recvonly' });
  try {
    const ts = 48000;
    const send = (seq: number, duration: number, end: boolean) =>
      f.peer.sendRtp({ marker: seq === 1, payloadType: TE, sequenceNumber: seq, timestamp: ts, ssrc: 5, payload: serializeTelephoneEvent({ event: 11, end, volume: 10, duration }) }, f.endpoint.port);
    await send(1, 160, false);
    await send(2, 480, false);
    await send(3, 960, true);
    await send(4, 960, true);
    await send(5, 960, true);
    await eventually(() => f.events.length > 0, 5000, 'dtmf event');
    await settle(100);
    assert.deepEqual(f.events, [{ v: 1, type: 'dtmf', endpointId: 'ep-test', digit: '#', durationMs: 120, source: 'rfc4733' }]);
    assert.equal(f.endpoint.stats().dtmfReceived, 1);
    assert.equal(f.endpoint.recording().length, 0, 'events are not recorded as audio');
  } finally {
    f.close();
  }
});

test('sendDtmf sends RFC 4733 events in place of audio, then audio resumes as a new talkspurt', async () => {
  const f = await endpointFixture({ portBase: 30340, telephoneEventPayloadType: TE });
  try {
    f.endpoint.play(demoPrompt('PCMU'));
    await f.peer.waitFor((rx) => rx.length >= 3);
    await f.endpoint.sendDtmf('7');
    await f.peer.waitFor((rx) => rx.filter((r) => r.packet.payloadType === TE).length === 8 && rx.at(-1)!.packet.payloadType === 0);
    const rx = f.peer.received.map((r) => r.packet);
    const firstEvent = rx.findIndex((p) => p.payloadType === TE);
    const events = rx.slice(firstEvent, firstEvent + 8);
    assert.ok(events.every((p) => p.payloadType === TE && p.timestamp === events[0]!.timestamp), 'contiguous, one timestamp');
    const payloads = events.map((p) => parseTelephoneEvent(p.payload)!);
    assert.ok(payloads.every((e) => e.event === 7));
    assert.deepEqual(payloads.map((e) => e.end), [false, false, false, false, false, true, true, true]);
    assert.deepEqual(events.map((p) => p.marker), [true, false, false, false, false, false, false, false]);
    const resumed = rx[firstEvent + 8]!;
    assert.equal(resumed.payloadType, 0);
    assert.equal(resumed.marker, true);
    for (let i = 1; i < rx.length; i++) assert.equal(rx[i]!.sequenceNumber, (rx[i - 1]!.sequenceNumber + 1) & 0xffff);
  } finally {
    f.close();
  }
});

test('sendDtmf rejects without a negotiated telephone-event type, for bad digits, and when released', async () => {
  const without = await endpointFixture({ portBase: 30360 });
  const withTe = await endpointFixture({ portBase: 30380, telephoneEventPayloadType: TE });
  try {
    await assert.rejects(without.endpoint.sendDtmf('1'), /no telephone-event payload type/);
    await assert.rejects(withTe.endpoint.sendDtmf('1x'), /invalid DTMF digits/);
    const pending = withTe.endpoint.sendDtmf('123');
    withTe.endpoint.close();
    await assert.rejects(pending, /released/);
  } finally {
    without.close();
    withTe.close();
  }
});
