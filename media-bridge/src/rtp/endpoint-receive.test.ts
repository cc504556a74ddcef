import { test } from 'node:test';
import assert from 'node:assert/strict';
import { g711 } from '../audio/g711.js';
import { endpointFixture, toneFrame } from '../testing/endpoint-fixture.js';
import { eventually } from '../testing/udp-peer.js';

const mulaw = g711('PCMU');

test('records a received μ-law stream and counts packets, loss and duplicates', async () => {
  const f = await endpointFixture({ portBase: 30200, direction: 'recvonly' });
  try {
    const sent: Buffer[] = [];
    for (let i = 0; i < 50; i++) {
      if (i === 10 || i === 20) continue; // lost
      const payload = toneFrame(i, mulaw.encode);
      sent.push(payload);
      const pkt = { marker: i === 0, payloadType: 0, sequenceNumber: (65530 + i) & 0xffff, timestamp: 1000 + i * 160, ssrc: 77, payload };
      await f.peer.sendRtp(pkt, f.endpoint.port);
      if (i === 30) await f.peer.sendRtp(pkt, f.endpoint.port); // duplicate
    }
    await eventually(() => f.endpoint.stats().received.packets === 49, 5000, '49 packets');
    // the recording is fed by the jitter buffer at the pace of the media clock
    await eventually(() => f.endpoint.stats().recordedMs >= 50 * 20, 5000, '1 s recorded').catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(f.endpoint.stats().jitterBuffer)} ${f.endpoint.stats().recordedMs}`);
    });
    const s = f.endpoint.stats();
    assert.equal(s.received.bytes, 49 * 160);
    assert.equal(s.received.expected, 50);
    assert.equal(s.received.lost, 2);
    assert.equal(s.received.duplicates, 1);
    assert.equal(s.received.outOfOrder, 0);
    assert.equal(s.recordedMs, 50 * 20, '48 frames and 2 concealed losses; duplicates not recorded twice');
    assert.equal(s.jitterBuffer.concealed >= 2, true);
    const rec = f.endpoint.recording();
    assert.equal(rec.length, 50 * 160);
    assert.deepEqual(rec.subarray(0, 160), mulaw.decode(sent[0]!));
    assert.deepEqual(rec.subarray(49 * 160), mulaw.decode(sent[47]!), 'the last frame sent, in place');
  } finally {
    f.close();
  }
});

test('garbage and payload types that were not negotiated are counted and dropped', async () => {
  const f = await endpointFixture({ portBase: 30220, direction: 'recvonly' });
  try {
    await f.peer.sendRaw(Buffer.from('not rtp at all'), f.endpoint.port);
    await f.peer.sendRtp({ marker: false, payloadType: 8, sequenceNumber: 1, timestamp: 0, ssrc: 1, payload: Buffer.alloc(160) }, f.endpoint.port);
    await eventually(() => f.endpoint.stats().unknownPayloadType === 1 && f.endpoint.stats().invalidPackets === 1);
    const s = f.endpoint.stats();
    assert.equal(s.received.packets, 0);
    assert.equal(s.latchedRemote, undefined, 'garbage does not latch the remote');
    assert.equal(s.recordedMs, 0);
  } finally {
    f.close();
  }
});
