import { test } from 'node:test';
import assert from 'node:assert/strict';
import { g711 } from '../audio/g711.js';
import { endpointFixture, toneFrame } from '../testing/endpoint-fixture.js';
import { eventually, settle } from '../testing/udp-peer.js';

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

test('arrival delivery: the caller frames reach the tap as they arrive, one audio frame after another in media time', async () => {
  const f = await endpointFixture({ portBase: 30500, direction: 'recvonly', pacerOffsetMs: 10 });
  try {
    const seen: { mediaMs: number; sound: boolean }[] = [];
    f.endpoint.attach({
      inbound: (pcm, mediaMs) => void seen.push({ mediaMs, sound: pcm.some((x) => x !== 0) }),
      outbound: () => {},
      itemDone: () => {},
      dtmf: () => {},
    });
    // 30 packets sent 20 ms apart with 0–8 ms of jitter on top (the timestamps are regular); the first two are
    // the slowest, so the jitter buffer's fastest transit drops by 8 ms once the third arrives
    const t0 = performance.now();
    for (let i = 0; i < 30; i++) {
      const due = t0 + i * 20 + (i < 2 ? 8 : ((i * 7) % 4) * 2);
      await settle(Math.max(0, due - performance.now()));
      await f.peer.sendRtp({ marker: i === 0, payloadType: 0, sequenceNumber: 100 + i, timestamp: 5000 + i * 160, ssrc: 9, payload: toneFrame(i, mulaw.encode) }, f.endpoint.port);
    }
    await eventually(() => f.endpoint.stats().jitterBuffer.played === 30, 5000, '30 frames handed over');
    const audio = seen.filter((s) => s.sound);
    assert.equal(audio.length, 30, 'each packet once');
    const steps = audio.slice(1).map((s, i) => s.mediaMs - audio[i]!.mediaMs);
    // jitter in the arrivals does not show in the media times: the hang-over counts audio
    assert.ok(steps.filter((d) => d === 20).length >= 27, `steps of one frame: ${steps.join(',')}`);
    assert.ok(steps.every((d) => d >= 10), `never backwards or squeezed: ${steps.join(',')}`);
    assert.ok(f.endpoint.stats().jitterBuffer.depthMs <= 5, 'no playout delay added');
  } finally {
    f.close();
  }
});
