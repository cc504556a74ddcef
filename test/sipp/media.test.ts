/**
 * Media through the gateway over real SIPp calls: caller speech (espeak-ng, μ-law) streamed by SIPp is found by
 * the VAD within a stated tolerance of the known segment; barge-in during the prompt stops the outbound audio;
 * RFC 4733 digits are reported once each; a call whose agent-core vanishes hears the fallback prompt and is
 * ended as configured. The appliance's speech decisions are read from its JSON log (media-clock ms).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestAgentServer, type TestAgentServer } from '@callgate/media-bridge/testing';
import { Appliance } from './harness/appliance.js';
import { portPlan } from './harness/ports.js';
import { RtpPeer, type RtpPacket } from './harness/rtp.js';
import { answerMedia, assertSippOk, call, eventually, receivedRequests, startCall } from './harness/fixture.js';
import { fetchMetrics, metricSum } from './harness/metrics.js';
import { speechUlaw } from './harness/speech.js';

const ports = portPlan(9);
let app: Appliance;

/** the appliance's log line `msg` as an object (the last one for this endpoint when given) */
function logged(msg: string, endpointId?: string): Record<string, unknown> | undefined {
  const lines = app.logsMatching(`"msg":"${msg}"`).map((l) => JSON.parse(l) as Record<string, unknown>);
  return lines.filter((l) => !endpointId || l.endpoint_id === endpointId).at(-1);
}

/** a packet carrying sound (PCMU silence is 0xff; the appliance sends silence frames between talkspurts) */
const audible = (p: RtpPacket) => p.pt === 0 && p.payloadLength === 160 && p.payload.some((b) => b !== 0xff && b !== 0x7f);

before(async () => {
  app = await Appliance.start({ ports, media: { bargeIn: { guardMs: 100 } } });
});

after(async () => {
  assert.equal(await app?.stop(), 0, app?.logTail());
});

describe('media over SIPp calls', () => {
  it('finds the start and end of the caller\'s speech streamed by SIPp within 150 / 300 ms of the known segment', async () => {
    const speech = speechUlaw('hello, I would like to book an appointment for tomorrow morning');
    const r = await call(app, { scenario: 'speech-call.xml', files: { 'speech.ulaw': speech.ulaw }, timeoutS: 30 });
    assertSippOk(r, app);
    const latched = logged('rtp: latched remote');
    const start = logged('media: caller speech start');
    const end = logged('media: caller speech end');
    assert.ok(latched && start && end, `speech decisions logged\n${app.logTail(30)}`);
    const t0 = latched.media_ms as number; // media time of SIPp's first packet
    const startMs = (start.onset_ms as number) - t0;
    const endMs = (end.end_ms as number) - t0;
    assert.ok(Math.abs(startMs - speech.voicedStartMs) <= 150, `speech start at ${startMs} ms, voice begins at ${speech.voicedStartMs} ms`);
    assert.ok(Math.abs(endMs - speech.voicedEndMs) <= 300, `speech end at ${endMs} ms, voice ends at ${speech.voicedEndMs} ms`);
    assert.ok((end.decided_ms as number) - (end.end_ms as number) >= 500, 'the turn closes after the endpointing silence');
  });

  it('barge-in: the caller speaking over the prompt stops the outbound audio within 200 ms', async () => {
    const rtp = await RtpPeer.open();
    try {
      const run = startCall(app, { scenario: 'hold-call-6s.xml', rtpPort: rtp.port });
      await rtp.waitForPackets(20, 5000);
      const from = rtp.packets[0]!.from.split(':');
      const to = { address: from[0]!, port: Number(from[1]) };
      await eventually(() => rtp.packets.some(audible), 3000, 'the prompt is audible');
      const speech = speechUlaw('wait, I have a question about my booking', 0, 0);
      let onset = 0;
      await rtp.sendUlaw(to, speech.ulaw.subarray(0, 8000 * 1.5), undefined, () => (onset = Date.now()));
      // while the caller talks (after that the demo agent answers the turn)
      const audibleAfter = rtp.packets.filter((p) => p.at > onset + 200 && p.at < onset + 1500 && audible(p));
      assert.equal(audibleAfter.length, 0, `${audibleAfter.length} audible prompt packets more than 200 ms after the caller began`);
      assert.ok(rtp.packets.some((p) => p.at > onset + 500), 'the stream goes on (silence frames), it is not cut');
      const r = await run.done;
      assertSippOk(r, app);
      const b = logged('media: barge-in');
      assert.ok(b, 'barge-in logged');
      assert.ok((b.heard_ms as number) > 0);
    } finally {
      rtp.close();
    }
  });

  it('RFC 4733 digits from the caller are reported once each', async () => {
    const rtp = await RtpPeer.open();
    try {
      const before = metricSum(await fetchMetrics(app.metricsUrl), 'callgate_dtmf_digits_total', { source: 'rfc4733' }) ?? 0;
      const run = startCall(app, { scenario: 'hold-call.xml', rtpPort: rtp.port });
      await rtp.waitForPackets(5, 5000);
      const answer = rtp.packets[0]!.from.split(':');
      const to = { address: answer[0]!, port: Number(answer[1]) };
      const state = { seq: 100, ts: 0 };
      for (const event of [1, 2, 3]) await rtp.sendDigit(to, event, 101, state);
      await eventually(async () => (metricSum(await fetchMetrics(app.metricsUrl), 'callgate_dtmf_digits_total', { source: 'rfc4733' }) ?? 0) - before >= 3, 3000, '3 digits');
      const r = await run.done;
      assertSippOk(r, app);
      const after = metricSum(await fetchMetrics(app.metricsUrl), 'callgate_dtmf_digits_total', { source: 'rfc4733' }) ?? 0;
      assert.equal(after - before, 3, 'three presses (each with three end packets) are three digits');
    } finally {
      rtp.close();
    }
  });
});

describe('agent-core vanishes mid-call', () => {
  let agent: TestAgentServer;
  let withAgent: Appliance;
  const agentPorts = portPlan(10);

  before(async () => {
    agent = await startTestAgentServer();
    withAgent = await Appliance.start({
      ports: agentPorts,
      numbers: [{ number: '1000', agent: 'frontdesk' }],
      media: { agentCore: { url: agent.url, reconnectAttempts: 1, reconnectBackoffMs: 100, connectTimeoutMs: 500, onFailure: 'hangup' } },
    });
  });
  after(async () => {
    assert.equal(await withAgent?.stop(), 0, withAgent?.logTail());
    await agent?.close();
  });

  it('the caller hears the fallback prompt, then the appliance hangs up as configured', async () => {
    const rtp = await RtpPeer.open();
    try {
      const run = startCall(withAgent, { scenario: 'gateway-bye.xml', rtpPort: rtp.port });
      await eventually(() => agent.connections.length > 0 && agent.connections[0]!.start !== undefined, 5000, 'the agent stream opens');
      assert.equal(agent.connections[0]!.start?.agent, 'frontdesk');
      await agent.close(); // agent-core is gone: the link drops and cannot reconnect
      const before = rtp.packets.length;
      await eventually(() => rtp.packets.slice(before).filter((p) => p.pt === 0).length > 25, 5000, 'fallback prompt RTP');
      const r = await run.done;
      assertSippOk(r, withAgent);
      const [bye] = receivedRequests(r, 'BYE');
      assert.ok(bye, 'the appliance hung up');
      assert.ok(withAgent.logsMatching('agent-core link down').length > 0, 'the outage was logged');
      assert.ok(answerMedia(r).port > 0);
    } finally {
      rtp.close();
    }
  });
});
