import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bridgeControlEventSchema, mediaSchema, silentLogger, type BridgeControlEvent, type MediaEvent } from '@callgate/contracts';
import { Playout } from '../playout/playout.js';
import { eventually } from '../testing/udp-peer.js';
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
