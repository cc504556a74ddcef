import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { containsKeyword, FRONT_DESK_CORPUS, FRONT_DESK_HINTS, measureAccuracy, wordEdits } from './accuracy.js';
import { pocketSphinxUnavailableReason } from './pocketsphinx-stt.js';
import { normalizeText } from './language-model.js';

const engineMissing = await pocketSphinxUnavailableReason();
const toolsMissing = ['espeak-ng', 'flite', 'sox'].filter((cmd) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
});
const skip = engineMissing ?? (toolsMissing.length > 0 ? `missing ${toolsMissing.join(', ')}` : false);
if (skip) console.log(`skipping the accuracy run: ${skip}`);

test('word edit distance and keyword matching', () => {
  assert.equal(wordEdits([], []), 0);
  assert.equal(wordEdits(['a', 'b', 'c'], ['a', 'b', 'c']), 0);
  assert.equal(wordEdits(['a', 'b', 'c'], ['a', 'x', 'c', 'd']), 2);
  assert.equal(wordEdits(['a', 'b'], []), 2);
  assert.equal(wordEdits([], ['a']), 1);
  assert.ok(containsKeyword('you call me back', 'call me back'));
  assert.ok(!containsKeyword('call me please back', 'call me back'));
  assert.ok(containsKeyword('My number is 5551234', 'five five five one two three four'));
  assert.ok(!containsKeyword('hourly', 'hours'));
});

test('the corpus is covered by the hints and every keyword is in its phrase', () => {
  assert.equal(FRONT_DESK_CORPUS.length, 12);
  for (const u of FRONT_DESK_CORPUS) {
    assert.ok(containsKeyword(u.text, u.keyword), u.text);
    assert.ok(FRONT_DESK_HINTS.phrases.includes(u.text));
    assert.ok(normalizeText(u.text).length > 0);
  }
});

test('synthetic callers (espeak-ng, flite slt and rms) through the adapter: key words understood', { skip }, async () => {
  const t = performance.now();
  const r = await measureAccuracy({
    voices: ['espeak-ng', 'flite-slt', 'flite-rms'],
    concurrency: 2,
    log: (line) => console.log(`${line}`),
  });
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  for (const v of r.perVoice) console.log(`${v.voice}: WER ${pct(v.wer)}, key-word hit rate ${pct(v.keywordHitRate)} (${v.utterances} utterances)`);
  console.log(`all: WER ${pct(r.wer)}, key words ${pct(r.keywordHitRate)}; decoder start ${r.startupMs.toFixed(0)} ms ` +
    `(init ${r.decoderInitMs.toFixed(0)} ms, first start() with model build ${r.firstStartMs.toFixed(0)} ms); ` +
    `final ${r.finalAfterFlushMsP50.toFixed(0)} ms after flush (p50, max ${r.finalAfterFlushMsMax.toFixed(0)}; 2 streams at once); ` +
    `real-time factor ${r.realTimeFactor.toFixed(3)}; RSS ${r.rssMb.toFixed(1)} MB; run ${((performance.now() - t) / 1000).toFixed(1)} s`);

  assert.equal(r.utterances, 36);
  assert.equal(r.results.length, 36);
  assert.ok(r.keywordHitRate >= 0.6, `key-word hit rate ${pct(r.keywordHitRate)} below 60%`);
  for (const v of r.perVoice) assert.ok(v.keywordHitRate >= 0.5, `${v.voice}: key-word hit rate ${pct(v.keywordHitRate)}`);
  assert.ok(r.wer < 0.5, `WER ${pct(r.wer)}`);
  assert.ok(r.partialsBeforeFinalRate >= 0.8, `partials before the final in ${pct(r.partialsBeforeFinalRate)} of long utterances`);
  assert.ok(r.realTimeFactor > 0 && r.realTimeFactor < 1, `real-time factor ${r.realTimeFactor}`);
  assert.ok(r.rssMb > 0);
});
