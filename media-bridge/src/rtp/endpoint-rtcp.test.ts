import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { silentLogger, type MediaEvent } from '@callgate/contracts';
import { demoPrompt } from '../prompt/demo-prompt.js';
import { ntpMiddle32, ntpNow, parseRtcp, serializeRtcp, type SenderReport } from '../rtcp/packet.js';
import { PCMU } from '../testing/endpoint-fixture.js';
import { eventually, settle, UdpPeer } from '../testing/udp-peer.js';
import { RtpEndpoint } from './endpoint.js';
import { Pacer } from './pacer.js';
import { PortPool } from './port-pool.js';

test('RTCP on port + 1: sender reports about what we send with a block about what we receive; the peer\'s report gives the RTT', async () => {
  const rtpPort = 30710;
  const peer = await UdpPeer.open(rtpPort);
  const rtcpPeer = dgram.createSocket('udp4');
  rtcpPeer.bind(rtpPort + 1, '127.0.0.1');
  await once(rtcpPeer, 'listening');
  const reports: Buffer[] = [];
  rtcpPeer.on('message', (m) => reports.push(m));
  const pool = new PortPool({ address: '127.0.0.1', min: 30720, max: 30739 });
  const pacer = new Pacer();
  const events: MediaEvent[] = [];
  const endpoint = new RtpEndpoint({
    id: 'ep-rtcp',
    lease: await pool.allocate(),
    codec: PCMU,
    remote: { address: '127.0.0.1', port: rtpPort, direction: 'sendrecv' },
    pacer,
    logger: silentLogger,
    emit: (e) => events.push(e),
    rtpTimeoutMs: 0,
  });
  try {
    endpoint.play(demoPrompt('PCMU'));
    for (let i = 0; i < 50; i++) {
      await peer.sendRtp({ marker: i === 0, payloadType: 0, sequenceNumber: 500 + i, timestamp: i * 160, ssrc: 0xabc, payload: Buffer.alloc(160, 0xff) }, endpoint.port);
      await settle(20);
    }
    // the first report comes after half an interval: 1.25 to 3.75 s
    await eventually(() => reports.length > 0, 6000, 'an RTCP report');
    const parsed = parseRtcp(reports[0]!);
    assert.ok(parsed, 'a valid compound RTCP packet');
    const sr = parsed.packets.find((p): p is SenderReport => p.type === 'sr');
    assert.ok(sr, `first packet is a sender report (we sent RTP): ${parsed.packets.map((p) => p.type).join(',')}`);
    assert.ok(sr.packetCount > 0 && sr.octetCount === sr.packetCount * 160);
    assert.ok(parsed.packets.some((p) => p.type === 'sdes'), 'with SDES CNAME');
    const block = sr.reports[0];
    assert.ok(block, 'a report block about the peer');
    assert.equal(block.ssrc, 0xabc);
    assert.equal(block.highestSeq, 549);
    assert.equal(block.cumulativeLost, 0);

    // the peer answers with a receiver report about our stream, 100 ms after our SR
    await settle(100);
    const rr = serializeRtcp([
      {
        type: 'rr',
        ssrc: 0xabc,
        reports: [{ ssrc: sr.ssrc, fractionLost: 0, cumulativeLost: 0, highestSeq: 0, jitter: 0, lsr: ntpMiddle32(sr.ntp), dlsr: Math.round(0.1 * 65536) }],
      },
    ]);
    rtcpPeer.send(rr, endpoint.port + 1, '127.0.0.1');
    await eventually(() => endpoint.quality().rttMs !== undefined, 2000, 'rtt from the RR');
    const rtt = endpoint.quality().rttMs!;
    assert.ok(rtt >= 0 && rtt < 100, `loopback RTT ${rtt} ms`);
    assert.ok(ntpNow().seconds > 0);
  } finally {
    endpoint.close();
    await settle(20);
    const bye = reports.map((r) => parseRtcp(r)).find((p) => p?.packets.some((x) => x.type === 'bye'));
    assert.ok(bye, 'an RTCP BYE when the endpoint closes');
    peer.close();
    rtcpPeer.close();
    pacer.stop();
  }
});
