/**
 * The contract every ConversationStore adapter passes. `registerContractSuite` registers the tests (node:test)
 * for one adapter, given a harness that opens stores over fresh databases; `sqlite.test.ts` and `mongo.test.ts`
 * call it. When the adapter cannot run here (no MongoDB), pass `skip` with the reason: the suite is then
 * reported as skipped, never as passed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StoreError } from './errors.js';
import { IdempotentConsumer } from './idempotent-consumer.js';
import type { StoreOptions } from './options.js';
import { OutboxRelay, type OutboxStore } from './outbox-relay.js';
import type { CollectionName, ConversationStore, OutboxEntry, TurnInput } from './port.js';
import { COLLECTIONS } from './port.js';
import { DAY_MS, DEFAULT_RETENTION } from './retention.js';

export interface IndexInfo {
  collection: string;
  /** field names as the port spells them (sessionId, seq …), in index order */
  keys: string[];
  unique: boolean;
}

export interface HarnessInstance {
  store: ConversationStore;
  /** another store over the same database, as after a restart (the first one may be closed or not) */
  reopen(options?: StoreOptions): Promise<ConversationStore>;
  /** the indexes of every collection, normalised */
  indexes(): Promise<IndexInfo[]>;
  /** closes every store it opened and removes the database */
  dispose(): Promise<void>;
}

export interface StoreHarness {
  create(options?: StoreOptions): Promise<HarnessInstance>;
}

export interface ContractSuiteOptions {
  /** reason the suite cannot run here; it is then registered as skipped with this reason */
  skip?: string;
}

export const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);
const MIN = 60_000;
export const RAW_KEY = Buffer.alloc(32, 7);
/** the largest time a JS Date holds (a valid BSON date): what the post-call flow writes for "never expires" */
const NEVER = 8_640_000_000_000_000;

export function turn(sessionId: string, seq: number, extra: Partial<TurnInput> = {}): TurnInput {
  return { sessionId, seq, turnId: `t${seq}`, at: T0 + seq * MIN, callerText: `caller ${seq}`, agentText: `agent ${seq}`, ...extra };
}

async function rejectsWith(p: Promise<unknown>, code: StoreError['code'], pattern?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof StoreError, `expected a StoreError, got ${String(err)}`);
    assert.equal(err.code, code, `expected code ${code}, got ${err.code}: ${err.message}`);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

