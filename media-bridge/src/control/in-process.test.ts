import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mediaSchema, parseLiveEvent, silentLogger, type AllocateRequest, type LiveEvent, type MediaEvent } from '@callgate/contracts';
import { startMediaBridge } from '../service.js';
import { eventually, UdpPeer } from '../testing/udp-peer.js';
import { InvalidMediaRequestError } from './in-process.js';
import { udpPortIsFree } from '../testing/udp-peer.js';
import { allocateRequest } from '../testing/requests.js';

const config = mediaSchema.parse({ address: '127.0.0.1', rtpPortMin: 30500, rtpPortMax: 30519 });

const request = allocateRequest;


test('allocate → play demo → audio on the wire → release frees the port; release is idempotent', async () => {
  const bridge = await startMediaBridge(config, silentLogger, { rtpTimeoutMs: 0 });
  const peer = await UdpPeer.open();
  try {
    const alloc = await bridge.control.allocate(request(peer.port));
    assert.equal(alloc.v, 1);
    assert.equal(alloc.address, '127.0.0.1');
    assert.equal(alloc.port % 2, 0);
    assert.ok(alloc.port >= 30500 && alloc.port < 30519);
    assert.deepEqual(bridge.control.activeEndpoints(), [alloc.endpointId]);
    assert.equal(bridge.control.stats(alloc.endpointId)?.playing, undefined, 'silent until play');
    await assert.rejects(bridge.control.play(alloc.endpointId, 'nope'), /unknown prompt 'nope'/);

    await bridge.control.play(alloc.endpointId, 'demo');
    await peer.waitFor((rx) => rx.length >= 5, 5000, 'demo prompt packets');
    assert.ok(peer.received.every((r) => r.packet.payloadType === 0 && r.packet.payload.length === 160));
    assert.equal(peer.received[0]!.from.port, alloc.port);
    assert.equal(bridge.control.stats(alloc.endpointId)?.playing, 'demo');

    assert.equal(await udpPortIsFree(alloc.port), false);
    await bridge.control.release(alloc.endpointId, 'bye');
    await bridge.control.release(alloc.endpointId, 'bye again');
    assert.deepEqual(bridge.control.activeEndpoints(), []);
    assert.equal(bridge.control.stats(alloc.endpointId), undefined);
    assert.equal(await udpPortIsFree(alloc.port), true);
    assert.equal(await udpPortIsFree(alloc.port + 1), true);
  } finally {
    peer.close();
    await bridge.stop();
  }
});

test('an invalid allocate request is refused with a clear error and takes no port', async () => {
  const bridge = await startMediaBridge(config, silentLogger);
  try {
    const bad = { ...request(4000), v: 2 } as unknown as AllocateRequest;
    await assert.rejects(bridge.control.allocate(bad), (err: Error) => err instanceof InvalidMediaRequestError && /v:/.test(err.message));
    const badCodec = request(4000, { codec: { name: 'G729', payloadType: 18, clockRate: 8000 } as unknown as AllocateRequest['codec'] });
    await assert.rejects(bridge.control.allocate(badCodec), /codec\.name/);
    assert.deepEqual(bridge.control.activeEndpoints(), []);
  } finally {
    await bridge.stop();
  }
});

test('update, DTMF both ways and events go through the control', async () => {
  const bridge = await startMediaBridge(config, silentLogger, { rtpTimeoutMs: 0 });
  const peer = await UdpPeer.open();
  const events: MediaEvent[] = [];
  const unsubscribe = bridge.control.onEvent((e) => events.push(e));
  bridge.control.onEvent(() => {
    throw new Error('a broken subscriber does not stop the others');
  });
  try {
    const { endpointId } = await bridge.control.allocate(request(peer.port));
    bridge.control.dtmfFromSignalling(endpointId, '5', 250);
    bridge.control.dtmfFromSignalling(endpointId, 'x', 250); // ignored
    bridge.control.dtmfFromSignalling('ep-unknown', '1', 100); // ignored
    assert.deepEqual(events, [{ v: 1, type: 'dtmf', endpointId, digit: '5', durationMs: 250, source: 'sip-info' }]);

    await bridge.control.sendDtmf(endpointId, '1');
    await peer.waitFor((rx) => rx.filter((r) => r.packet.payloadType === 101).length === 8);

    await bridge.control.update(endpointId, { address: '127.0.0.1', port: peer.port, direction: 'inactive' });
    assert.equal(bridge.control.stats(endpointId)?.direction, 'inactive');
    await assert.rejects(bridge.control.update('ep-unknown', { address: '127.0.0.1', port: 1, direction: 'sendrecv' }), /unknown media endpoint/);
    await assert.rejects(bridge.control.update(endpointId, { address: '', port: 1, direction: 'sendrecv' }), InvalidMediaRequestError);
    await assert.rejects(bridge.control.sendDtmf('ep-unknown', '1'), /unknown media endpoint/);
    unsubscribe();
    bridge.control.dtmfFromSignalling(endpointId, '6', 100);
    assert.equal(events.length, 1);
  } finally {
    peer.close();
    await bridge.stop();
  }
});

