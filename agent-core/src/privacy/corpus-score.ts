/**
 * How a PII corpus is scored (the corpus test and `npm run bench -- redaction` share it): an expected value is
 * found when a detected span of its type overlaps at least half of it; a detected span is correct when it finds
 * an expected value that way.
 */
import { redact } from './redact.js';
import type { PiiType } from './types.js';

/** one utterance of test/fixtures/pii/utterances.json */
export interface CorpusUtterance {
  text: string;
  pii: Array<{ type: PiiType; value: string }>;
}

export interface CorpusRange {
  type: PiiType;
  start: number;
  end: number;
}

const covers = (found: CorpusRange, expected: CorpusRange): boolean =>
  found.type === expected.type &&
  Math.min(found.end, expected.end) - Math.max(found.start, expected.start) >= (expected.end - expected.start) / 2;

/** where each expected value sits in the utterance; throws when one is not in its text (a broken corpus) */
export function expectedRanges(u: CorpusUtterance): CorpusRange[] {
  return u.pii.map((p) => {
    const start = u.text.indexOf(p.value);
    if (start < 0) throw new Error(`${JSON.stringify(p.value)} is not in ${JSON.stringify(u.text)}`);
    return { type: p.type, start, end: start + p.value.length };
  });
}

/** one utterance redacted and matched: which expected values were found, which detections were right */
export function scoreUtterance(u: CorpusUtterance): { expected: Array<CorpusRange & { found: boolean }>; found: Array<CorpusRange & { correct: boolean }> } {
  const expected = expectedRanges(u);
  const { found } = redact(u.text);
  return {
    expected: expected.map((e) => ({ ...e, found: found.some((f) => covers(f, e)) })),
    found: found.map((f) => ({ type: f.type, start: f.start, end: f.end, correct: expected.some((e) => covers(f, e)) })),
  };
}
