/** Turn-taking on synthetic audio: speech and silence patterns as 20 ms μ-law/A-law frames. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import alawmulaw from 'alawmulaw';
import { toneUlaw } from '../harness/tone.js';
import { isVoiced, payloadDbfs } from './audio.js';
import { ReplyDetector } from './turn-detector.js';

const SILENCE = Buffer.alloc(160, 0xff);
/** a 20 ms frame of a 300 Hz tone at `amplitude` of full scale */
function tone(amplitude = 0.3): Buffer {
  return toneUlaw(0.02, 300, amplitude);
}

/** "S" = a voiced frame, "." = silence, "n" = quiet noise (−60 dBFS); one char per 20 ms from `t0` */
function feed(d: ReplyDetector, pattern: string, t0 = 0): number {
  let t = t0;
  for (const c of pattern) {
    const frame = c === 'S' ? tone() : c === 'n' ? tone(0.001) : SILENCE;
    d.push(isVoiced(frame), t);
    t += 20;
  }
  return t;
}

const rep = (c: string, ms: number): string => c.repeat(ms / 20);

describe('caller: voiced/quiet frames', () => {
  it('tells speech from silence and line noise (PCMU)', () => {
    assert.equal(isVoiced(tone()), true);
    assert.equal(isVoiced(SILENCE), false);
    assert.equal(isVoiced(Buffer.alloc(160, 0x7f)), false);
    assert.equal(isVoiced(tone(0.001)), false, `noise at ${payloadDbfs(tone(0.001)).toFixed(1)} dBFS`);
  });
  it('decodes PCMA frames for the same decision', () => {
    const pcm = new Int16Array(160).map((_, i) => Math.round(9000 * Math.sin((2 * Math.PI * 300 * i) / 8000)));
    assert.equal(isVoiced(alawmulaw.alaw.encode(pcm), 'PCMA'), true);
    assert.equal(isVoiced(Buffer.alloc(160, 0xd5), 'PCMA'), false);
  });
});

describe('caller: the agent has answered and gone quiet', () => {
  it('waits for speech, then for 900 ms of quiet after it', () => {
    const d = new ReplyDetector(0);
    let t = feed(d, rep('.', 600));
    assert.equal(d.state, 'waiting');
    t = feed(d, rep('S', 1500), t);
    assert.equal(d.state, 'speaking');
    assert.equal(d.onsetAt, 600);
    t = feed(d, rep('.', 860), t);
    assert.equal(d.state, 'speaking', 'not yet 900 ms of quiet');
    feed(d, rep('.', 100), t);
    assert.equal(d.state, 'done');
    assert.equal(d.lastVoicedAt, 600 + 1500 - 20);
    assert.ok(d.finishedAt! - d.lastVoicedAt! >= 900);
  });

  it('pauses between sentences shorter than the quiet time do not end the turn', () => {
    const d = new ReplyDetector(0);
    feed(d, rep('S', 800) + rep('.', 700) + rep('S', 800) + rep('.', 400));
    assert.equal(d.state, 'speaking');
    assert.equal(d.voicedMs, 1600);
  });

  it('a click is not an answer; the onset is where real speech starts', () => {
    const d = new ReplyDetector(0);
    feed(d, '..S' + rep('.', 1200) + rep('S', 400) + rep('.', 1000));
    assert.equal(d.onsetAt, 40 + 20 + 1200);
    assert.equal(d.state, 'done');
  });

  it('line noise alone never counts as speech', () => {
    const d = new ReplyDetector(0);
    const t = feed(d, rep('n', 5000));
    assert.equal(d.check(t), 'waiting');
  });

  it('ignores frames that arrived before the caller stopped talking', () => {
    const d = new ReplyDetector(1000);
    feed(d, rep('S', 1000), 0);
    assert.equal(d.state, 'waiting');
    feed(d, rep('S', 200), 1500);
    assert.equal(d.onsetAt, 1500);
  });

  it('a stream that stops altogether still ends the turn (timer check)', () => {
    const d = new ReplyDetector(0);
    const t = feed(d, rep('S', 500));
    assert.equal(d.check(t + 500), 'speaking');
    assert.equal(d.check(t + 900), 'done');
    assert.equal(d.check(t + 100_000), 'done', 'stays done');
  });

  it('honours custom quiet and minimum speech', () => {
    const d = new ReplyDetector(0, { quietMs: 300, minSpeechMs: 200 });
    feed(d, rep('S', 160) + rep('.', 400));
    assert.equal(d.state, 'waiting', '160 ms is below the minimum');
    feed(d, rep('S', 200) + rep('.', 320), 560);
    assert.equal(d.state, 'done');
  });
});
