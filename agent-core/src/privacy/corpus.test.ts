/**
 * The corpus test: every utterance in test/fixtures/pii/utterances.json is redacted and scored per type.
 * An expected value counts as found when a detected span of its type overlaps at least half of it; a detected
 * span is correct when it finds an expected value that way. Prints the recall/precision table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { redact } from './redact.js';
import { PII_TYPES, type PiiType } from './types.js';
import { expectedRanges, scoreUtterance, type CorpusUtterance } from './corpus-score.js';

// compiled to agent-core/dist/src/privacy/: four levels up is the repository root
const corpus = JSON.parse(readFileSync(new URL('../../../../test/fixtures/pii/utterances.json', import.meta.url), 'utf8')) as CorpusUtterance[];

test('the corpus is well formed: 80+ utterances, 25+ without PII, every type in it', () => {
  assert.ok(corpus.length >= 80);
  assert.ok(corpus.filter((u) => u.pii.length === 0).length >= 25);
  for (const t of PII_TYPES) assert.ok(corpus.some((u) => u.pii.some((p) => p.type === t)), t);
  for (const u of corpus) expectedRanges(u);
});

test('corpus recall and precision per type', () => {
  const stats = new Map<PiiType | 'ALL', { expected: number; recalled: number; found: number; correct: number }>();
  const row = (k: PiiType | 'ALL') => stats.get(k) ?? stats.set(k, { expected: 0, recalled: 0, found: 0, correct: 0 }).get(k)!;
  const misses: string[] = [];
  for (const u of corpus) {
    const { expected, found } = scoreUtterance(u);
    for (const e of expected) {
      const ok = e.found;
      for (const r of [row(e.type), row('ALL')]) {
        r.expected++;
        if (ok) r.recalled++;
      }
      if (!ok) misses.push(`missed ${e.type} ${JSON.stringify(u.text.slice(e.start, e.end))} in ${JSON.stringify(u.text)}`);
    }
    for (const f of found) {
      const ok = f.correct;
      for (const r of [row(f.type), row('ALL')]) {
        r.found++;
        if (ok) r.correct++;
      }
      if (!ok) misses.push(`extra ${f.type} ${JSON.stringify(u.text.slice(f.start, f.end))} in ${JSON.stringify(u.text)}`);
    }
  }
  const pct = (a: number, b: number): string => (b === 0 ? '   -  ' : (a / b).toFixed(3).padStart(6));
  const lines = ['type            expected  found  recall  precision'];
  for (const k of [...PII_TYPES, 'ALL'] as const) {
    const r = row(k);
    lines.push(`${k.padEnd(15)} ${String(r.expected).padStart(8)} ${String(r.found).padStart(6)}  ${pct(r.recalled, r.expected)}  ${pct(r.correct, r.found)}`);
  }
  console.log(`\nPII corpus (${corpus.length} utterances)\n${lines.join('\n')}${misses.length ? `\n${misses.join('\n')}` : ''}\n`);
  const all = row('ALL');
  assert.ok(all.recalled / all.expected >= 0.95, 'overall recall >= 0.95');
  assert.ok(all.correct / all.found >= 0.9, 'overall precision >= 0.9');
  assert.equal(row('CARD_NUMBER').recalled, row('CARD_NUMBER').expected, 'card recall = 1');
  assert.equal(row('SSN').recalled, row('SSN').expected, 'SSN recall = 1');
});

test('no redacted utterance keeps a run of 4+ digits of an expected value', () => {
  for (const u of corpus) {
    const outputs = [redact(u.text).text, redact(u.text, { mode: 'hmac', hmacKey: 'corpus' }).text.replace(/\[[A-Z_]+:[0-9a-f]{8}\]/g, '')];
    for (const p of u.pii) {
      for (const run of p.value.match(/\d{4,}/g) ?? []) {
        for (const out of outputs) assert.ok(!out.includes(run), `${JSON.stringify(run)} survives in ${JSON.stringify(out)}`);
      }
    }
  }
});
