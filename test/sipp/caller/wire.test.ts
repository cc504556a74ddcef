/** Wire latency from frame timelines: voice-to-voice, barge-in stop, WAV trimming and layout, percentiles. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toneUlaw } from '../harness/tone.js';
import { renderTrack, type AudioFrame } from './audio.js';
import { measureBargeIn, measureReply, percentile, trimToVoice } from './wire.js';

/** frames every 20 ms from `t0`: "S" voiced, "." quiet */
function frames(pattern: string, t0 = 0): Array<Pick<AudioFrame, 'at' | 'voiced'>> {
  return [...pattern].map((c, i) => ({ at: t0 + i * 20, voiced: c === 'S' }));
}
const rep = (c: string, ms: number): string => c.repeat(ms / 20);

describe('caller: voice-to-voice on the wire', () => {
  it('is the caller speech end → the agent first voiced packet', () => {
    // the caller stopped at t=1000; the agent starts at 1000 + 740
    const f = frames(rep('.', 1740) + rep('S', 2000) + rep('.', 1000));
    const r = measureReply(f, 1000, 10_000);
    assert.equal(r.v2vMs, 740);
    assert.equal(r.overlap, false);
    assert.equal(r.agentSpeechMs, 2000);
  });
  it('is null when the agent never answered', () => {
    const r = measureReply(frames(rep('.', 5000)), 1000, 10_000);
    assert.equal(r.v2vMs, null);
    assert.equal(r.onsetAt, undefined);
  });
  it('flags an agent that was still talking when the caller stopped', () => {
    const r = measureReply(frames(rep('S', 3000)), 1000, 10_000);
    assert.equal(r.overlap, true);
    assert.equal(r.v2vMs, 0);
  });
  it('only looks at frames up to `until`', () => {
    const r = measureReply(frames(rep('.', 3000) + rep('S', 500)), 1000, 2500);
    assert.equal(r.v2vMs, null);
  });
});

describe('caller: barge-in on the wire', () => {
  it('measures caller onset → the end of the agent last voiced packet', () => {
    // agent talks 0..2000+; the caller talks 1000..2500; the agent's last voiced frame arrives at 1080
    const f = frames(rep('S', 1100) + rep('.', 3000));
    const b = measureBargeIn(f, { firstVoicedAt: 1000, lastVoicedAt: 2500 });
    assert.equal(b.agentWasTalking, true);
    assert.equal(b.agentStoppedAt, 1080);
    assert.equal(b.stopMs, 100);
  });
  it('is null when the agent talked on over the caller', () => {
    const b = measureBargeIn(frames(rep('S', 4000)), { firstVoicedAt: 1000, lastVoicedAt: 2500 });
    assert.equal(b.stopMs, null);
  });
  it('is 0 when the agent was already quiet', () => {
    const b = measureBargeIn(frames(rep('S', 500) + rep('.', 3000)), { firstVoicedAt: 1000, lastVoicedAt: 2500 });
    assert.equal(b.stopMs, 0);
    assert.equal(b.agentWasTalking, false);
  });
  it('a pause and a resumption is not a stop', () => {
    const f = frames(rep('S', 1200) + rep('.', 400) + rep('S', 2000));
    const b = measureBargeIn(f, { firstVoicedAt: 1000, lastVoicedAt: 2500 });
    assert.equal(b.stopMs, null);
  });
});

describe('caller: recordings', () => {
  it('trims a turn to its voice with a little margin', () => {
    const f = frames(rep('.', 1000) + rep('S', 400) + rep('.', 2000));
    const t = trimToVoice(f, 0, 5000, 100, 300);
    assert.equal(t[0]!.at, 900);
    assert.equal(t[t.length - 1]!.at, 1380 + 300);
    assert.deepEqual(trimToVoice(frames(rep('.', 1000)), 0, 5000), []);
  });
  it('lays frames out on the RTP timestamp: a lost packet leaves 20 ms of silence', () => {
    const voice = toneUlaw(0.02, 300);
    const mk = (i: number): AudioFrame => ({ at: i * 20, ssrc: 7, ts: 1000 + i * 160, codec: 'PCMU', payload: voice, voiced: true });
    const track = renderTrack([mk(0), mk(1), mk(3)]);
    assert.equal(track.length, 4 * 160);
    assert.ok(track.subarray(320, 480).every((s) => s === 0), 'the missing frame is silence');
    assert.ok(track.subarray(480).some((s) => s !== 0));
  });
  it('a new SSRC continues from the arrival time', () => {
    const voice = toneUlaw(0.02, 300);
    const track = renderTrack([
      { at: 0, ssrc: 1, ts: 0, codec: 'PCMU', payload: voice, voiced: true },
      { at: 1000, ssrc: 2, ts: 999_999, codec: 'PCMU', payload: voice, voiced: true },
    ]);
    assert.equal(track.length, 8000 + 160);
  });
});

describe('caller: percentiles', () => {
  it('nearest rank', () => {
    assert.equal(percentile([], 50), null);
    assert.equal(percentile([5], 95), 5);
    assert.equal(percentile([400, 100, 300, 200], 50), 200);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100], 95), 19);
  });
});
