import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bridgeControlEventSchema, mediaSchema, silentLogger, type BridgeControlEvent, type MediaEvent } from '@callgate/contracts';
import { Playout } from '../playout/playout.js';
import { eventually } from '../testing/udp-peer.js';
import { Endpointer } from '../vad/endpointer.js';
import { speechPcm } from '../vad/test-audio.js';
import { VadEngine } from '../vad/vad-engine.js';
import { CallSession, type AgentChannelEvents } from './call-session.js';

/** a session on a fake agent channel (no VAD), with its playout drained by hand */
function setup(onFailure: 'hangup' | 'transfer' = 'hangup') {
  const config = mediaSchema.parse({ agentCore: { url: 'ws://127.0.0.1:1/v1', onFailure } });
  const emitted: MediaEvent[] = [];
  const sent: BridgeControlEvent[] = [];
  let agent!: AgentChannelEvents;
  const playout: Playout = new Playout((item) => session.itemDone(item));
  const session: CallSession = new CallSession({
    endpointId: 'ep-1',
    sessionId: 's-1',
    agent: 'frontdesk',
    playout,
    config,
    emit: (e) => emitted.push(e),
    logger: silentLogger,
    connectAgent: (_call, events) => {
      agent = events;
      return { sendAudio: () => {}, sendControl: (e) => sent.push(e), close: () => {} };
    },
  });
  session.start({ callId: 'c-1' });
  /** plays out everything queued, one tick at a time, as the endpoint would */
  const drain = () => {
    let frames = 0;
    for (let frame = playout.nextFrame(); frame; frame = playout.nextFrame()) session.outbound(frame, 20 * ++frames);
    return frames;
  };
  return { session, playout, emitted, sent, agent: () => agent, drain };
}

describe('CallSession when agent-core fails', () => {
  it('gives up only after the caller has heard the whole fallback prompt, even when the link gives up while it is being made', async () => {
    const t = setup('hangup');
    t.agent().open();
    t.agent().down('connection reset');
    t.agent().gaveUp('reconnect refused'); // before flite has finished
    assert.equal(t.emitted.filter((e) => e.type === 'hangup_request').length, 0, 'not before the prompt');
    await eventually(() => t.playout.holds('fallback'), 10000, 'the fallback prompt queued');
    assert.ok(t.drain() > 25, 'the prompt is more than half a second of audio');
    assert.deepEqual(
      t.emitted.filter((e) => e.type === 'hangup_request'),
      [{ v: 1, type: 'hangup_request', endpointId: 'ep-1', reason: 'agent-core unavailable' }],
    );
  });

  it('asks for a transfer when the policy says so; the gateway hangs up if the number has no target', async () => {
    const t = setup('transfer');
    t.agent().gaveUp('never reachable');
    await eventually(() => t.playout.holds('fallback'), 10000, 'the fallback prompt queued');
    t.drain();
    assert.deepEqual(
      t.emitted.filter((e) => e.type === 'transfer_request'),
      [{ v: 1, type: 'transfer_request', endpointId: 'ep-1', reason: 'agent-core unavailable' }],
    );
  });

  it('passes quality estimates to the agent, rounded and within the contract\'s bounds', () => {
    const t = setup();
    t.agent().open();
    t.session.quality({ mos: 4.4123, jitterMs: 2.345, lossPct: 0.123, packetsReceived: 500, packetsLost: 1 });
    t.session.quality({ mos: 0.7, jitterMs: -1, lossPct: 140, packetsReceived: 10, packetsLost: 30 });
    assert.deepEqual(t.sent, [
      { type: 'quality', mos: 4.41, jitterMs: 2.3, lossPct: 0.12, packetsReceived: 500, packetsLost: 1 },
      { type: 'quality', mos: 1, jitterMs: 0, lossPct: 100, packetsReceived: 10, packetsLost: 30 },
    ]);
    for (const e of t.sent) assert.equal(bridgeControlEventSchema.safeParse(e).success, true);
  });

  it('plays agent audio, reports what was played, and follows the agent\'s transfer and hang-up requests', () => {
    const t = setup();
    t.agent().open();
    t.agent().control({ type: 'reply_start', replyId: 'r1' });
    t.agent().audio('r1', new Int16Array(800).fill(1000));
    t.agent().control({ type: 'reply_end', replyId: 'r1' });
    assert.equal(t.drain(), 5);
    assert.deepEqual(t.sent.map((e) => e.type), ['playback_start', 'playback_done']);
    assert.deepEqual(t.sent[1], { type: 'playback_done', replyId: 'r1', playedMs: 100 });
    t.agent().control({ type: 'transfer', target: 'sip:desk@example.com' });
    t.agent().control({ type: 'hangup', reason: 'goodbye' });
    assert.deepEqual(
      t.emitted.map((e) => e.type),
      ['transfer_request', 'hangup_request'],
    );
    t.session.dtmf('5', 100, 'rfc4733');
    assert.deepEqual(t.sent.at(-1), { type: 'dtmf', digit: '5', durationMs: 100, source: 'rfc4733' });
  });
});

