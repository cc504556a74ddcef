import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryPostCallStore } from './memory-store.js';
import { bookingCall } from './test-calls.js';

test('the memory store copies in and out, logs writes, and its before hook can fail an operation', async () => {
  const fail = new Set<string>();
  const store = new MemoryPostCallStore({
    before: (op) => {
      if (fail.has(op)) throw new Error(`${op} refused`);
    },
  });
  const { session, turns } = bookingCall('s1');
  store.put(session, turns);
  const got = await store.getTurns('s1');
  got[0]!.text = 'changed by the caller';
  assert.equal((await store.getTurns('s1'))[0]!.text, turns[0]!.text, 'what a caller got is a copy');
  assert.deepEqual((await store.getTurns('s1')).map((t) => t.seq), [0, 1, 2, 3, 4, 5, 6]);

  await store.updateTurnText('s1', 3, 'redacted');
  assert.equal(store.turns('s1')[3]!.text, 'redacted');
  await assert.rejects(store.updateTurnText('s1', 99, 'x'), /no turn 99 in session s1/);
  await store.setSummary('s1', { text: 'a.', sentences: ['a.'], source: 'extractive' });
  await store.markRetention('s1', { audio: 1, summary: null });
  assert.deepEqual(await store.getPostCall('s1'), {
    summary: { text: 'a.', sentences: ['a.'], source: 'extractive' },
    retention: { audio: 1, summary: null },
  });
  assert.deepEqual(await store.getPostCall('s2'), {});
  await assert.rejects(store.setAnalytics('s2', {} as never), /no session s2/);
  assert.equal(await store.getSession('s2'), undefined);

  fail.add('setSummary');
  await assert.rejects(store.setSummary('s1', { text: 'b.', sentences: ['b.'], source: 'extractive' }), /setSummary refused/);
  assert.equal(store.postCall('s1').summary?.text, 'a.');
  assert.deepEqual(store.writes, [
    { op: 'updateTurnText', sessionId: 's1', seq: 3 },
    { op: 'setSummary', sessionId: 's1' },
    { op: 'markRetention', sessionId: 's1' },
  ]);
  assert.equal(store.writeCount('setSummary', 's1'), 1);
  assert.throws(() => store.put({ ...session, sessionId: 's3' }, turns), /turn 0 belongs to s1, not s3/);
});