test('stop releases every endpoint and their ports', async () => {
  const bridge = await startMediaBridge(config, silentLogger, { rtpTimeoutMs: 0 });
  const allocs = await Promise.all([1, 2, 3].map((i) => bridge.control.allocate(request(40000 + i, { sessionId: `call-${i}` }))));
  assert.equal(new Set(allocs.map((a) => a.port)).size, 3);
  await bridge.stop();
  await bridge.stop();
  assert.deepEqual(bridge.control.activeEndpoints(), []);
  for (const a of allocs) assert.equal(await udpPortIsFree(a.port), true);
});

test('RTP timeouts reach subscribers as rtp_timeout events', async () => {
  const bridge = await startMediaBridge(config, silentLogger, { rtpTimeoutMs: 60 });
  const events: MediaEvent[] = [];
  bridge.control.onEvent((e) => events.push(e));
  try {
    const { endpointId } = await bridge.control.allocate(request(40009));
    await eventually(() => events.length > 0, 5000, 'rtp_timeout');
    assert.equal(events[0]!.type, 'rtp_timeout');
    assert.equal(events[0]!.endpointId, endpointId);
  } finally {
    await bridge.stop();
  }
});

test("the demo agent's calls publish their own live events: start (caller masked), quality, end", async () => {
  const events: LiveEvent[] = [];
  const bridge = await startMediaBridge(mediaSchema.parse({ ...config, qualityIntervalMs: 500 }), silentLogger, { rtpTimeoutMs: 0, liveEvents: (e) => events.push(e) });
  const peer = await UdpPeer.open();
  try {
    const alloc = await bridge.control.allocate(request(peer.port, { sessionId: 'demo-live-1' }));
    await bridge.control.connect(alloc.endpointId, { callId: 'c-9', from: 'sip:+12125550198@carrier.example', to: 'sip:1001@127.0.0.1' });
    for (let seq = 0; seq < 40; seq++) {
      await peer.sendRtp({ marker: seq === 0, payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc: 77, payload: Buffer.alloc(160, 0xff) }, alloc.port);
      await new Promise((r) => setTimeout(r, 20));
    }
    await eventually(() => events.some((e) => e.type === 'quality'), 3000, 'a quality event');
    await bridge.control.release(alloc.endpointId, 'caller hung up');
    assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1), 'one sequence per session, from 1');
    const started = events[0]!;
    assert.ok(started.type === 'call_started' && started.agent === 'demo' && started.from === '********0198' && started.callId === 'c-9');
    const ended = events.at(-1)!;
    assert.ok(ended.type === 'call_ended' && ended.reason === 'caller hung up');
    for (const e of events) assert.equal(parseLiveEvent(JSON.parse(JSON.stringify(e))).ok, true, `valid live event: ${JSON.stringify(e)}`);
    assert.ok(!JSON.stringify(events).includes('2125550198'), 'the number never leaves unmasked');
  } finally {
    peer.close();
    await bridge.stop();
  }
});

test('calls of other agents publish nothing from the media bridge (agent-core does)', async () => {
  const events: LiveEvent[] = [];
  const bridge = await startMediaBridge(config, silentLogger, { rtpTimeoutMs: 0, liveEvents: (e) => events.push(e) });
  const peer = await UdpPeer.open();
  try {
    const alloc = await bridge.control.allocate(request(peer.port, { agent: 'front-desk' }));
    await bridge.control.release(alloc.endpointId, 'bye');
    assert.deepEqual(events, []);
  } finally {
    peer.close();
    await bridge.stop();
  }
});
