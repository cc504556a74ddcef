import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mediaSchema, silentLogger, type AllocateRequest, type MediaEvent } from '@callgate/contracts';
import { serializeTelephoneEvent } from '../dtmf/rfc4733.js';
import { startMediaBridge } from '../service.js';
import { eventually, settle, UdpPeer } from '../testing/udp-peer.js';
import { demoAgentReaction } from './demo-agent.js';
import { allocateRequest } from '../testing/requests.js';

const dtmf = (digit: string) => ({ v: 1 as const, type: 'dtmf' as const, endpointId: 'ep', digit, durationMs: 100, source: 'sip-info' as const });

it('asks for a transfer on 0 and a hang-up on #, and ignores the rest', () => {
  assert.deepEqual(demoAgentReaction(dtmf('0')), { v: 1, type: 'transfer_request', endpointId: 'ep' });
  assert.deepEqual(demoAgentReaction(dtmf('#')), { v: 1, type: 'hangup_request', endpointId: 'ep', reason: 'caller pressed #' });
  assert.equal(demoAgentReaction(dtmf('5')), undefined);
  assert.equal(demoAgentReaction({ v: 1, type: 'rtp_timeout', endpointId: 'ep', silentMs: 30000 }), undefined);
  assert.equal(demoAgentReaction({ v: 1, type: 'transfer_request', endpointId: 'ep' }), undefined, 'never reacts to its own requests');
});

// the wiring in InProcessMediaControl: the agent answers only endpoints playing the demo prompt, after the dtmf
const config = mediaSchema.parse({ address: '127.0.0.1', rtpPortMin: 30540, rtpPortMax: 30559 });
const request = (peerPort: number): AllocateRequest => allocateRequest(peerPort, { sessionId: 'call-demo' });

it('in the media control: a SIP INFO 0 or # on a demo endpoint is emitted as dtmf, then as the request', async () => {
  const bridge = await startMediaBridge(config, silentLogger, { rtpTimeoutMs: 0 });
  const peer = await UdpPeer.open();
  const events: MediaEvent[] = [];
  bridge.control.onEvent((e) => events.push(e));
  try {
    const silent = await bridge.control.allocate(request(peer.port));
    bridge.control.dtmfFromSignalling(silent.endpointId, '0', 100);
    assert.deepEqual(
      events.map((e) => e.type),
      ['dtmf'],
      'no demo prompt, no demo agent',
    );

    const demo = await bridge.control.allocate(request(peer.port));
    await bridge.control.play(demo.endpointId, 'demo');
    events.length = 0;
    bridge.control.dtmfFromSignalling(demo.endpointId, '0', 100);
    bridge.control.dtmfFromSignalling(demo.endpointId, '7', 100);
    bridge.control.dtmfFromSignalling(demo.endpointId, '#', 100);
    const id = demo.endpointId;
    assert.deepEqual(events, [
      { v: 1, type: 'dtmf', endpointId: id, digit: '0', durationMs: 100, source: 'sip-info' },
      { v: 1, type: 'transfer_request', endpointId: id },
      { v: 1, type: 'dtmf', endpointId: id, digit: '7', durationMs: 100, source: 'sip-info' },
      { v: 1, type: 'dtmf', endpointId: id, digit: '#', durationMs: 100, source: 'sip-info' },
      { v: 1, type: 'hangup_request', endpointId: id, reason: 'caller pressed #' },
    ]);

    await bridge.control.release(demo.endpointId, 'bye');
    await bridge.control.release(silent.endpointId, 'bye');
  } finally {
    peer.close();
    await bridge.stop();
  }
});

it('in the media control: an RFC 4733 0 on a demo endpoint becomes dtmf, then transfer_request', async () => {
  const bridge = await startMediaBridge(config, silentLogger, { rtpTimeoutMs: 0 });
  const peer = await UdpPeer.open();
  const events: MediaEvent[] = [];
  bridge.control.onEvent((e) => events.push(e));
  try {
    const alloc = await bridge.control.allocate(request(peer.port));
    await bridge.control.play(alloc.endpointId, 'demo');
    const send = (seq: number, duration: number, end: boolean) =>
      peer.sendRtp(
        { marker: seq === 1, payloadType: 101, sequenceNumber: seq, timestamp: 8000, ssrc: 9, payload: serializeTelephoneEvent({ event: 0, end, volume: 10, duration }) },
        alloc.port,
      );
    await send(1, 160, false);
    await send(2, 800, true);
    await send(3, 800, true);
    await send(4, 800, true);
    await eventually(() => events.length >= 2, 5000, 'dtmf and transfer_request');
    await settle(50);
    assert.deepEqual(events, [
      { v: 1, type: 'dtmf', endpointId: alloc.endpointId, digit: '0', durationMs: 100, source: 'rfc4733' },
      { v: 1, type: 'transfer_request', endpointId: alloc.endpointId },
    ]);
    await bridge.control.release(alloc.endpointId, 'bye');
  } finally {
    peer.close();
    await bridge.stop();
  }
});
