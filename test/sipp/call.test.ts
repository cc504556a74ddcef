/**
 * Functional SIP tests against a real appliance (default policy): basic call with RTP both ways, symmetric RTP,
 * TCP, codec choice and mismatch, unknown number, OPTIONS, hold/unhold, INFO DTMF, inbound REFER, CANCEL.
 * Needs `sipp` (Debian sip-tester) and a built tree (`npm run build`).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Appliance } from './harness/appliance.js';
import { portPlan } from './harness/ports.js';
import { RtpPeer } from './harness/rtp.js';
import { answerMedia, assertSippOk, call, describeRun, eventually, metricOrDiag, receivedResponses, startCall, statuses, tryMetrics } from './harness/fixture.js';

const ports = portPlan(1);
let app: Appliance;

before(async () => {
  app = await Appliance.start({ ports });
});

after(async () => {
  const code = await app?.stop();
  assert.equal(code, 0, `appliance exit code on SIGTERM\n${app?.logTail()}`);
});

describe('basic call', () => {
  it('answers a PCMU call over UDP: 100, 200 with PCMU + telephone-event, RTP prompt to the caller, BYE 200', async (t) => {
    const rtp = await RtpPeer.open();
    const before = await tryMetrics(app, (m) => t.diagnostic(m));
    try {
      const r = await call(app, { scenario: 'basic-call.xml', rtpPort: rtp.port, toneFile: true });
      assertSippOk(r, app);
      assert.ok(statuses(r, 'INVITE').includes(100), `no 100 Trying\n${describeRun(r)}`);
      const answer = answerMedia(r);
      assert.equal(answer.pts[0], 0, 'PCMU first in the answer');
      assert.ok(!answer.pts.includes(8) || answer.pts.indexOf(8) > 0);
      assert.match(answer.body, /a=rtpmap:\d+ telephone-event\/8000/);
      // the appliance plays its prompt to the address of our offer until it latches onto SIPp's stream
      const pcmu = rtp.summary((p) => p.pt === 0);
      assert.ok(pcmu.count >= 40, `expected >= 40 PCMU packets from the appliance, got ${pcmu.count}`);
      assert.deepEqual(pcmu.payloadSizes, [160], '20 ms PCMU payloads (160 bytes)');
      assert.equal(pcmu.seqDiscontinuities, 0, 'RTP sequence numbers continuous');
      assert.equal(pcmu.ssrcs.length, 1, 'one SSRC');
      assert.equal(pcmu.sources[0], `${answer.ip}:${answer.port}`, 'RTP comes from the address:port of the SDP answer (symmetric RTP)');
      const afterM = await tryMetrics(app, (m) => t.diagnostic(m));
      const rxBefore = metricOrDiag(before, 'callgate_rtp_packets_received_total', {}, (m) => t.diagnostic(m)) ?? 0;
      const rxAfter = metricOrDiag(afterM, 'callgate_rtp_packets_received_total', {}, (m) => t.diagnostic(m));
      assert.ok(rxAfter !== undefined, 'callgate_rtp_packets_received_total is exported');
      assert.ok(rxAfter - rxBefore >= 40, `appliance counted ${rxAfter - rxBefore} RTP packets from SIPp's 1.5 s stream`);
      const invites = metricOrDiag(afterM, 'callgate_sip_requests_total', { method: 'INVITE' }, (m) => t.diagnostic(m));
      if (invites !== undefined) assert.ok(invites >= 1);
    } finally {
      rtp.close();
    }
  });

  it('latches onto the caller\'s real RTP source (symmetric RTP)', async () => {
    const offered = await RtpPeer.open();
    const real = await RtpPeer.open();
    try {
      const run = startCall(app, { scenario: 'hold-call.xml', rtpPort: offered.port });
      await offered.waitForPackets(10, 5000);
      const [host, port] = offered.packets[0]!.from.split(':');
      await real.sendStream({ address: host!, port: Number(port) }, 25);
      await real.waitForPackets(10, 2000);
      const atOffered = offered.packets.length;
      await real.waitForPackets(real.packets.length + 10, 1000);
      assert.ok(offered.packets.length - atOffered <= 2, `appliance kept sending to the offered address after latching (${offered.packets.length - atOffered} more)`);
      assert.deepEqual(real.summary().payloadSizes, [160]);
      const r = await run.done;
      assertSippOk(r, app);
    } finally {
      offered.close();
      real.close();
    }
  });

  it('answers over TCP', async () => {
    const rtp = await RtpPeer.open();
    try {
      const r = await call(app, { scenario: 'basic-call.xml', transport: 'tcp', rtpPort: rtp.port, toneFile: true });
      assertSippOk(r, app);
      assert.ok(rtp.summary((p) => p.pt === 0).count >= 20, 'RTP flows on a TCP-signalled call');
    } finally {
      rtp.close();
    }
  });
});

describe('codecs', () => {
  it('chooses PCMA when only PCMA is offered', async () => {
    const rtp = await RtpPeer.open();
    try {
      const r = await call(app, { scenario: 'pcma-only.xml', rtpPort: rtp.port });
      assertSippOk(r, app);
      assert.equal(answerMedia(r).pts[0], 8);
      await rtp.waitForPackets(5, 2000, (p) => p.pt === 8).catch(() => undefined);
      const s = rtp.summary();
      assert.ok(s.count > 0 && s.payloadTypes.every((pt) => pt === 8 || pt === 101), `PCMA RTP expected, saw PTs ${s.payloadTypes.join(',')} (${s.count} packets)`);
    } finally {
      rtp.close();
    }
  });

  for (const [pt, codec] of [
    ['18', 'G729'],
    ['3', 'GSM'],
  ] as const) {
    it(`answers 488 to an offer of ${codec} only`, async () => {
      const r = await call(app, { scenario: 'codec-mismatch.xml', keys: { offer_pt: pt, offer_codec: codec } });
      assertSippOk(r, app);
      assert.ok(statuses(r, 'INVITE').includes(488));
    });
  }
});

describe('routing and out-of-dialog requests', () => {
  it('answers 404 for a number that is not configured', async () => {
    const r = await call(app, { scenario: 'unknown-number.xml', service: '9999' });
    assertSippOk(r, app);
  });

  it('answers OPTIONS with 200', async () => {
    const r = await call(app, { scenario: 'options.xml' });
    assertSippOk(r, app);
  });
});

describe('mid-call requests', () => {
  it('hold (sendonly -> recvonly) and unhold (sendrecv -> sendrecv) by re-INVITE', async () => {
    const rtp = await RtpPeer.open();
    try {
      const r = await call(app, { scenario: 'hold-unhold.xml', rtpPort: rtp.port });
      assertSippOk(r, app);
    } finally {
      rtp.close();
    }
  });

  it('answers INFO application/dtmf-relay with 200', async () => {
    const r = await call(app, { scenario: 'info-dtmf.xml' });
    assertSippOk(r, app);
    assert.deepEqual(statuses(r, 'INFO').filter((s) => s >= 200), [200]);
  });

  it('answers an inbound REFER per policy (not 5xx) and the call goes on', async (t) => {
    const r = await call(app, { scenario: 'refer.xml' });
    assertSippOk(r, app);
    const refer = receivedResponses(r, 'REFER').filter((m) => (m.status ?? 0) >= 200);
    assert.equal(refer.length, 1);
    assert.ok(refer[0]!.status! < 500 || refer[0]!.status! >= 600, `REFER answered ${refer[0]!.status}`);
    t.diagnostic(`REFER answered ${refer[0]!.status}; ${r.logs.trim().split('\n').filter((l) => l.includes('bye=')).join(' ')}`);
  });
});

describe('CANCEL', () => {
  it('CANCEL after 100 Trying: 200 to the CANCEL and 487 (or, if the answer won the race, 200 + ACK + BYE)', async (t) => {
    const r = await call(app, { scenario: 'cancel.xml' });
    assertSippOk(r, app);
    const outcome = /outcome=(\w+)/.exec(r.logs)?.[1];
    t.diagnostic(`cancel outcome: ${outcome}; ${r.logs.split('\n').filter((l) => l.startsWith('cancel=')).join(' ')}`);
    const cancel = receivedResponses(r, 'CANCEL').map((m) => m.status);
    if (outcome === '487') assert.deepEqual(cancel, [200]);
    else assert.ok(cancel.length === 1 && (cancel[0] === 200 || cancel[0] === 481), `CANCEL answered ${cancel.join(',')}`);
  });
});

describe('appliance state after the calls', () => {
  it('has no active calls left', async (t) => {
    const m0 = await tryMetrics(app, (m) => t.diagnostic(m));
    if (!m0) return;
    await eventually(async () => {
      const m = await tryMetrics(app, () => undefined);
      const v = metricOrDiag(m, 'callgate_active_calls', {}, (d) => t.diagnostic(d));
      return v === undefined || v === 0;
    }, 5000, 'callgate_active_calls to drop to 0');
  });
});
