/**
 * The call path end to end inside the media bridge, with real parts: RTP over loopback UDP paced at 20 ms,
 * the real Silero model, and a real WebSocket agent (the test agent server speaking contract v1).
 * Caller speech is made with espeak-ng.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mediaSchema, silentLogger, type MediaEvent } from '@callgate/contracts';
import { g711 } from '../audio/g711.js';
import { startMediaBridge, type MediaBridge } from '../service.js';
import { startTestAgentServer, type TestAgentServer } from '../testing/agent-server.js';
import { allocateRequest } from '../testing/requests.js';
import { eventually, settle, UdpPeer } from '../testing/udp-peer.js';
import { speechPcm } from '../vad/test-audio.js';

const mulaw = g711('PCMU');

/** sends `pcm` as paced 20 ms PCMU packets; resolves when the last is sent */
async function stream(peer: UdpPeer, port: number, pcm: Int16Array, state: { seq: number; ts: number }, stop?: () => boolean): Promise<void> {
  const start = performance.now();
  for (let i = 0; i * 160 < pcm.length; i++) {
    if (stop?.()) return;
    const frame = new Int16Array(160);
    frame.set(pcm.subarray(i * 160, Math.min(pcm.length, (i + 1) * 160)));
    await peer.sendRtp({ marker: false, payloadType: 0, sequenceNumber: state.seq++ & 0xffff, timestamp: state.ts >>> 0, ssrc: 4242, payload: Buffer.from(mulaw.encode(frame)) }, port);
    state.ts += 160;
    const wait = start + (i + 1) * 20 - performance.now();
    if (wait > 0) await settle(wait);
  }
}

const silence = (ms: number) => new Int16Array((ms * 8000) / 1000);
const loud = (ms: number) => Int16Array.from({ length: (ms * 8000) / 1000 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 300 * i) / 8000)));
const nonSilent = (peer: UdpPeer, from = 0) => peer.received.slice(from).filter((r) => r.packet.payload.some((b) => b !== 0xff)).length;

