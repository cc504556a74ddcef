import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoPrompt } from '../prompt/demo-prompt.js';
import { endpointFixture } from '../testing/endpoint-fixture.js';
import { eventually, settle } from '../testing/udp-peer.js';

test('hold (our side recvonly or inactive) stops sending; resuming starts a marked talkspurt', async () => {
  const f = await endpointFixture({ portBase: 30400, telephoneEventPayloadType: 101 });
  try {
    f.endpoint.play(demoPrompt('PCMU'));
    await f.peer.waitFor((rx) => rx.length >= 3);
    for (const direction of ['recvonly', 'inactive'] as const) {
      f.endpoint.update({ address: '127.0.0.1', port: f.peer.port, direction });
      await assert.rejects(f.endpoint.sendDtmf('1'), /does not send/);
      await settle(60);
      f.peer.clear();
      await settle(150);
      assert.equal(f.peer.received.length, 0, `nothing sent while ${direction}`);
    }
    f.endpoint.update({ address: '127.0.0.1', port: f.peer.port, direction: 'sendrecv' });
    await f.peer.waitFor((rx) => rx.length >= 2);
    assert.equal(f.peer.received[0]!.packet.marker, true);
    assert.equal(f.peer.received[1]!.packet.marker, false);
  } finally {
    f.close();
  }
});

test('an SDP address of 0.0.0.0 (old-style hold) sends nothing', async () => {
  const f = await endpointFixture({ portBase: 30420 });
  try {
    f.endpoint.update({ address: '0.0.0.0', port: f.peer.port, direction: 'sendrecv' });
    f.endpoint.play(demoPrompt('PCMU'));
    await settle(100);
    assert.equal(f.endpoint.stats().sent.packets, 0);
  } finally {
    f.close();
  }
});

test('RTP inactivity raises one rtp_timeout while sendrecv, re-armed by incoming packets', async () => {
  const f = await endpointFixture({ portBase: 30440, rtpTimeoutMs: 100 });
  try {
    await eventually(() => f.events.length > 0, 5000, 'rtp_timeout');
    const ev = f.events[0]!;
    assert.equal(ev.type, 'rtp_timeout');
    assert.ok(ev.type === 'rtp_timeout' && ev.silentMs >= 100);
    await settle(150);
    assert.equal(f.events.length, 1, 'reported once per silence');
    await f.peer.sendRtp({ marker: false, payloadType: 0, sequenceNumber: 1, timestamp: 0, ssrc: 1, payload: Buffer.alloc(160) }, f.endpoint.port);
    await eventually(() => f.events.length === 2, 5000, 'second rtp_timeout after packets stopped again');
  } finally {
    f.close();
  }
});

test('no rtp_timeout while the call is on hold', async () => {
  const f = await endpointFixture({ portBase: 30460, rtpTimeoutMs: 50, direction: 'sendonly' });
  try {
    await settle(200);
    assert.deepEqual(f.events, []);
  } finally {
    f.close();
  }
});
