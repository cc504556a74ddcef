import { it } from 'node:test';
import assert from 'node:assert/strict';
import { Endpointer, type EndpointEvent } from './endpointer.js';

/** feeds probabilities for consecutive 32 ms windows, the first ending at `firstEndMs`; returns every event */
function run(ep: Endpointer, probs: number[], firstEndMs = 32): EndpointEvent[] {
  return probs.flatMap((p, i) => ep.feed(p, firstEndMs + 32 * i));
}

const rep = (p: number, n: number): number[] => Array<number>(n).fill(p);

it('marks onset at the start of the first window ≥ 0.5, start after 100 ms, end after 500 ms of silence', () => {
  const ep = new Endpointer();
  // windows end at 32, 64, ...; speech in windows 3..12 (ends 96..384), then silence
  const events = run(ep, [...rep(0.1, 2), ...rep(0.9, 10), ...rep(0.05, 20)]);
  assert.deepEqual(events, [
    { type: 'speech_onset', onsetMs: 64, decidedMs: 96 },
    // lasted 160 − 64 = 96 < 100 at the second window, 192 − 64 = 128 ≥ 100 at the third
    { type: 'speech_start', onsetMs: 64, decidedMs: 192 },
    // last speech window ends at 384; 384 + 15·32 = 864 is 480 ms later, 896 is 512 ≥ 500
    { type: 'speech_end', onsetMs: 64, decidedMs: 896, lastSpeechMs: 384 },
  ]);
  assert.deepEqual(ep.times, { onsetMs: 64, onsetDecidedMs: 96, startDecidedMs: 192, lastSpeechMs: 384, endDecidedMs: 896 });
  assert.equal(ep.state, 'silence');
});

it('abandons a cough: onset, then silence before minSpeechMs', () => {
  const ep = new Endpointer();
  const events = run(ep, [0.2, 0.8, 0.6, 0.1, 0.1]);
  assert.deepEqual(events, [
    { type: 'speech_onset', onsetMs: 32, decidedMs: 64 },
    { type: 'speech_abandoned', onsetMs: 32, decidedMs: 128, lastSpeechMs: 96 },
  ]);
  assert.equal(ep.state, 'silence');
  assert.equal(ep.times.startDecidedMs, undefined);
  assert.equal(ep.times.abandonedDecidedMs, 128);
});

it('honours the hangover: dips shorter than 500 ms and windows between the thresholds keep speech going', () => {
  const ep = new Endpointer();
  const speech = [...rep(0.9, 5), ...rep(0.1, 15), 0.4, ...rep(0.1, 15), 0.9];
  const events = run(ep, speech);
  assert.deepEqual(
    events.map((e) => e.type),
    ['speech_onset', 'speech_start'],
  );
  assert.equal(ep.state, 'speech');
  // 15 silent windows = 480 ms < 500: still speech; the 0.4 window (≥ 0.35) counts as speech
  const end = run(ep, rep(0.1, 16), 32 * (speech.length + 1));
  assert.deepEqual(end, [{ type: 'speech_end', onsetMs: 0, decidedMs: 32 * speech.length + 512, lastSpeechMs: 32 * speech.length }]);
});

it('starts at once with minSpeechMs 0 and ends on the first silent window with hangoverMs 0', () => {
  const ep = new Endpointer({ minSpeechMs: 0, hangoverMs: 0 });
  assert.deepEqual(run(ep, [0.7, 0.2]), [
    { type: 'speech_onset', onsetMs: 0, decidedMs: 32 },
    { type: 'speech_start', onsetMs: 0, decidedMs: 32 },
    { type: 'speech_end', onsetMs: 0, decidedMs: 64, lastSpeechMs: 32 },
  ]);
});

