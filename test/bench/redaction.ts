/**
 * The redaction bench (`npm run bench -- redaction`): `redact` over the spoken-form PII corpus
 * (test/fixtures/pii/utterances.json).
 *   redaction_recall / redaction_precision — scored as agent-core's corpus test scores it: an expected value is
 *     found when a detected span of its type overlaps at least half of it; a detected span is correct when it
 *     finds an expected value that way (all types together);
 *   redaction_utterances_per_s — the whole corpus redacted over and over for about 2 s, on one core.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { redact, scoreUtterance, type CorpusUtterance } from '@callgate/agent-core';
import { repoRoot } from '../sipp/harness/paths.js';

/** expected values found and detected spans that were right, over the corpus */
function score(corpus: readonly CorpusUtterance[]): { expected: number; recalled: number; found: number; correct: number } {
  const s = { expected: 0, recalled: 0, found: 0, correct: 0 };
  for (const u of corpus) {
    const { expected, found } = scoreUtterance(u);
    s.expected += expected.length;
    s.recalled += expected.filter((e) => e.found).length;
    s.found += found.length;
    s.correct += found.filter((f) => f.correct).length;
  }
  return s;
}

export async function runRedactionBench(opts: { durationMs?: number } = {}): Promise<Record<string, number>> {
  const corpus = JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'pii', 'utterances.json'), 'utf8')) as CorpusUtterance[];
  if (corpus.length === 0) throw new Error('redaction bench: the corpus is empty');
  const s = score(corpus);
  const durationMs = opts.durationMs ?? 2000;
  for (const u of corpus) redact(u.text); // warm-up
  let utterances = 0;
  let chars = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (const u of corpus) chars += redact(u.text).text.length;
    utterances += corpus.length;
    elapsed = performance.now() - started;
  }
  const perS = utterances / (elapsed / 1000);
  console.log(
    `redaction: ${corpus.length} utterances, ${s.expected} expected values, ${s.found} spans found; ` +
      `${utterances} utterances (${chars} output chars) redacted in ${(elapsed / 1000).toFixed(2)} s`,
  );
  return {
    redaction_recall: s.expected ? s.recalled / s.expected : NaN,
    redaction_precision: s.found ? s.correct / s.found : NaN,
    redaction_utterances_per_s: perS,
  };
}