describe('call path: RTP → VAD → agent-core and back', () => {
  let agent: TestAgentServer;
  let bridge: MediaBridge;
  let speech: Int16Array;
  const events: MediaEvent[] = [];

  before(async () => {
    speech = speechPcm('hello, I would like to book an appointment for tomorrow');
    agent = await startTestAgentServer();
    const config = mediaSchema.parse({
      rtpPortMin: 30600,
      rtpPortMax: 30639,
      agentCore: { url: agent.url, reconnectAttempts: 1, reconnectBackoffMs: 50, connectTimeoutMs: 500, onFailure: 'hangup' },
      bargeIn: { guardMs: 100, minSpeechMs: 200 },
    });
    bridge = await startMediaBridge(config, silentLogger, { rtpTimeoutMs: 0 });
    bridge.control.onEvent((e) => events.push(e));
  });
  after(async () => {
    await bridge.stop();
    await agent.close();
  });

  const allocate = async (peer: UdpPeer, sessionId: string) => {
    const alloc = await bridge.control.allocate(allocateRequest(peer.port, { sessionId, agent: 'frontdesk' }));
    await bridge.control.connect(alloc.endpointId, { callId: `call-${sessionId}` });
    await eventually(() => agent.connections.some((c) => c.start?.sessionId === sessionId), 5000, 'agent stream opened');
    return alloc;
  };

  it('the agent gets the call, the caller audio and speech start/end near the spoken segment; its reply is played', async () => {
    const peer = await UdpPeer.open();
    try {
      const alloc = await allocate(peer, 's1');
      const conn = agent.connection('s1');
      assert.equal(conn.start?.agent, 'frontdesk');
      assert.equal(conn.start?.callId, 'call-s1');
      const rtp = { seq: 1, ts: 0 };
      // 1 s of silence, the sentence, 1.5 s of silence
      await stream(peer, alloc.port, silence(1000), rtp);
      await stream(peer, alloc.port, speech, rtp);
      await stream(peer, alloc.port, silence(1500), rtp);
      await eventually(() => conn.controls.some((c) => c.type === 'speech_end'), 3000, 'speech_end at the agent');
      const start = conn.controls.find((c) => c.type === 'speech_start');
      const end = conn.controls.find((c) => c.type === 'speech_end');
      assert.ok(start && start.type === 'speech_start' && end && end.type === 'speech_end');
      // the voiced span of the espeak-ng audio (its file has quiet lead-in and tail): the known segment
      const voiced = [...speech.keys()].filter((i) => Math.abs(speech[i]!) > 1000);
      const speechMs = ((voiced.at(-1)! - voiced[0]!) / 8000) * 1000;
      // media time starts at allocation, before the first packet, so compare durations and order: within 250 ms
      assert.ok(Math.abs(end.speechMs - speechMs) < 250, `speech ${end.speechMs} ms vs voiced ${speechMs} ms`);
      assert.ok(end.atMs > start.atMs);
      assert.ok(conn.audioFrames > 150, `caller audio frames at the agent: ${conn.audioFrames}`);
      assert.ok(events.some((e) => e.type === 'speech_start' && e.endpointId === alloc.endpointId), 'speech_start reported to subscribers');

      const before = peer.received.length;
      await agent.sendReply('s1', loud(600), 'reply-1');
      await eventually(() => conn.controls.some((c) => c.type === 'playback_done'), 3000, 'playback_done');
      assert.ok(nonSilent(peer, before) >= 29, `reply frames on the wire: ${nonSilent(peer, before)}`);
      const done = conn.controls.find((c) => c.type === 'playback_done');
      assert.deepEqual(done, { type: 'playback_done', replyId: 'reply-1', playedMs: 600 });
      const started = conn.controls.findIndex((c) => c.type === 'playback_start' && c.replyId === 'reply-1');
      assert.ok(started >= 0 && started < conn.controls.indexOf(done), 'playback_start before playback_done');
      await bridge.control.release(alloc.endpointId, 'bye');
      await eventually(() => conn.controls.some((c) => c.type === 'end'), 3000, 'end at the agent');
    } finally {
      peer.close();
    }
  });

  it('barge-in: the caller talking over a long reply stops the outbound audio and tells the agent what was heard', async () => {
    const peer = await UdpPeer.open();
    try {
      const alloc = await allocate(peer, 's2');
      const conn = agent.connection('s2');
      const rtp = { seq: 1, ts: 0 };
      await stream(peer, alloc.port, silence(300), rtp);
      void agent.sendReply('s2', loud(8000), 'long-reply');
      await eventually(() => nonSilent(peer) > 25, 3000, 'the reply is playing');
      const onsetIndex = peer.received.length;
      await stream(peer, alloc.port, speech.subarray(0, 8000 * 1.5), rtp);
      await eventually(() => conn.controls.some((c) => c.type === 'barge_in'), 3000, 'barge_in at the agent');
      const b = conn.controls.find((c) => c.type === 'barge_in');
      assert.ok(b && b.type === 'barge_in');
      assert.equal(b.replyId, 'long-reply');
      assert.ok(b.heardMs > 400 && b.heardMs < 4000, `heard ${b.heardMs} ms`);
      const afterOnset = nonSilent(peer, onsetIndex);
      // the reply went on for at most the detection time, then only silence frames
      assert.ok(afterOnset < 20, `${afterOnset} reply frames after the caller started`);
      const count = nonSilent(peer);
      await settle(300);
      assert.equal(nonSilent(peer), count, 'no reply audio after the barge-in');
      await bridge.control.release(alloc.endpointId, 'bye');
    } finally {
      peer.close();
    }
  });

  it('when agent-core vanishes the caller hears the fallback prompt, then the call is ended as configured', async () => {
    const peer = await UdpPeer.open();
    try {
      const alloc = await allocate(peer, 's3');
      await stream(peer, alloc.port, silence(200), { seq: 1, ts: 0 });
      const before = peer.received.length;
      await agent.close(); // the server is gone: the link drops, the reconnect fails
      await eventually(() => nonSilent(peer, before) > 10, 5000, 'fallback prompt on the wire');
      await eventually(() => events.some((e) => e.type === 'hangup_request' && e.endpointId === alloc.endpointId), 15000, 'hangup_request after the prompt');
      await bridge.control.release(alloc.endpointId, 'bye');
    } finally {
      peer.close();
    }
  });
});

describe('call path: agent-core slow to answer', () => {
  it('the caller hears the fallback prompt when no reply starts within replyTimeoutMs of the end of the turn', async () => {
    const speech = speechPcm('can you hear me');
    const agent = await startTestAgentServer();
    const config = mediaSchema.parse({ rtpPortMin: 30640, rtpPortMax: 30659, agentCore: { url: agent.url, replyTimeoutMs: 800 } });
    const bridge = await startMediaBridge(config, silentLogger, { rtpTimeoutMs: 0 });
    const peer = await UdpPeer.open();
    try {
      const alloc = await bridge.control.allocate(allocateRequest(peer.port, { sessionId: 'slow', agent: 'frontdesk' }));
      await bridge.control.connect(alloc.endpointId, {});
      await eventually(() => agent.connections.some((c) => c.start?.sessionId === 'slow'), 5000, 'agent stream opened');
      const conn = agent.connection('slow');
      const rtp = { seq: 1, ts: 0 };
      await stream(peer, alloc.port, silence(300), rtp);
      await stream(peer, alloc.port, speech, rtp);
      let endAt = 0;
      const quiet = stream(peer, alloc.port, silence(3000), rtp, () => {
        if (!endAt && conn.controls.some((c) => c.type === 'speech_end')) endAt = Date.now();
        return false;
      });
      await eventually(() => endAt > 0, 3000, 'speech_end at the agent');
      assert.equal(nonSilent(peer), 0, 'nothing audible before the timeout');
      await eventually(() => nonSilent(peer) > 10, 3000, 'the fallback prompt');
      await quiet;
      await bridge.control.release(alloc.endpointId, 'bye');
    } finally {
      peer.close();
      await bridge.stop();
      await agent.close();
    }
  });
});