it('a threshold boost resists onset until removed, and does not end speech already started', () => {
  const ep = new Endpointer();
  ep.setThresholdBoost(0.3);
  assert.equal(ep.effectivePositiveThreshold, 0.8);
  assert.deepEqual(run(ep, rep(0.7, 5)), []);
  ep.setThresholdBoost(0);
  const events = run(ep, rep(0.7, 4), 192);
  assert.deepEqual(
    events.map((e) => [e.type, e.onsetMs, e.decidedMs]),
    [
      ['speech_onset', 160, 192],
      ['speech_start', 160, 288],
    ],
  );
  ep.setThresholdBoost(0.3);
  assert.deepEqual(run(ep, rep(0.6, 10), 320), [], 'staying in speech needs only the negative threshold');
  assert.equal(ep.state, 'speech');
  // at exactly the boosted threshold, onset fires
  const ep2 = new Endpointer({ positiveThreshold: 0.5 });
  ep2.setThresholdBoost(0.25);
  assert.equal(ep2.feed(0.75, 32)[0]?.type, 'speech_onset');
});

it('validates its config and inputs with RangeErrors naming the field', () => {
  assert.throws(() => new Endpointer({ positiveThreshold: 1.5 }), /positiveThreshold/);
  assert.throws(() => new Endpointer({ negativeThreshold: 0.6 }), /negativeThreshold/);
  assert.throws(() => new Endpointer({ minSpeechMs: -1 }), /minSpeechMs/);
  assert.throws(() => new Endpointer({ hangoverMs: Number.NaN }), /hangoverMs/);
  const ep = new Endpointer();
  assert.throws(() => ep.setThresholdBoost(-0.1), RangeError);
  assert.throws(() => ep.feed(Number.NaN, 32), /probability/);
  ep.feed(0.1, 64);
  assert.throws(() => ep.feed(0.1, 32), /windowEndMs/);
  ep.reset();
  assert.deepEqual(ep.feed(0.9, 32).map((e) => e.type), ['speech_onset']);
});

it('quietThrough decides the end between windows once the gated-quiet audio covers the hangover', () => {
  const ep = new Endpointer({ hangoverMs: 500 });
  run(ep, [...rep(0.9, 6), ...rep(0.05, 3)]); // speech windows end 32..192; quiet windows end 224..288
  assert.equal(ep.state, 'speech');
  assert.deepEqual(ep.quietThrough(680, 192), [], '680 − 192 = 488 < 500: not yet');
  assert.deepEqual(ep.quietThrough(700, 300), [], 'loud audio after the last analysed window (288): wait for its window');
  assert.deepEqual(ep.quietThrough(700, 192), [{ type: 'speech_end', onsetMs: 0, decidedMs: 700, lastSpeechMs: 192 }]);
  assert.equal(ep.state, 'silence');
  assert.equal(ep.times.endDecidedMs, 700);
  // the windows still in the pipeline arrive later, in order, and change nothing
  assert.deepEqual(run(ep, rep(0.0, 5), 320), []);
  assert.deepEqual(ep.quietThrough(900, 180), [], 'only in speech');
});

it('quietThrough counts the hangover from the last loud frame when it ends inside the last speech window', () => {
  const ep = new Endpointer({ hangoverMs: 500 });
  run(ep, [...rep(0.9, 6), ...rep(0.05, 3)]); // last speech window: [160, 192]
  assert.deepEqual(ep.quietThrough(660, 170), [], '660 − 170 = 490 < 500');
  assert.equal(ep.state, 'speech');
  // counted from the window's end (192) it would take until 692
  assert.deepEqual(ep.quietThrough(680, 170), [{ type: 'speech_end', onsetMs: 0, decidedMs: 680, lastSpeechMs: 170 }]);
  assert.equal(ep.times.lastSpeechMs, 170);
});

it('quietThrough does nothing in onset or silence', () => {
  const ep = new Endpointer({ minSpeechMs: 500 });
  run(ep, [0.9]);
  assert.equal(ep.state, 'onset');
  assert.deepEqual(ep.quietThrough(5000, 0), []);
  assert.equal(ep.state, 'onset');
});