export function registerContractSuite(name: string, harness: StoreHarness, options: ContractSuiteOptions = {}): void {
  const withStore = async (opts: StoreOptions, fn: (h: HarnessInstance) => Promise<void>): Promise<void> => {
    const h = await harness.create(opts);
    try {
      await fn(h);
    } finally {
      await h.dispose();
    }
  };
  // each test carries the skip (not just the suite), so the runner counts every one of them as skipped
  const test = (title: string, fn: () => Promise<void>): void => {
    it(title, options.skip ? { skip: options.skip } : {}, fn);
  };
  const clock = (start = T0) => {
    const c = { t: start, now: () => c.t };
    return c;
  };

  describe(`ConversationStore contract: ${name}`, () => {
    describe('sessions', () => {
      test('creates a session once: a retried create keeps the first write; expiresAt from startedAt', async () => {
        await withStore({}, async ({ store }) => {
          assert.deepEqual(await store.createSession({ id: 's1', callId: 'c1', callerKey: 'ck', dialed: '1000', agent: 'clinic', startedAt: T0 }), { inserted: true });
          assert.deepEqual(await store.createSession({ id: 's1', callId: 'other', startedAt: T0 + 5 }), { inserted: false });
          assert.deepEqual(await store.getSession('s1'), {
            id: 's1',
            callId: 'c1',
            callerKey: 'ck',
            dialed: '1000',
            agent: 'clinic',
            startedAt: T0,
            expiresAt: T0 + DEFAULT_RETENTION.sessions,
          });
          assert.equal(await store.getSession('nope'), null);
        });
      });

      test('finds the newest session of a call id', async () => {
        await withStore({}, async ({ store }) => {
          await store.createSession({ id: 'a', callId: 'call-1', startedAt: T0 });
          await store.createSession({ id: 'b', callId: 'call-1', startedAt: T0 + MIN });
          await store.createSession({ id: 'c', callId: 'call-2', startedAt: T0 + 2 * MIN });
          assert.equal((await store.findSessionByCallId('call-1'))?.id, 'b');
          assert.equal(await store.findSessionByCallId('call-9'), null);
        });
      });

      test('lists newest first, pages with a cursor without skipping or repeating ties, and filters', async () => {
        await withStore({}, async ({ store }) => {
          // 7 sessions, three of them at the same instant
          const starts = [T0, T0 + MIN, T0 + MIN, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN, T0 + 4 * MIN];
          for (const [i, at] of starts.entries()) {
            await store.createSession({ id: `s${i}`, callId: `c${i}`, dialed: i % 2 ? '1000' : '2000', startedAt: at });
          }
          await store.endSession('s5', { endedAt: T0 + 10 * MIN, outcome: 'transferred' });
          await store.endSession('s1', { endedAt: T0 + 10 * MIN, outcome: 'transferred' });
          const seen: string[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const page = await store.listSessions({ limit: 2, ...(cursor ? { cursor } : {}) });
            seen.push(...page.sessions.map((s) => s.id));
            cursor = page.nextCursor;
            pages++;
          } while (cursor && pages < 10);
          assert.deepEqual(seen, ['s6', 's5', 's4', 's3', 's2', 's1', 's0']);
          assert.equal(pages, 4);
          const dialed = await store.listSessions({ limit: 10, dialed: '1000' });
          assert.deepEqual(dialed.sessions.map((s) => s.id), ['s5', 's3', 's1']);
          assert.equal(dialed.nextCursor, undefined);
          assert.deepEqual((await store.listSessions({ limit: 10, outcome: 'transferred' })).sessions.map((s) => s.id), ['s5', 's1']);
          assert.deepEqual((await store.listSessions({ limit: 10, fromTime: T0 + MIN, toTime: T0 + 3 * MIN })).sessions.map((s) => s.id), ['s4', 's3', 's2', 's1']);
          await rejectsWith(store.listSessions({ limit: 10, cursor: 'not-a-cursor' }), 'invalid', /cursor/);
          await rejectsWith(store.listSessions({ limit: 0 }), 'invalid', /limit/);
        });
      });

      test('ends a session (outcome, later expiry), stores summary and analytics; unknown ids reject', async () => {
        await withStore({}, async ({ store }) => {
          await store.createSession({ id: 's1', callId: 'c1', startedAt: T0 });
          await store.endSession('s1', { endedAt: T0 + 5 * MIN, outcome: 'completed' });
          await store.setSessionSummary('s1', { text: 'Booked a [DATE] appointment.', model: 'flow', at: T0 + 6 * MIN });
          await store.setSessionAnalytics('s1', { turns: 4, sentiment: 'neutral', resolved: true, tags: ['booking'] });
          const s = await store.getSession('s1');
          assert.equal(s?.endedAt, T0 + 5 * MIN);
          assert.equal(s?.outcome, 'completed');
          assert.equal(s?.expiresAt, T0 + 5 * MIN + DEFAULT_RETENTION.sessions);
          assert.deepEqual(s?.summary, { text: 'Booked a [DATE] appointment.', model: 'flow', at: T0 + 6 * MIN });
          assert.deepEqual(s?.analytics, { turns: 4, sentiment: 'neutral', resolved: true, tags: ['booking'] });
          await rejectsWith(store.endSession('nope', { endedAt: T0, outcome: 'completed' }), 'not_found', /nope/);
          await rejectsWith(store.setSessionSummary('nope', { text: 'x', at: T0 }), 'not_found');
          await rejectsWith(store.setSessionAnalytics('nope', {}), 'not_found');
        });
      });

      test('a summary keeps its sentences and source', async () => {
        await withStore({}, async ({ store }) => {
          await store.createSession({ id: 's1', callId: 'c1', startedAt: T0 });
          const summary = { text: 'Caller: Book it. Outcome: booked.', at: T0 + MIN, sentences: ['Caller: Book it.', 'Outcome: booked.'], source: 'extractive' as const };
          await store.setSessionSummary('s1', summary);
          assert.deepEqual((await store.getSession('s1'))?.summary, summary);
          const model = { text: 'The caller booked a cleaning.', model: 'small-llm', at: T0 + 2 * MIN, sentences: ['The caller booked a cleaning.'], source: 'model' as const };
          await store.setSessionSummary('s1', model);
          assert.deepEqual((await store.getSession('s1'))?.summary, model);
        });
      });
    });

    describe('turns and the outbox', () => {
      test('writes a turn with its events; turns come back by seq with every field', async () => {
        await withStore({}, async ({ store }) => {
          await store.createSession({ id: 's1', callId: 'c1', startedAt: T0 });
          for (const seq of [2, 1, 3]) {
            const r = await store.appendTurn(turn('s1', seq, seq === 2 ? { interrupted: false, timings: { sttFinalMs: 180, firstAudioMs: 640 }, meta: { intent: 'book' } } : {}), [
              { topic: 'turn.completed', payload: { seq } },
            ]);
            assert.deepEqual(r, { inserted: true, outboxIds: [`s1/${seq}/0`] });
          }
          const turns = await store.getTurns('s1');
          assert.deepEqual(turns.map((t) => t.seq), [1, 2, 3]);
          assert.deepEqual(turns[1], {
            sessionId: 's1',
            seq: 2,
            turnId: 't2',
            at: T0 + 2 * MIN,
            callerText: 'caller 2',
            agentText: 'agent 2',
            interrupted: false,
            timings: { sttFinalMs: 180, firstAudioMs: 640 },
            meta: { intent: 'book' },
            expiresAt: T0 + 2 * MIN + DEFAULT_RETENTION.turns,
          });
          assert.equal((await store.getTurn('s1', 't3'))?.seq, 3);
          assert.equal(await store.getTurn('s1', 't9'), null);
          assert.deepEqual(await store.getTurns('other'), []);
        });
      });

      test('a retried appendTurn writes nothing twice; the same seq with another turnId is a conflict and writes nothing', async () => {
        await withStore({}, async ({ store }) => {
          const events = [
            { topic: 'turn.completed', payload: { n: 1 } },
            { topic: 'analytics', payload: { n: 2 } },
          ];
          assert.equal((await store.appendTurn(turn('s1', 1), events)).inserted, true);
          assert.deepEqual(await store.appendTurn(turn('s1', 1), events), { inserted: false, outboxIds: ['s1/1/0', 's1/1/1'] });
          await rejectsWith(store.appendTurn(turn('s1', 1, { turnId: 'other' }), [{ topic: 'x', payload: null, id: 'conflicting-event' }]), 'conflict', /seq 1/);
          assert.equal((await store.getTurns('s1')).length, 1);
          assert.deepEqual((await store.listPendingOutbox(100)).map((e) => e.id), ['s1/1/0', 's1/1/1']);
          assert.equal(await store.getOutboxEntry('conflicting-event'), null);
        });
      });

      test('turn and events are atomic: an event id that already exists rejects the whole turn', async () => {
        await withStore({}, async ({ store }) => {
          await store.appendTurn(turn('s1', 1), [{ topic: 'a', payload: 1, id: 'evt-1' }]);
          await rejectsWith(store.appendTurn(turn('s1', 2), [{ topic: 'b', payload: 2, id: 'evt-2' }, { topic: 'c', payload: 3, id: 'evt-1' }]), 'conflict');
          assert.deepEqual((await store.getTurns('s1')).map((t) => t.seq), [1]);
          assert.equal(await store.getOutboxEntry('evt-2'), null);
          assert.equal((await store.getOutboxEntry('evt-1'))?.topic, 'a');
          await rejectsWith(store.appendTurn(turn('s1', 3), [{ topic: 'b', payload: 2, id: 'x' }, { topic: 'c', payload: 3, id: 'x' }]), 'invalid', /same id/);
        });
      });

      test('updateTurnText rewrites one text field of a stored turn and nothing else; a repeat changes nothing', async () => {
        const now = () => T0 + 5 * MIN;
        await withStore({ rawTextKey: RAW_KEY, now }, async ({ store }) => {
          await store.createSession({ id: 's1', callId: 'c1', startedAt: T0 });
          const raw = 'my card is 4111 1111 1111 1111';
          await store.appendTurn(
            turn('s1', 1, { callerText: 'my card is four one one one', rawText: raw, interrupted: true, timings: { sttFinalMs: 180 }, meta: { intent: 'pay' } }),
            [{ topic: 'turn.completed', payload: { seq: 1 } }],
          );
          await store.appendTurn(turn('s1', 2));
          await store.appendTurn(turn('s1', 3, { agentText: undefined }));
          await store.appendTurn(turn('s2', 1));
          const before = await store.getTurns('s1');
          const session = await store.getSession('s1');
          const outbox = await store.getOutboxEntry('s1/1/0');
          const other = await store.getTurns('s2');

          await store.updateTurnText('s1', 1, 'callerText', 'my card is [CARD_NUMBER]');
          await store.updateTurnText('s1', 2, 'agentText', 'Booked, reference [REF].');
          await store.updateTurnText('s1', 3, 'agentText', 'Goodbye.');
          const after = await store.getTurns('s1');
          assert.deepEqual(after, [
            { ...before[0]!, callerText: 'my card is [CARD_NUMBER]' },
            { ...before[1]!, agentText: 'Booked, reference [REF].' },
            { ...before[2]!, agentText: 'Goodbye.' },
          ]);
          assert.equal(before[2]?.agentText, undefined);
          assert.equal(after[0]?.rawText, raw, 'the encrypted raw text is untouched (it has its own retention)');
          assert.equal(after[0]?.expiresAt, T0 + MIN + DEFAULT_RETENTION.turns);
          assert.deepEqual(await store.getOutboxEntry('s1/1/0'), outbox, 'the outbox entry is untouched');
          assert.deepEqual(await store.getSession('s1'), session);
          assert.deepEqual(await store.getTurns('s2'), other, 'the other session is untouched');

          await store.updateTurnText('s1', 1, 'callerText', 'my card is [CARD_NUMBER]');
          assert.deepEqual(await store.getTurns('s1'), after, 'writing the same text again changes nothing');
        });
      });

      test('updateTurnText rejects an unknown turn and bad input, writing nothing', async () => {
        await withStore({}, async ({ store }) => {
          await store.appendTurn(turn('s1', 1));
          const before = await store.getTurns('s1');
          await rejectsWith(store.updateTurnText('s1', 2, 'callerText', 'x'), 'not_found', /2/);
          await rejectsWith(store.updateTurnText('nope', 1, 'agentText', 'x'), 'not_found', /nope/);
          await rejectsWith(store.updateTurnText('s1', 1, 'rawText' as 'callerText', 'x'), 'invalid', /field/);
          await rejectsWith(store.updateTurnText('s1', 1, 'turnId' as 'agentText', 'x'), 'invalid', /field/);
          await rejectsWith(store.updateTurnText('s1', -1, 'callerText', 'x'), 'invalid', /seq/);
          await rejectsWith(store.updateTurnText('s1', 1.5, 'callerText', 'x'), 'invalid', /seq/);
          await rejectsWith(store.updateTurnText('', 1, 'callerText', 'x'), 'invalid', /sessionId/);
          await rejectsWith(store.updateTurnText('s1', 1, 'callerText', 42 as unknown as string), 'invalid', /text/);
          assert.deepEqual(await store.getTurns('s1'), before);
        });
      });

      test('lists pending entries in turn and event order; marks published once; counts failures', async () => {
        const c = clock(T0 + 10 * MIN);
        await withStore({ now: c.now }, async ({ store }) => {
          await store.appendTurn(turn('s1', 1), [{ topic: 'a', payload: { k: 'v' } }, { topic: 'b', payload: [1, 'two', null] }]);
          c.t += 1;
          await store.appendTurn(turn('s2', 1), [{ topic: 'c', payload: 'x' }]);
          c.t += 1;
          await store.appendTurn(turn('s1', 2), [{ topic: 'd', payload: true }]);
          const pending = await store.listPendingOutbox(10);
          assert.deepEqual(pending.map((e) => e.id), ['s1/1/0', 's1/1/1', 's2/1/0', 's1/2/0']);
          assert.deepEqual(pending[0], {
            id: 's1/1/0',
            sessionId: 's1',
            turnSeq: 1,
            index: 0,
            topic: 'a',
            payload: { k: 'v' },
            createdAt: T0 + 10 * MIN,
            attempts: 0,
            expiresAt: T0 + 10 * MIN + DEFAULT_RETENTION.outbox,
          });
          assert.deepEqual(pending[1]?.payload, [1, 'two', null]);
          assert.deepEqual((await store.listPendingOutbox(2)).map((e) => e.id), ['s1/1/0', 's1/1/1']);
          await store.recordOutboxFailure('s1/1/0', 'broker down\n  at somewhere', T0 + 11 * MIN);
          await store.recordOutboxFailure('s1/1/0', 'broker down again', T0 + 12 * MIN);
          await store.markOutboxPublished('s1/1/0', T0 + 13 * MIN);
          await store.markOutboxPublished('s1/1/0', T0 + 14 * MIN);
          const e = await store.getOutboxEntry('s1/1/0');
          assert.equal(e?.publishedAt, T0 + 13 * MIN);
          assert.equal(e?.expiresAt, T0 + 13 * MIN + DEFAULT_RETENTION.outbox);
          assert.equal(e?.attempts, 2);
          assert.equal(e?.lastError, 'broker down again');
          assert.deepEqual((await store.listPendingOutbox(10)).map((x) => x.id), ['s1/1/1', 's2/1/0', 's1/2/0']);
        });
      });

      test('relay: publishes in order and marks each entry published', async () => {
        await withStore({}, async ({ store }) => {
          await store.appendTurn(turn('s1', 1), [{ topic: 'a', payload: 1 }, { topic: 'b', payload: 2 }]);
          await store.appendTurn(turn('s1', 2), [{ topic: 'c', payload: 3 }]);
          const got: string[] = [];
          const relay = new OutboxRelay(store, { publish: async (e) => void got.push(e.id) });
          assert.deepEqual(await relay.drain(), { published: 3, failed: 0, deferred: 0 });
          assert.deepEqual(got, ['s1/1/0', 's1/1/1', 's1/2/0']);
          assert.deepEqual(await store.listPendingOutbox(10), []);
          assert.deepEqual(await relay.runOnce(), { published: 0, failed: 0, deferred: 0 });
        });
      });

      test('relay: a publish that throws is never marked; its session waits, others go on; a new relay over the same database finishes', async () => {
        await withStore({}, async (h) => {
          await h.store.appendTurn(turn('s1', 1), [{ topic: 'a', payload: 1 }, { topic: 'b', payload: 2 }]);
          await h.store.appendTurn(turn('s2', 1), [{ topic: 'c', payload: 3 }]);
          await h.store.appendTurn(turn('s1', 2), [{ topic: 'd', payload: 4 }]);
          const delivered: string[] = [];
          const errors: string[] = [];
          const failing = new OutboxRelay(h.store, {
            publish: async (e) => {
              if (e.id === 's1/1/1') throw new Error('broker refused');
              delivered.push(e.id);
            },
            onError: (err, e) => void errors.push(`${e?.id}: ${(err as Error).message}`),
          });
          assert.deepEqual(await failing.runOnce(), { published: 2, failed: 1, deferred: 1 });
          assert.deepEqual(delivered, ['s1/1/0', 's2/1/0']);
          assert.deepEqual(errors, ['s1/1/1: broker refused']);
          assert.equal((await h.store.getOutboxEntry('s1/1/1'))?.publishedAt, undefined);
          assert.equal((await h.store.getOutboxEntry('s1/1/1'))?.attempts, 1);
          await h.store.close(); // the process dies here
          const restarted = await h.reopen();
          const after = new OutboxRelay(restarted, { publish: async (e) => void delivered.push(e.id) });
          await after.drain();
          assert.deepEqual(delivered, ['s1/1/0', 's2/1/0', 's1/1/1', 's1/2/0']);
          assert.deepEqual(await restarted.listPendingOutbox(10), []);
        });
      });

      test('crash between write and publish loses nothing; crash between publish and mark redelivers what the consumer dedupes', async () => {
        await withStore({}, async (h) => {
          await h.store.appendTurn(turn('s1', 1), [{ topic: 'a', payload: 1 }, { topic: 'b', payload: 2 }]);
          await h.store.close(); // crash before any publish
          const second = await h.reopen();
          const handled: string[] = [];
          const consumer = new IdempotentConsumer<OutboxEntry>((e) => void handled.push(e.id));
          const outcomes: string[] = [];
          // the mark of the first entry "crashes": publish resolved, the mark never lands
          const crashingMark: OutboxStore = {
            listPendingOutbox: (n) => second.listPendingOutbox(n),
            recordOutboxFailure: (id, err, at) => second.recordOutboxFailure(id, err, at),
            markOutboxPublished: async () => {
              throw new Error('process killed before the mark');
            },
          };
          const dying = new OutboxRelay(crashingMark, { publish: async (e) => void outcomes.push(await consumer.handle(e)) });
          await assert.rejects(dying.runOnce(), /killed/);
          await second.close();
          const third = await h.reopen();
          const relay = new OutboxRelay(third, { publish: async (e) => void outcomes.push(await consumer.handle(e)) });
          await relay.drain();
          assert.deepEqual(outcomes, ['handled', 'duplicate', 'handled']);
          assert.deepEqual(handled, ['s1/1/0', 's1/1/1']);
          assert.deepEqual(await third.listPendingOutbox(10), []);
        });
      });

      test('relay loop: started, poked after a write, stopped', async () => {
        await withStore({}, async ({ store }) => {
          const got: string[] = [];
          let notify: () => void = () => undefined;
          const allThree = new Promise<void>((resolve) => (notify = resolve));
          const relay = new OutboxRelay(store, {
            pollIntervalMs: 20,
            publish: async (e) => {
              got.push(e.id);
              if (got.length === 3) notify();
            },
          });
          relay.start();
          await store.appendTurn(turn('s1', 1), [{ topic: 'a', payload: 1 }]);
          relay.poke();
          await store.appendTurn(turn('s1', 2), [{ topic: 'b', payload: 2 }, { topic: 'c', payload: 3 }]);
          relay.poke();
          await allThree;
          await relay.stop();
          assert.deepEqual(got, ['s1/1/0', 's1/2/0', 's1/2/1']);
          assert.deepEqual(await store.listPendingOutbox(10), []);
        });
      });
    });

    describe('raw text (encrypted, opt-in, short-lived)', () => {
      test('with a key: stored encrypted and read back; without the key or with another key it is absent', async () => {
        const now = () => T0 + 5 * MIN;
        await withStore({ rawTextKey: RAW_KEY, now }, async (h) => {
          await h.store.appendTurn(turn('s1', 1, { callerText: 'my card is [CARD_NUMBER]', rawText: 'my card is 4111 1111 1111 1111' }));
          await h.store.appendTurn(turn('s1', 2));
          const turns = await h.store.getTurns('s1');
          assert.equal(turns[0]?.rawText, 'my card is 4111 1111 1111 1111');
          assert.equal(turns[1]?.rawText, undefined);
          assert.equal((await h.store.getTurn('s1', 't1'))?.rawText, 'my card is 4111 1111 1111 1111');
          const keyless = await h.reopen({ now });
          assert.equal((await keyless.getTurns('s1'))[0]?.rawText, undefined);
          assert.equal((await keyless.getTurns('s1'))[0]?.callerText, 'my card is [CARD_NUMBER]');
          const otherKey = await h.reopen({ rawTextKey: Buffer.alloc(32, 9), now });
          assert.equal((await otherKey.getTurns('s1'))[0]?.rawText, undefined);
        });
      });

      test('without a key the raw text is never written', async () => {
        const now = () => T0 + 5 * MIN;
        await withStore({ now }, async (h) => {
          await h.store.appendTurn(turn('s1', 1, { rawText: 'call me on 555 0100' }));
          assert.equal((await h.store.getTurns('s1'))[0]?.rawText, undefined);
          const keyed = await h.reopen({ rawTextKey: RAW_KEY, now });
          assert.equal((await keyed.getTurns('s1'))[0]?.rawText, undefined);
        });
      });

      test('expires on its own retention: hidden once past it, removed by the purge while the turn stays', async () => {
        const c = clock(T0);
        await withStore({ rawTextKey: RAW_KEY, now: c.now, retention: { turn_raw_text: 60 * MIN } }, async ({ store }) => {
          await store.appendTurn(turn('s1', 1, { rawText: 'raw' }));
          c.t = T0 + MIN + 59 * MIN;
          assert.equal((await store.getTurns('s1'))[0]?.rawText, 'raw');
          c.t = T0 + MIN + 60 * MIN;
          assert.equal((await store.getTurns('s1'))[0]?.rawText, undefined);
          const counts = await store.purgeExpired(c.t);
          assert.equal(counts.turn_raw_text, 1);
          assert.equal(counts.turns, 0);
          assert.equal((await store.getTurns('s1')).length, 1);
          assert.equal((await store.purgeExpired(c.t)).turn_raw_text, 0);
        });
      });
    });

    describe('per-session detail', () => {
      test('fragments, tokens, tool results, annotations and audio: keyed writes, retries do not duplicate', async () => {
        await withStore({}, async ({ store }) => {
          const frag = { sessionId: 's1', turnId: 't1', seq: 0, speaker: 'caller' as const, text: 'I would', final: false, at: T0 };
          assert.deepEqual(await store.addTranscriptFragment(frag), { inserted: true });
          assert.deepEqual(await store.addTranscriptFragment(frag), { inserted: false });
          await store.addTranscriptFragment({ ...frag, seq: 1, text: 'I would like [DATE]', final: true, at: T0 + 500 });
          const frags = await store.getTranscriptFragments('s1');
          assert.deepEqual(frags.map((f) => [f.seq, f.final]), [[0, false], [1, true]]);
          assert.deepEqual(frags[0], { ...frag, expiresAt: T0 + DEFAULT_RETENTION.transcript_fragments });

          const tokens = ['Sure', ',', ' what', ' time', '?'].map((text, seq) => ({ sessionId: 's1', turnId: 't1', seq, text, at: T0 + 1000 + seq }));
          assert.equal(await store.addLlmTokens(tokens), 5);
          assert.equal(await store.addLlmTokens(tokens.slice(3)), 0);
          await store.addLlmTokens([{ sessionId: 's1', turnId: 't2', seq: 0, text: 'Bye', at: T0 + 5000 }]);
          assert.equal((await store.getLlmTokens('s1', 't1')).map((t) => t.text).join(''), 'Sure, what time?');
          assert.equal((await store.getLlmTokens('s1')).length, 6);
          assert.equal((await store.getLlmTokens('s1', 't1'))[0]?.expiresAt, T0 + 1000 + DEFAULT_RETENTION.llm_tokens);

          const tool = { idempotencyKey: 's1:t1:call_1', sessionId: 's1', turnId: 't1', callId: 'call_1', tool: 'book', status: 'ok' as const, result: { slot: '[TIME]' }, at: T0 + 2000 };
          assert.deepEqual(await store.putToolResult(tool), { inserted: true });
          assert.deepEqual(await store.putToolResult({ ...tool, status: 'error', error: 'late retry', at: T0 + 3000 }), { inserted: false });
          assert.deepEqual(await store.getToolResult('s1:t1:call_1'), { ...tool, expiresAt: T0 + 2000 + DEFAULT_RETENTION.tool_results });
          await store.putToolResult({ idempotencyKey: 's1:t2:call_2', sessionId: 's1', turnId: 't2', tool: 'end_call', status: 'timeout', at: T0 + 2500 });
          assert.deepEqual((await store.getToolResults('s1')).map((t) => t.idempotencyKey), ['s1:t1:call_1', 's1:t2:call_2']);
          assert.equal(await store.getToolResult('missing'), null);

          const note = { id: 'n1', sessionId: 's1', turnId: 't1', author: 'sup-7', kind: 'flag', text: 'check [NAME]', at: T0 + 4000 };
          assert.deepEqual(await store.addAnnotation(note), { inserted: true });
          assert.deepEqual(await store.addAnnotation({ ...note, text: 'changed' }), { inserted: false });
          assert.deepEqual(await store.getAnnotations('s1'), [{ ...note, expiresAt: T0 + 4000 + DEFAULT_RETENTION.annotations }]);

          const bytes = new Uint8Array([0, 1, 2, 250, 255, 128]);
          const chunk = { sessionId: 's1', stream: 'caller', seq: 1, turnId: 't1', codec: 'pcmu', data: bytes, at: T0 + 20 };
          assert.deepEqual(await store.addAudioChunk(chunk), { inserted: true });
          assert.deepEqual(await store.addAudioChunk(chunk), { inserted: false });
          await store.addAudioChunk({ ...chunk, seq: 0, at: T0 });
          await store.addAudioChunk({ sessionId: 's1', stream: 'agent', seq: 0, codec: 'pcmu', data: new Uint8Array([9]), at: T0 });
          const audio = await store.getAudioChunks('s1', 'caller');
          assert.deepEqual(audio.map((a) => a.seq), [0, 1]);
          assert.deepEqual(Array.from(audio[1]!.data), [0, 1, 2, 250, 255, 128]);
          assert.equal(audio[1]?.expiresAt, T0 + 20 + DEFAULT_RETENTION.audio_chunks);
          assert.deepEqual((await store.getAudioChunks('s1')).map((a) => `${a.stream}/${a.seq}`), ['agent/0', 'caller/0', 'caller/1']);
        });
      });

      test('refuses bad input before writing', async () => {
        await withStore({}, async ({ store }) => {
          await rejectsWith(store.appendTurn(turn('', 1)), 'invalid', /sessionId/);
          await rejectsWith(store.appendTurn(turn('s1', -1)), 'invalid', /seq/);
          await rejectsWith(store.appendTurn(turn('s1', 1.5)), 'invalid', /seq/);
          await rejectsWith(store.createSession({ id: 's1', callId: 'c', startedAt: Number.NaN }), 'invalid', /startedAt/);
          await rejectsWith(store.putToolResult({ idempotencyKey: '', sessionId: 's', turnId: 't', tool: 'x', status: 'ok', at: T0 }), 'invalid', /idempotencyKey/);
          assert.deepEqual(await store.getTurns('s1'), []);
        });
      });
    });

    describe('retention', () => {
      test('purgeExpired deletes what is past expiresAt, counts per collection, and never a pending outbox entry', async () => {
        const c = clock(T0);
        await withStore({ now: c.now }, async ({ store }) => {
          await store.createSession({ id: 's1', callId: 'c1', startedAt: T0 });
          await store.appendTurn(turn('s1', 1), [{ topic: 'a', payload: 1 }, { topic: 'b', payload: 2 }]);
          await store.markOutboxPublished('s1/1/0', T0 + 2 * MIN);
          await store.addTranscriptFragment({ sessionId: 's1', turnId: 't1', seq: 0, speaker: 'caller', text: 'x', final: true, at: T0 });
          await store.addLlmTokens([{ sessionId: 's1', turnId: 't1', seq: 0, text: 'y', at: T0 }]);
          await store.putToolResult({ idempotencyKey: 'k1', sessionId: 's1', turnId: 't1', tool: 'book', status: 'ok', at: T0 });
          await store.addAnnotation({ id: 'n1', sessionId: 's1', author: 'sup', kind: 'note', text: 'z', at: T0 });
          await store.addAudioChunk({ sessionId: 's1', stream: 'caller', seq: 0, codec: 'pcmu', data: new Uint8Array([1]), at: T0 });
          await store.recordAudit({ actor: 'sup', action: 'transcript_viewed', sessionId: 's1', at: T0 });

          const none = await store.purgeExpired(T0 + DAY_MS - 1);
          assert.deepEqual(Object.values(none), new Array(COLLECTIONS.length + 1).fill(0));
          const day = await store.purgeExpired(T0 + 2 * DAY_MS);
          assert.deepEqual(
            { ...day },
            { sessions: 0, turns: 0, transcript_fragments: 1, llm_tokens: 1, tool_results: 0, annotations: 0, audio_chunks: 1, outbox: 0, audit: 0, turn_raw_text: 0 },
          );
          const month = await store.purgeExpired(T0 + 31 * DAY_MS);
          assert.equal(month.tool_results, 1);
          assert.equal(month.outbox, 1, 'the published entry goes; the pending one stays');
          assert.deepEqual((await store.listPendingOutbox(10)).map((e) => e.id), ['s1/1/1']);
          const quarter = await store.purgeExpired(T0 + 91 * DAY_MS);
          assert.deepEqual([quarter.sessions, quarter.turns, quarter.annotations, quarter.audit, quarter.outbox], [1, 1, 1, 0, 0]);
          assert.equal(await store.getSession('s1'), null);
          assert.equal((await store.listAudit()).length, 1);
          assert.equal((await store.purgeExpired(T0 + 366 * DAY_MS)).audit, 1);
          assert.deepEqual((await store.listPendingOutbox(10)).map((e) => e.id), ['s1/1/1'], 'still pending after a year: never dropped');
        });
      });

      test('honours a custom per-collection retention', async () => {
        await withStore({ retention: { annotations: 10 * MIN } }, async ({ store }) => {
          await store.addAnnotation({ id: 'n1', sessionId: 's1', author: 'a', kind: 'k', text: 't', at: T0 });
          assert.equal((await store.getAnnotations('s1'))[0]?.expiresAt, T0 + 10 * MIN);
          assert.equal((await store.purgeExpired(T0 + 10 * MIN)).annotations, 1);
        });
      });

      /** every record of the session with its expiresAt, by collection (outbox entries by the ids given) */
      const expiries = async (store: ConversationStore, id: string, outboxIds: string[] = []) => ({
        sessions: (await store.getSession(id))?.expiresAt,
        turns: (await store.getTurns(id)).map((t) => t.expiresAt),
        transcript_fragments: (await store.getTranscriptFragments(id)).map((f) => f.expiresAt),
        llm_tokens: (await store.getLlmTokens(id)).map((t) => t.expiresAt),
        tool_results: (await store.getToolResults(id)).map((t) => t.expiresAt),
        annotations: (await store.getAnnotations(id)).map((a) => a.expiresAt),
        audio_chunks: (await store.getAudioChunks(id)).map((a) => a.expiresAt),
        outbox: await Promise.all(outboxIds.map(async (o) => (await store.getOutboxEntry(o))?.expiresAt)),
      });
      const seedCall = async (store: ConversationStore, id: string) => {
        await store.createSession({ id, callId: `call-${id}`, startedAt: T0 });
        await store.appendTurn(turn(id, 1), [{ topic: 'a', payload: 1 }, { topic: 'b', payload: 2 }]);
        await store.appendTurn(turn(id, 2));
        await store.addTranscriptFragment({ sessionId: id, turnId: 't1', seq: 0, speaker: 'caller', text: 'x', final: true, at: T0 });
        await store.addLlmTokens([0, 1].map((seq) => ({ sessionId: id, turnId: 't1', seq, text: 'y', at: T0 })));
        await store.putToolResult({ idempotencyKey: `${id}:k`, sessionId: id, turnId: 't1', tool: 'book', status: 'ok', at: T0 });
        await store.addAnnotation({ id: `${id}-n`, sessionId: id, author: 'sup', kind: 'note', text: 'z', at: T0 });
        await store.addAudioChunk({ sessionId: id, stream: 'caller', seq: 0, codec: 'pcmu', data: new Uint8Array([1]), at: T0 });
        await store.markOutboxPublished(`${id}/1/0`, T0 + 2 * MIN);
      };

      test('setSessionExpiry sets the expiry per collection (published outbox entries only); the session outlives its records; a repeat changes nothing', async () => {
        const c = clock(T0);
        await withStore({ now: c.now }, async ({ store }) => {
          await seedCall(store, 's1');
          await seedCall(store, 's2');
          const ids = ['s1/1/0', 's1/1/1'];
          const before = await expiries(store, 's1', ids);
          const other = await expiries(store, 's2', ['s2/1/0', 's2/1/1']);

          await store.setSessionExpiry('s1', {
            turns: T0 + 400 * DAY_MS,
            audio_chunks: T0 + 2 * DAY_MS,
            tool_results: T0 + 5 * DAY_MS,
            outbox: T0 + 3 * DAY_MS,
            sessions: T0 + 10 * DAY_MS,
          });
          const set = await expiries(store, 's1', ids);
          assert.deepEqual(set, {
            sessions: T0 + 400 * DAY_MS,
            turns: [T0 + 400 * DAY_MS, T0 + 400 * DAY_MS],
            transcript_fragments: before.transcript_fragments,
            llm_tokens: before.llm_tokens,
            tool_results: [T0 + 5 * DAY_MS],
            annotations: before.annotations,
            audio_chunks: [T0 + 2 * DAY_MS],
            outbox: [T0 + 3 * DAY_MS, before.outbox[1]],
          });
          assert.equal((await store.getOutboxEntry('s1/1/1'))?.publishedAt, undefined, 'the pending entry keeps its expiry and stays pending');
          assert.deepEqual(await expiries(store, 's2', ['s2/1/0', 's2/1/1']), other, 'the other session is untouched');

          await store.setSessionExpiry('s1', {
            turns: T0 + 400 * DAY_MS,
            audio_chunks: T0 + 2 * DAY_MS,
            tool_results: T0 + 5 * DAY_MS,
            outbox: T0 + 3 * DAY_MS,
            sessions: T0 + 10 * DAY_MS,
          });
          assert.deepEqual(await expiries(store, 's1', ids), set, 'a repeat changes nothing');
          await store.setSessionExpiry('s1', {});
          assert.deepEqual(await expiries(store, 's1', ids), set, 'no collection: nothing changes');

          // shorter: the session follows its own value, but never below its latest record
          await store.setSessionExpiry('s1', { turns: T0 + 20 * DAY_MS, sessions: T0 + 10 * DAY_MS });
          const shorter = await expiries(store, 's1', ids);
          assert.deepEqual(shorter.turns, [T0 + 20 * DAY_MS, T0 + 20 * DAY_MS]);
          const records = Object.entries(shorter).flatMap(([k, v]) => (k === 'sessions' ? [] : (v as (number | undefined)[])));
          assert.equal(shorter.sessions, Math.max(T0 + 10 * DAY_MS, ...records.map((v) => v ?? 0)));
          assert.equal(shorter.sessions, T0 + DEFAULT_RETENTION.annotations, 'the annotation is now the latest record');

          // no sessions value: the session is only raised to its records
          await store.setSessionExpiry('s1', { annotations: T0 + 200 * DAY_MS });
          assert.equal((await store.getSession('s1'))?.expiresAt, T0 + 200 * DAY_MS);
          await store.setSessionExpiry('s1', { annotations: T0 + DAY_MS });
          assert.equal((await store.getSession('s1'))?.expiresAt, T0 + 200 * DAY_MS, 'without a sessions value the session is never lowered');

          await store.setSessionExpiry('s1', { sessions: NEVER });
          assert.equal((await store.getSession('s1'))?.expiresAt, NEVER, 'the largest date: kept for good');

          // the purge follows the new expiries
          await store.setSessionExpiry('s2', { audio_chunks: T0 + 2 * MIN, outbox: T0 + 2 * MIN, turns: T0 + 2 * MIN });
          const purged = await store.purgeExpired(T0 + 3 * MIN);
          assert.deepEqual([purged.audio_chunks, purged.outbox, purged.turns, purged.sessions], [1, 1, 2, 0]);
          assert.deepEqual((await store.listPendingOutbox(10)).map((e) => e.id), ['s1/1/1', 's2/1/1'], 'pending entries are never purged');
        });
      });

      test('setSessionExpiry refuses audit, unknown collections, bad times and unknown sessions, writing nothing', async () => {
        await withStore({}, async ({ store }) => {
          await store.createSession({ id: 's1', callId: 'c1', startedAt: T0 });
          await store.appendTurn(turn('s1', 1));
          await store.appendTurn(turn('ghost', 1)); // records of a session that was never created
          const before = await expiries(store, 's1');
          const ghost = await expiries(store, 'ghost');
          await rejectsWith(store.setSessionExpiry('s1', { audit: T0 }), 'invalid', /audit/);
          await rejectsWith(store.setSessionExpiry('s1', { turns: T0, bogus: T0 } as Partial<Record<CollectionName, number>>), 'invalid', /bogus/);
          await rejectsWith(store.setSessionExpiry('s1', { turns: Number.NaN }), 'invalid', /expiresAt\.turns/);
          await rejectsWith(store.setSessionExpiry('s1', { sessions: -1 }), 'invalid', /expiresAt\.sessions/);
          await rejectsWith(store.setSessionExpiry('', { turns: T0 }), 'invalid', /sessionId/);
          await rejectsWith(store.setSessionExpiry('ghost', { turns: T0 }), 'not_found', /ghost/);
          await rejectsWith(store.setSessionExpiry('nope', {}), 'not_found', /nope/);
          assert.deepEqual(await expiries(store, 's1'), before);
          assert.deepEqual(await expiries(store, 'ghost'), ghost);
        });
      });
    });

    describe('deletion on request and audit', () => {
      const seed = async (store: ConversationStore, id: string, callerKey: string, startedAt: number) => {
        await store.createSession({ id, callId: `call-${id}`, callerKey, startedAt });
        await store.appendTurn(turn(id, 1), [{ topic: 'turn', payload: { id } }]);
        await store.appendTurn(turn(id, 2));
        await store.addTranscriptFragment({ sessionId: id, turnId: 't1', seq: 0, speaker: 'caller', text: 'x', final: true, at: startedAt });
        await store.addLlmTokens([0, 1, 2].map((seq) => ({ sessionId: id, turnId: 't1', seq, text: 'y', at: startedAt })));
        await store.putToolResult({ idempotencyKey: `${id}:k`, sessionId: id, turnId: 't1', tool: 'book', status: 'ok', at: startedAt });
        await store.addAnnotation({ id: `${id}-n`, sessionId: id, author: 'sup', kind: 'note', text: 'z', at: startedAt });
        await store.addAudioChunk({ sessionId: id, stream: 'caller', seq: 0, codec: 'pcmu', data: new Uint8Array([1, 2]), at: startedAt });
      };
      const everything = async (store: ConversationStore, id: string) => ({
        session: await store.getSession(id),
        turns: (await store.getTurns(id)).length,
        fragments: (await store.getTranscriptFragments(id)).length,
        tokens: (await store.getLlmTokens(id)).length,
        tools: (await store.getToolResults(id)).length,
        notes: (await store.getAnnotations(id)).length,
        audio: (await store.getAudioChunks(id)).length,
      });

      test('deleteSession removes the session everywhere (outbox included), leaves others, and audits who/when/what/counts', async () => {
        const c = clock(T0 + DAY_MS);
        await withStore({ now: c.now }, async ({ store }) => {
          await seed(store, 's1', 'ck-a', T0);
          await seed(store, 's2', 'ck-a', T0 + MIN);
          const report = await store.deleteSession('s1', { requestedBy: 'ops-1', reason: 'caller request #42' });
          const counts = { sessions: 1, turns: 2, transcript_fragments: 1, llm_tokens: 3, tool_results: 1, annotations: 1, audio_chunks: 1, outbox: 1 };
          assert.deepEqual(report.counts, counts);
          assert.deepEqual(report.sessionIds, ['s1']);
          assert.deepEqual(await everything(store, 's1'), { session: null, turns: 0, fragments: 0, tokens: 0, tools: 0, notes: 0, audio: 0 });
          assert.equal(await store.getOutboxEntry('s1/1/0'), null);
          assert.equal(await store.getToolResult('s1:k'), null);
          const kept = await everything(store, 's2');
          assert.deepEqual({ ...kept, session: kept.session?.id }, { session: 's2', turns: 2, fragments: 1, tokens: 3, tools: 1, notes: 1, audio: 1 });
          const audit = await store.listAudit({ sessionId: 's1' });
          assert.equal(audit.length, 1);
          assert.deepEqual(audit[0], {
            id: report.auditId,
            at: T0 + DAY_MS,
            actor: 'ops-1',
            action: 'session_deleted',
            sessionId: 's1',
            reason: 'caller request #42',
            details: { counts, sessionIds: ['s1'] },
            expiresAt: T0 + DAY_MS + DEFAULT_RETENTION.audit,
          });
          const again = await store.deleteSession('s1', { requestedBy: 'ops-1', reason: 'repeat' });
          assert.equal(Object.values(again.counts).reduce((a, b) => a + b, 0), 0);
          await rejectsWith(store.deleteSession('s2', { requestedBy: '', reason: 'x' }), 'invalid', /requestedBy/);
          assert.notEqual(await store.getSession('s2'), null);
        });
      });

      test('deleteCaller removes every session of the caller key and all of theirs, one audit record', async () => {
        await withStore({}, async ({ store }) => {
          await seed(store, 's1', 'ck-a', T0);
          await seed(store, 's2', 'ck-b', T0 + MIN);
          await seed(store, 's3', 'ck-a', T0 + 2 * MIN);
          const report = await store.deleteCaller('ck-a', { requestedBy: 'dpo', reason: 'erasure request' });
          assert.deepEqual(report.sessionIds, ['s1', 's3']);
          assert.deepEqual(report.counts, { sessions: 2, turns: 4, transcript_fragments: 2, llm_tokens: 6, tool_results: 2, annotations: 2, audio_chunks: 2, outbox: 2 });
          assert.equal(await store.getSession('s1'), null);
          assert.equal(await store.getSession('s3'), null);
          assert.equal((await store.getTurns('s3')).length, 0);
          assert.equal((await everything(store, 's2')).turns, 2);
          const audit = await store.listAudit({ callerKey: 'ck-a' });
          assert.equal(audit.length, 1);
          assert.equal(audit[0]?.action, 'caller_deleted');
          assert.equal(audit[0]?.actor, 'dpo');
          assert.deepEqual(audit[0]?.details, { counts: report.counts, sessionIds: ['s1', 's3'] });
        });
      });

      test('recordAudit stores other audited actions; listAudit is newest first and filters', async () => {
        await withStore({}, async ({ store }) => {
          const viewed = await store.recordAudit({ actor: 'sup-1', action: 'transcript_viewed', sessionId: 's1', at: T0 });
          assert.equal(typeof viewed.id, 'string');
          assert.equal(viewed.expiresAt, T0 + DEFAULT_RETENTION.audit);
          await store.recordAudit({ actor: 'sup-2', action: 'transcript_viewed', sessionId: 's2', at: T0 + MIN, details: { screen: 'history' } });
          await store.recordAudit({ id: 'fixed', actor: 'sup-1', action: 'audio_played', sessionId: 's1', at: T0 + 2 * MIN });
          assert.deepEqual((await store.listAudit()).map((a) => a.actor + ':' + a.action), ['sup-1:audio_played', 'sup-2:transcript_viewed', 'sup-1:transcript_viewed']);
          assert.deepEqual((await store.listAudit({ sessionId: 's1' })).map((a) => a.id), ['fixed', viewed.id]);
          assert.deepEqual((await store.listAudit({ action: 'transcript_viewed', limit: 1 })).map((a) => a.sessionId), ['s2']);
          assert.deepEqual((await store.listAudit({ sessionId: 's2' }))[0]?.details, { screen: 'history' });
        });
      });
    });

    describe('failures are loud', () => {
      test('a closed store rejects every call with a clear error; no write is silently dropped', async () => {
        await withStore({}, async ({ store }) => {
          await store.close();
          await rejectsWith(store.appendTurn(turn('s1', 1), [{ topic: 'a', payload: 1 }]), 'unavailable', /appendTurn/);
          await rejectsWith(store.createSession({ id: 's1', callId: 'c', startedAt: T0 }), 'unavailable');
          await rejectsWith(store.getTurns('s1'), 'unavailable');
          await rejectsWith(store.markOutboxPublished('x', T0), 'unavailable');
          await rejectsWith(store.deleteSession('s1', { requestedBy: 'a', reason: 'b' }), 'unavailable');
          await store.close();
        });
      });
    });

    describe('indexes', () => {
      test('has the unique keys that make retries safe, the lookup indexes and an expiry index per collection', async () => {
        await withStore({}, async (h) => {
          const idx = await h.indexes();
          const has = (collection: string, keys: string[], unique: boolean) =>
            idx.some((i) => i.collection === collection && (!unique || i.unique) && keys.every((k, n) => i.keys[n] === k) && (!unique || i.keys.length === keys.length));
          const uniques: [string, string[]][] = [
            ['sessions', ['id']],
            ['turns', ['sessionId', 'seq']],
            ['turns', ['sessionId', 'turnId']],
            ['transcript_fragments', ['sessionId', 'turnId', 'seq']],
            ['llm_tokens', ['sessionId', 'turnId', 'seq']],
            ['tool_results', ['idempotencyKey']],
            ['annotations', ['id']],
            ['audio_chunks', ['sessionId', 'stream', 'seq']],
            ['outbox', ['id']],
            ['audit', ['id']],
          ];
          for (const [c, keys] of uniques) assert.ok(has(c, keys, true), `unique index ${c}(${keys.join(', ')})`);
          const lookups: [string, string[]][] = [
            ['sessions', ['startedAt']],
            ['sessions', ['callId']],
            ['sessions', ['callerKey']],
            ['sessions', ['dialed', 'startedAt']],
            ['sessions', ['outcome', 'startedAt']],
            ['turns', ['sessionId', 'at']],
            ['transcript_fragments', ['sessionId', 'at']],
            ['llm_tokens', ['sessionId', 'at']],
            ['tool_results', ['sessionId', 'at']],
            ['tool_results', ['sessionId', 'turnId']],
            ['annotations', ['sessionId', 'at']],
            ['audio_chunks', ['sessionId', 'at']],
            ['outbox', ['sessionId']],
            ['audit', ['sessionId']],
            ['audit', ['callerKey']],
          ];
          for (const [c, keys] of lookups) assert.ok(has(c, keys, false), `index ${c}(${keys.join(', ')})`);
          for (const c of COLLECTIONS) assert.ok(has(c, ['expiresAt'], false), `expiry index on ${c}`);
        });
      });
    });
  });
}