describe('CallSession endpointing', () => {
  /** a session with the real VAD; `infer` runs the engine on what is pending (the pacer's after-tick batch) */
  async function vadSession(gateDbfs: number | null) {
    const config = mediaSchema.parse({ vad: { gateDbfs, hangoverMs: 600 } });
    const vad = await VadEngine.create({ gateDbfs: gateDbfs ?? undefined });
    const emitted: MediaEvent[] = [];
    const playout = new Playout(() => {});
    const endpointers = { turn: new Endpointer({ ...config.vad }), bargeIn: new Endpointer({ ...config.vad, minSpeechMs: 200 }) };
    const session = new CallSession({ endpointId: 'ep-v', sessionId: 's-v', agent: 'demo', playout, vad, endpointers, config, emit: (e) => emitted.push(e), logger: silentLogger });
    let mediaMs = 0;
    /** one 20 ms frame per call, as the endpoint's tick gives them */
    const feed = async (pcm: Int16Array, infer: boolean) => {
      for (let i = 0; i < pcm.length; i += 160) {
        const frame = new Int16Array(160);
        frame.set(pcm.subarray(i, Math.min(pcm.length, i + 160)));
        session.inbound(frame, mediaMs);
        mediaMs += 20;
        if (infer) await vad.process();
      }
    };
    return { session, emitted, feed, close: () => session.close('test') };
  }

  it('ends the turn on the frame that completes the hang-over when the quiet audio is below the gate, before its windows are inferred', async () => {
    const t = await vadSession(-55);
    try {
      const speech = speechPcm('book an appointment');
      await t.feed(new Int16Array(4000), true);
      await t.feed(speech, true);
      assert.ok(t.emitted.some((e) => e.type === 'speech_start'), 'speech started');
      // digital silence, never inferred: only energy can tell it is quiet
      await t.feed(new Int16Array(8000), false);
      const end = t.emitted.find((e) => e.type === 'speech_end');
      assert.ok(end && end.type === 'speech_end', 'speech_end without inference');
      let last = speech.length - 1;
      while (last > 0 && Math.abs(speech[last]!) < 300) last--; // espeak-ng pads its output with silence
      const speechEndMs = 500 + last / 8;
      assert.ok(end.atMs <= speechEndMs + 40 && end.atMs > speechEndMs - 300, `end of speech ${end.atMs} near ${speechEndMs}`);
      assert.ok(end.decidedMs - end.atMs >= 600 && end.decidedMs - end.atMs < 620, `decided ${end.decidedMs - end.atMs} ms after it: the hang-over, to the frame`);
    } finally {
      t.close();
    }
  });

  it('without the energy gate the end waits for the windows to be inferred', async () => {
    const t = await vadSession(null);
    try {
      await t.feed(new Int16Array(4000), true);
      await t.feed(speechPcm('book an appointment'), true);
      await t.feed(new Int16Array(8000), false);
      assert.equal(t.emitted.filter((e) => e.type === 'speech_end').length, 0);
      await t.feed(new Int16Array(160), true); // one more tick: the pending windows go through the model
      assert.equal(t.emitted.filter((e) => e.type === 'speech_end').length, 1);
    } finally {
      t.close();
    }
  });
});
