/**
 * The media control over loopback HTTP end to end: sip-gateway's `HttpMediaControl` against media-bridge's
 * control server in front of a real media bridge (RTP ports 31024–31039 belong to this test).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { mediaSchema, silentLogger, type AllocateRequest, type MediaEvent } from '@callgate/contracts';
import { startMediaBridge, startMediaControlServer, type MediaControlServer } from '@callgate/media-bridge';
import { HttpMediaControl, MediaControlHttpError } from '@callgate/sip-gateway';
import { udpPortIsFree } from '@callgate/media-bridge/testing';

const config = mediaSchema.parse({ address: '127.0.0.1', rtpPortMin: 31024, rtpPortMax: 31039, control: { address: '127.0.0.1', port: 0 } });

async function until(cond: () => boolean, limitMs = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A phone's RTP socket: counts packets by payload type. */
async function rtpPeer() {
  const socket = dgram.createSocket('udp4');
  const byType = new Map<number, number>();
  socket.on('message', (msg) => {
    if (msg.length >= 12) byType.set(msg[1]! & 0x7f, (byType.get(msg[1]! & 0x7f) ?? 0) + 1);
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return { port: socket.address().port, count: (pt: number) => byType.get(pt) ?? 0, close: () => socket.close() };
}


test('HttpMediaControl ↔ control server ↔ media bridge: the whole call, errors, and a server restart', async () => {
  const bridge = await startMediaBridge(config, silentLogger, { rtpTimeoutMs: 0, controlServer: true });
  const port = bridge.controlServer!.port;
  let server: MediaControlServer | undefined;
  const media = new HttpMediaControl({ address: '127.0.0.1', port, logger: silentLogger, reconnectMinMs: 20, reconnectMaxMs: 200 });
  const peer = await rtpPeer();
  const events: MediaEvent[] = [];
  media.onEvent((e) => events.push(e));
  try {
    await media.ready();
    const request: AllocateRequest = {
      v: 1,
      sessionId: 'rt-1',
      codec: { name: 'PCMU', payloadType: 0, clockRate: 8000 },
      telephoneEventPayloadType: 101,
      remote: { address: '127.0.0.1', port: peer.port, direction: 'sendrecv' },
      agent: 'demo',
    };
    const alloc = await media.allocate(request);
    assert.equal(alloc.address, '127.0.0.1');
    assert.ok(alloc.port >= 31024 && alloc.port < 31039 && alloc.port % 2 === 0);
    assert.deepEqual(bridge.control.activeEndpoints(), [alloc.endpointId]);

    await media.update(alloc.endpointId, { address: '127.0.0.1', port: peer.port, direction: 'sendonly' });
    assert.equal(bridge.control.stats(alloc.endpointId)?.direction, 'sendonly');
    await media.update(alloc.endpointId, { address: '127.0.0.1', port: peer.port, direction: 'sendrecv' });

    await media.connect(alloc.endpointId, { callId: 'rt-call' });
    await media.play(alloc.endpointId, 'demo');
    await until(() => peer.count(0) >= 5, 5000, 'demo prompt RTP at the peer');

    await media.sendDtmf(alloc.endpointId, '9');
    assert.ok(peer.count(101) >= 4, 'RFC 4733 packets are out when sendDtmf resolves');

    media.dtmfFromSignalling(alloc.endpointId, '5', 200);
    await until(() => events.some((e) => e.type === 'dtmf'), 3000, 'the dtmf event through the stream');
    assert.deepEqual(
      events.find((e) => e.type === 'dtmf'),
      { v: 1, type: 'dtmf', endpointId: alloc.endpointId, digit: '5', durationMs: 200, source: 'sip-info' },
    );

    await assert.rejects(
      media.allocate({ ...request, codec: { name: 'G729', payloadType: 18, clockRate: 8000 } as unknown as AllocateRequest['codec'] }),
      (err: MediaControlHttpError) => err.status === 400 && /codec\.name/.test(err.message),
    );
    await assert.rejects(media.play('ep-nope', 'demo'), (err: MediaControlHttpError) => err.status === 404 && /unknown media endpoint ep-nope/.test(err.message));
    await assert.rejects(media.play(alloc.endpointId, 'nope'), (err: MediaControlHttpError) => err.status === 400 && /promptId/.test(err.message));

    assert.equal(await udpPortIsFree(alloc.port), false);
    await media.release(alloc.endpointId, 'bye');
    await media.release(alloc.endpointId, 'bye again');
    assert.deepEqual(bridge.control.activeEndpoints(), []);
    assert.equal(await udpPortIsFree(alloc.port), true);
    assert.equal(await udpPortIsFree(alloc.port + 1), true);

    // the control server restarts on the same port: the client's event stream comes back by itself
    await bridge.controlServer!.close();
    await until(() => !media.streaming, 3000, 'the stream to drop');
    await assert.rejects(media.allocate(request), (err: MediaControlHttpError) => err.kind === 'unreachable');
    server = await startMediaControlServer(bridge.control, { address: '127.0.0.1', port, logger: silentLogger });
    await media.ready(5000);
    const again = await media.allocate({ ...request, sessionId: 'rt-2' });
    media.dtmfFromSignalling(again.endpointId, '3', 100);
    await until(() => events.some((e) => e.type === 'dtmf' && e.endpointId === again.endpointId), 3000, 'a dtmf event after the restart');
    await media.release(again.endpointId, 'bye');
  } finally {
    media.close();
    peer.close();
    await server?.close();
    await bridge.stop();
  }
});
