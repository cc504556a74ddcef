import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DAY_MS, DEFAULT_RETENTION, days, emptyPurgeCounts, resolveRetention, startPurgeJob } from './retention.js';
import type { ConversationStore, PurgeCounts } from './port.js';

test('defaults: short for fragments, tokens, audio and raw text; long for audit', () => {
  assert.equal(DEFAULT_RETENTION.transcript_fragments, DAY_MS);
  assert.equal(DEFAULT_RETENTION.audio_chunks, days(1));
  assert.equal(DEFAULT_RETENTION.turn_raw_text, days(1));
  assert.equal(DEFAULT_RETENTION.sessions, days(90));
  assert.equal(DEFAULT_RETENTION.audit, days(365));
  assert.ok(Object.isFrozen(DEFAULT_RETENTION));
});

test('overrides merge with the defaults; bad values and unknown names are refused', () => {
  assert.equal(resolveRetention({ llm_tokens: 5000 }).llm_tokens, 5000);
  assert.equal(resolveRetention({ llm_tokens: 5000 }).turns, DEFAULT_RETENTION.turns);
  assert.throws(() => resolveRetention({ turns: 0 }), /turns must be a positive number/);
  assert.throws(() => resolveRetention({ outbox: Number.POSITIVE_INFINITY }), /outbox must be a positive/);
  assert.throws(() => resolveRetention({ transcripts: 5 } as never), /unknown collection "transcripts"/);
  assert.throws(() => resolveRetention({ sessions: days(10) }), /turns .* must not outlast sessions/);
  assert.equal(resolveRetention({ sessions: days(400), turns: days(400) }).turns, days(400));
});

test('the purge job runs the store purge with its clock, reports counts, and stops', async () => {
  const calls: number[] = [];
  let fail = false;
  const store = {
    async purgeExpired(now: number): Promise<PurgeCounts> {
      calls.push(now);
      if (fail) throw new Error('db down');
      return { ...emptyPurgeCounts(), audio_chunks: 3 };
    },
  } as unknown as ConversationStore;
  const purged: PurgeCounts[] = [];
  const errors: unknown[] = [];
  const job = startPurgeJob(store, { intervalMs: 5, now: () => 1234, onPurged: (c) => purged.push(c), onError: (e) => errors.push(e) });
  assert.equal((await job.runOnce()).audio_chunks, 3);
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (purged.length >= 1) {
        clearInterval(check);
        resolve();
      }
    }, 2);
  });
  fail = true;
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (errors.length >= 1) {
        clearInterval(check);
        resolve();
      }
    }, 2);
  });
  await job.stop();
  const n = calls.length;
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(calls.length, n, 'no purge after stop');
  assert.ok(calls.every((t) => t === 1234));
  assert.equal(purged[0]?.audio_chunks, 3);
  assert.match(String(errors[0]), /db down/);
});
