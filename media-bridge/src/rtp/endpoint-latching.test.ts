import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoPrompt } from '../prompt/demo-prompt.js';
import { endpointFixture } from '../testing/endpoint-fixture.js';
import { eventually, UdpPeer } from '../testing/udp-peer.js';

const audio = (seq: number) => ({ marker: false, payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc: 9, payload: Buffer.alloc(160, 0xff) });

test('symmetric RTP: replies go to where RTP really comes from, not to the SDP address', async () => {
  const f = await endpointFixture({ portBase: 30280 });
  const natted = await UdpPeer.open(); // the phone behind NAT: same host, another port than its SDP said
  const intruder = await UdpPeer.open();
  try {
    f.endpoint.play(demoPrompt('PCMU'));
    await f.peer.waitFor((rx) => rx.length >= 2, 5000, 'audio to the SDP address before latching');

    await natted.sendRtp(audio(1), f.endpoint.port);
    await natted.waitFor((rx) => rx.length >= 2, 5000, 'audio at the real source');
    assert.deepEqual(f.endpoint.stats().latchedRemote, { address: '127.0.0.1', port: natted.port });
    f.peer.clear();
    const before = natted.received.length;
    await natted.waitFor((rx) => rx.length >= before + 5);
    assert.equal(f.peer.received.length, 0, 'nothing more goes to the SDP address');

    await intruder.sendRtp(audio(2), f.endpoint.port);
    await eventually(() => f.endpoint.stats().foreignPackets === 1, 5000, 'foreign packet counted');
    assert.equal(f.endpoint.stats().latchedRemote?.port, natted.port, 'a second source does not steal the stream');
    assert.equal(f.endpoint.stats().received.packets, 1);
  } finally {
    f.close();
    natted.close();
    intruder.close();
  }
});

test('a re-INVITE with a new address re-arms latching', async () => {
  const f = await endpointFixture({ portBase: 30300 });
  const first = await UdpPeer.open();
  const second = await UdpPeer.open();
  try {
    f.endpoint.play(demoPrompt('PCMU'));
    await first.sendRtp(audio(1), f.endpoint.port);
    await first.waitFor((rx) => rx.length >= 1);
    f.endpoint.update({ address: '127.0.0.1', port: second.port, direction: 'sendrecv' });
    assert.equal(f.endpoint.stats().latchedRemote, undefined);
    await second.waitFor((rx) => rx.length >= 1, 5000, 'audio at the new SDP address');
    // the same address/port again (e.g. hold then resume) keeps the latch
    await second.sendRtp(audio(2), f.endpoint.port);
    await eventually(() => f.endpoint.stats().latchedRemote !== undefined);
    f.endpoint.update({ address: '127.0.0.1', port: second.port, direction: 'sendrecv' });
    assert.equal(f.endpoint.stats().latchedRemote?.port, second.port);
  } finally {
    f.close();
    first.close();
    second.close();
  }
});
