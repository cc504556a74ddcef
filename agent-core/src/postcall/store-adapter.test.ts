/**
 * The post-call store adapter over a real SQLite conversation store (a file in a temp dir): the per-speaker
 * mapping of stored turns, the session fields it writes, and the whole post-call flow (BullMQ on a private
 * Redis) run twice over one recorded booking call whose caller gave a card number ingestion missed.
 *
 * The adapter takes the store's own `updateTurnText` and `setSessionExpiry`; the tests wrap the store (`spied`)
 * to see which of those writes happened, and hide them (`withoutUpdaters`) to see the adapter refuse without.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { startTestRedis, type PrivateRedis } from '../redis/index.js';
import { SqliteConversationStore, StoreNotFoundError, type ConversationStore } from '../store/index.js';
import {
  DEFAULT_RETENTION_POLICY,
  PostCallFlows,
  PostCallWorker,
  type PostCallStatus,
  type StepCompleted,
  type StepFailed,
} from './index.js';
import { callAnalytics } from './analytics.js';
import {
  ConversationPostCallStore,
  NEVER_EXPIRES,
  readTurnMeta,
  storeTurnOf,
  turnMeta,
} from './store-adapter.js';

const T0 = Date.UTC(2025, 0, 14, 9, 0, 0);
const ENDED = T0 + 30_000;
const CARD = 'four one one one one one one one one one one one one one one one';
const QUALITY = [
  { at: T0 + 10_000, mos: 4.3, jitterMs: 4, lossPct: 0 },
  { at: T0 + 5_000, mos: 4.1, jitterMs: 9, lossPct: 0.5 },
  { at: T0 + 20_000, mos: 3.9, jitterMs: 15, lossPct: 1.2 },
];

/** a front-desk booking as the session stores it: one record per turn, the card number missed at ingestion */
async function recordBookingCall(store: ConversationStore, id: string, opts: { qualityInMeta?: boolean } = {}): Promise<void> {
  await store.createSession({ id, callId: `call-${id}`, agent: 'front-desk', dialed: '1000', startedAt: T0 });
  await store.appendTurn({
    sessionId: id,
    seq: 0,
    turnId: 't0',
    at: T0,
    agentText: 'Hello, thanks for calling Riverside Dental. How can I help you today?',
    timings: { firstAudioMs: 300 },
    meta: turnMeta({ agentAudioMs: 3000 }),
  });
  await store.appendTurn({
    sessionId: id,
    seq: 1,
    turnId: 't1',
    at: T0 + 7000,
    callerText: "Hi. I'd like to book a cleaning appointment for next Tuesday morning.",
    agentText: 'Let me check. I have Tuesday at 10:00 free. Shall I book it?',
    timings: { sttFinalMs: 180, firstTokenMs: 420, firstAudioMs: 650, firstRtpOutMs: 700 },
    meta: turnMeta({ callerSpeechMs: 3500, agentAudioMs: 3300, ...(opts.qualityInMeta ? { quality: QUALITY } : {}) }),
  });
  await store.appendTurn({
    sessionId: id,
    seq: 2,
    turnId: 't2',
    at: T0 + 15_500,
    callerText: `Yes please, book it. I can pay the deposit now, my card is ${CARD}.`,
    agentText: "You're booked for Tuesday at 10:00, your reference is A-1001.",
    timings: { sttFinalMs: 220, firstTokenMs: 510, firstAudioMs: 800, firstRtpOutMs: 860 },
    meta: turnMeta({
      callerSpeechMs: 4000,
      agentAudioMs: 3600,
      toolCalls: [{ tool: 'book_appointment', ok: true, ms: 85, result: { reference: 'A-1001', day: 'tuesday', time: '10:00' } }],
    }),
  });
  await store.appendTurn({
    sessionId: id,
    seq: 3,
    turnId: 't3',
    at: T0 + 22_000,
    callerText: 'Great, thank you. Bye.',
    agentText: 'Goodbye, have a',
    interrupted: true,
    timings: { sttFinalMs: 150, firstTokenMs: 300, firstAudioMs: 520, firstRtpOutMs: 590, bargeInMs: 900 },
    meta: turnMeta({ callerSpeechMs: 1500, agentAudioMs: 900 }),
  });
  await store.addAudioChunk({ sessionId: id, stream: 'caller', seq: 0, codec: 'pcmu', data: new Uint8Array(160), at: T0 });
  await store.addTranscriptFragment({ sessionId: id, turnId: 't1', seq: 0, speaker: 'caller', text: "Hi. I'd like", final: false, at: T0 + 5000 });
  await store.endSession(id, { endedAt: ENDED, outcome: 'caller_hangup' });
  if (!opts.qualityInMeta) await store.setSessionAnalytics(id, { quality: QUALITY });
}

/** The store with its two post-call writes recorded as they are called (the store itself does the writing). */
function spied(store: ConversationStore): ConversationStore & { calls: string[] } {
  const calls: string[] = [];
  const own: Pick<ConversationStore, 'updateTurnText' | 'setSessionExpiry'> & { calls: string[] } = {
    calls,
    updateTurnText(sessionId, seq, field, text) {
      calls.push(`updateTurnText ${seq} ${field}`);
      return store.updateTurnText(sessionId, seq, field, text);
    },
    setSessionExpiry(sessionId, expiresAt) {
      calls.push(`setSessionExpiry ${Object.keys(expiresAt).sort().join(',')}`);
      return store.setSessionExpiry(sessionId, expiresAt);
    },
  };
  return new Proxy(store, {
    get(target, prop) {
      if (Object.hasOwn(own, prop)) return own[prop as keyof typeof own];
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as ConversationStore & { calls: string[] };
}

/** The store as one without the two post-call writes (an adapter that predates them). */
function withoutUpdaters(store: ConversationStore): ConversationStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'updateTurnText' || prop === 'setSessionExpiry') return undefined;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const dirs: string[] = [];
function openStore(): SqliteConversationStore {
  const dir = mkdtempSync(join(tmpdir(), 'callgate-postcall-store-'));
  dirs.push(dir);
  return SqliteConversationStore.open({ path: join(dir, 'conversations.sqlite') });
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const expiry = (db: Database.Database, table: string, id: string): number[] =>
  (db.prepare(`SELECT expires_at AS e FROM ${table} WHERE ${table === 'sessions' ? 'id' : 'session_id'} = ?`).all(id) as { e: number }[]).map((r) => r.e);

test('each stored turn becomes a caller and an agent record; seqs map back to the turn and field', async () => {
  const store = openStore();
  try {
    await recordBookingCall(store, 's1');
    const pc = new ConversationPostCallStore(store);
    const turns = await pc.getTurns('s1');
    assert.deepEqual(
      turns.map((t) => [t.seq, t.speaker, t.turnId]),
      [
        [1, 'agent', 't0'],
        [2, 'caller', 't1'],
        [3, 'agent', 't1'],
        [4, 'caller', 't2'],
        [5, 'agent', 't2'],
        [6, 'caller', 't3'],
        [7, 'agent', 't3'],
      ],
    );
    for (const t of turns) {
      const back = storeTurnOf(t.seq);
      const stored = (await store.getTurns('s1')).find((s) => s.seq === back.seq);
      assert.equal(stored?.[back.field], t.text, `seq ${t.seq}`);
    }
    const caller1 = turns.find((t) => t.seq === 2)!;
    assert.deepEqual(caller1.timings, { sttFinalMs: 180, firstTokenMs: 420, firstAudioMs: 650, firstRtpOutMs: 700 });
    assert.equal(caller1.startedAt, T0 + 3500);
    assert.equal(caller1.endedAt, T0 + 7000);
    const agent1 = turns.find((t) => t.seq === 3)!;
    assert.equal(agent1.timings, undefined, 'the turn timings are counted once, on the caller record');
    assert.equal(agent1.startedAt, T0 + 7000 + 700);
    assert.equal(agent1.endedAt, T0 + 7000 + 700 + 3300);
    assert.deepEqual(turns.find((t) => t.seq === 1)?.timings, { firstAudioMs: 300 }, 'a turn without caller text keeps its timings on the agent');
    assert.deepEqual(turns.find((t) => t.seq === 5)?.toolCalls, [
      { tool: 'book_appointment', ok: true, ms: 85, result: { reference: 'A-1001', day: 'tuesday', time: '10:00' } },
    ]);
    assert.equal(turns.find((t) => t.seq === 7)?.interrupted, true);
    assert.throws(() => storeTurnOf(-1), /non-negative integer/);
    assert.throws(() => storeTurnOf(1.5), /non-negative integer/);

    const session = await pc.getSession('s1');
    assert.deepEqual(session, {
      sessionId: 's1',
      callId: 'call-s1',
      agent: 'front-desk',
      startedAt: T0,
      endedAt: ENDED,
      outcome: 'caller_hangup',
      quality: QUALITY,
    });
    assert.equal(await pc.getSession('nope'), undefined);
    assert.deepEqual(await pc.getPostCall('nope'), {});
    assert.deepEqual(await pc.getPostCall('s1'), {}, 'quality samples alone are not analytics');

    await recordBookingCall(store, 's2', { qualityInMeta: true });
    assert.deepEqual((await pc.getSession('s2'))?.quality, QUALITY, 'samples from the turns meta when the session has none');
    await store.createSession({ id: 's3', callId: 'c3', startedAt: T0 });
    assert.deepEqual(await pc.getSession('s3'), { sessionId: 's3', callId: 'c3', agent: '', startedAt: T0 });
    await store.endSession('s3', { endedAt: ENDED, outcome: 'caller_hung_up' });
    assert.equal((await pc.getSession('s3'))?.outcome, 'caller_hangup', "the session's outcome in post-call words");
    await store.createSession({ id: 's4', callId: 'c4', startedAt: T0 });
    await store.endSession('s4', { endedAt: ENDED, outcome: 'completed' });
    assert.equal((await pc.getSession('s4'))?.outcome, 'completed');
  } finally {
    await store.close();
  }
});

test('readTurnMeta keeps well-formed fields only', () => {
  assert.deepEqual(
    readTurnMeta({
      toolCalls: [{ tool: 'x', ok: true, ms: 3 }, { tool: 'y', ok: 'yes', ms: 1 }, 'junk', { tool: 'z', ok: false, ms: 9, errorCode: 'timeout' }],
      callerSpeechMs: -5,
      agentAudioMs: 1200,
      quality: [{ at: 1, mos: 4 }],
    }),
    { toolCalls: [{ tool: 'x', ok: true, ms: 3 }, { tool: 'z', ok: false, ms: 9, errorCode: 'timeout' }], agentAudioMs: 1200 },
  );
  assert.deepEqual(readTurnMeta(undefined), {});
  assert.deepEqual(turnMeta({ callerSpeechMs: 10, agentAudioMs: undefined }), { callerSpeechMs: 10 });
});

test("the store cannot rewrite a turn by appending it again, so updateTurnText and markRetention need the store's own methods", async () => {
  const store = openStore();
  try {
    await recordBookingCall(store, 's1');
    const again = await store.appendTurn({ sessionId: 's1', seq: 2, turnId: 't2', at: T0 + 15_500, callerText: 'clean' });
    assert.equal(again.inserted, false);
    assert.match((await store.getTurn('s1', 't2'))?.callerText ?? '', /four one one one/, 'a repeated appendTurn overwrites nothing');

    const bare = new ConversationPostCallStore(withoutUpdaters(store));
    await assert.rejects(bare.updateTurnText('s1', 4, 'clean'), /cannot rewrite turn text.*turn 2 of s1/);
    await assert.rejects(bare.markRetention('s1', { turns: ENDED }), /cannot set the expiry/);

    const ext = spied(store);
    const pc = new ConversationPostCallStore(ext);
    await pc.updateTurnText('s1', 5, 'You are booked.');
    await pc.updateTurnText('s1', 4, 'Yes please.');
    const t2 = await store.getTurn('s1', 't2');
    assert.equal(t2?.callerText, 'Yes please.');
    assert.equal(t2?.agentText, 'You are booked.');
    assert.deepEqual(ext.calls, ['updateTurnText 2 agentText', 'updateTurnText 2 callerText']);
    await assert.rejects(pc.updateTurnText('s1', 40, 'x'), StoreNotFoundError);
    // the plain store: its own methods are found without any option
    await new ConversationPostCallStore(store).updateTurnText('s1', 4, 'Yes, please.');
    assert.equal((await store.getTurn('s1', 't2'))?.callerText, 'Yes, please.');
  } finally {
    await store.close();
  }
});

test('summary, analytics and retention marks land on the session and read back as written', async () => {
  const store = openStore();
  try {
    await recordBookingCall(store, 's1');
    const ext = spied(store);
    const pc = new ConversationPostCallStore(ext, { now: () => ENDED + 1, summaryModel: 'small-llm' });

    const extractive = { text: 'Caller: Book it. Outcome: the caller hung up.', sentences: ['Caller: Book it.', 'Outcome: the caller hung up.'], source: 'extractive' as const };
    await pc.setSummary('s1', extractive);
    assert.deepEqual((await store.getSession('s1'))?.summary, { ...extractive, at: ENDED + 1 });
    assert.deepEqual((await pc.getPostCall('s1')).summary, extractive);
    const model = { text: 'The caller booked a cleaning.', sentences: ['The caller booked a cleaning.'], source: 'model' as const };
    await pc.setSummary('s1', model);
    assert.equal((await store.getSession('s1'))?.summary?.model, 'small-llm');
    assert.deepEqual((await pc.getPostCall('s1')).summary, model);
    // a summary written by something else (text only) still reads back
    await store.setSessionSummary('s1', { text: 'One. Two.', at: 1, model: 'm' });
    assert.deepEqual((await pc.getPostCall('s1')).summary, { text: 'One. Two.', sentences: ['One.', 'Two.'], source: 'model' });

    const analytics = callAnalytics(await pc.getTurns('s1'), (await pc.getSession('s1'))!);
    await pc.setAnalytics('s1', analytics);
    assert.deepEqual((await pc.getPostCall('s1')).analytics, analytics);
    assert.deepEqual((await store.getSession('s1'))?.analytics?.quality, QUALITY, 'the quality samples are kept');

    const marks = { audio: ENDED + 1000, events: ENDED + 2000, turns: ENDED + 3000, summary: ENDED + 5000, analytics: null, unknown_thing: 7 };
    await pc.markRetention('s1', marks);
    const post = await pc.getPostCall('s1');
    assert.deepEqual(post.retention, marks);
    assert.deepEqual(post.analytics, analytics, 'the analytics are kept');
    const db = store.connection;
    assert.deepEqual(expiry(db, 'audio_chunks', 's1'), [ENDED + 1000]);
    assert.deepEqual(expiry(db, 'transcript_fragments', 's1'), [ENDED + 2000]);
    assert.deepEqual(expiry(db, 'turns', 's1'), [ENDED + 3000, ENDED + 3000, ENDED + 3000, ENDED + 3000]);
    assert.deepEqual(expiry(db, 'sessions', 's1'), [NEVER_EXPIRES], 'analytics: null keeps the session for good');
    assert.deepEqual(ext.calls, ['setSessionExpiry audio_chunks,llm_tokens,sessions,tool_results,transcript_fragments,turns']);

    assert.deepEqual(pc.expiriesOf({ summary: 10, turns: 50 }), { sessions: 50, turns: 50 }, 'the session outlives its turns');
    assert.deepEqual(pc.expiriesOf({ annotations: 9 }), { annotations: 9 }, 'a store collection name covers itself');
    await assert.rejects(pc.setAnalytics('nope', analytics), StoreNotFoundError);
  } finally {
    await store.close();
  }
});

// ---------------------------------------------------------------------------------------------------------------
// the whole flow

let redis: PrivateRedis;
before(async () => {
  redis = await startTestRedis();
});
after(async () => {
  await redis?.stop();
});

let queueSeq = 0;

/** runs one post-call flow of the session on a fresh queue and returns the completed steps */
async function runFlow(pc: ConversationPostCallStore, sessionId: string): Promise<StepCompleted[]> {
  const queueName = `test-postcall-store-${process.pid}-${++queueSeq}`;
  const completed: StepCompleted[] = [];
  const failed: StepFailed[] = [];
  const flows = new PostCallFlows({ connection: redis.connection, queueName, attempts: 1 });
  const worker = new PostCallWorker({
    connection: redis.connection,
    queueName,
    store: pc,
    onCompleted: (c) => completed.push(c),
    onFailed: (f) => failed.push(f),
  });
  try {
    await Promise.all([flows.ready(), worker.ready()]);
    await flows.enqueue(sessionId);
    const deadline = Date.now() + 15_000;
    let status: PostCallStatus | undefined;
    while (Date.now() < deadline) {
      status = await flows.status(sessionId);
      if (status?.state === 'completed' || status?.state === 'failed') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(status?.state, 'completed', `flow: ${JSON.stringify(status)}; failures: ${failed.map((f) => f.error.message).join('; ')}`);
    return completed;
  } finally {
    await Promise.allSettled([flows.close(), worker.close()]);
  }
}

test('the post-call flow over SQLite: redacts the missed card, stores summary, analytics and expiries; a second run writes nothing', async () => {
  const store = openStore();
  try {
    await recordBookingCall(store, 'sess-1');
    const ext = spied(store);
    const pc = new ConversationPostCallStore(ext);

    const first = await runFlow(pc, 'sess-1');
    assert.deepEqual(first.map((c) => c.step), ['redact', 'summarize', 'analytics', 'retention']);
    assert.deepEqual(first[0]?.result, { step: 'redact', checked: 7, rewritten: 1, spans: 1 });
    assert.deepEqual(first[2]?.result, { step: 'analytics', turns: 7, written: true });
    assert.deepEqual(first[3]?.result, { step: 'retention', collections: 5, written: true });

    const t2 = await store.getTurn('sess-1', 't2');
    assert.equal(t2?.callerText, 'Yes please, book it. I can pay the deposit now, my card is [CARD_NUMBER].');
    assert.equal(t2?.agentText, "You're booked for Tuesday at 10:00, your reference is A-1001.", 'the clean agent text is untouched');

    const session = await store.getSession('sess-1');
    const summary = session?.summary as { text: string; sentences: string[]; source: string } | undefined;
    assert.equal(summary?.source, 'extractive');
    assert.match(summary?.text ?? '', /Booked Tuesday 10:00 \(ref A-1001\)\./);
    assert.match(summary?.text ?? '', /Outcome: the caller hung up\./);
    assert.doesNotMatch(summary?.text ?? '', /four one|4111/);
    assert.equal(summary?.sentences.join(' '), summary?.text);
    assert.deepEqual(first[1]?.result, { step: 'summarize', source: 'extractive', sentences: summary?.sentences.length, written: true });

    const post = await pc.getPostCall('sess-1');
    const a = post.analytics;
    assert.equal(a?.turnCount, 7);
    assert.equal(a?.callerTurns, 3);
    assert.equal(a?.agentTurns, 4);
    assert.equal(a?.interruptions, 1, 'the interrupted reply and the barge-in share a turn id');
    assert.equal(a?.durationMs, 30_000);
    assert.equal(a?.callerSpeakingMs, 3500 + 4000 + 1500);
    assert.equal(a?.agentSpeakingMs, 3000 + 3300 + 3600 + 900);
    assert.deepEqual(a?.tools, { calls: 1, ok: 1, failed: 0, successRate: 1 });
    assert.deepEqual(a?.mos, { samples: 3, min: 3.9, mean: 4.1, last: 3.9 });
    assert.equal(a?.latency.sttFinalMs?.count, 3);
    assert.equal(a?.latency.firstAudioMs?.count, 4);
    assert.equal(a?.outcome, 'caller_hangup');

    const day = 86_400_000;
    assert.deepEqual(post.retention, {
      audio: ENDED + DEFAULT_RETENTION_POLICY.audio!,
      events: ENDED + DEFAULT_RETENTION_POLICY.events!,
      turns: ENDED + DEFAULT_RETENTION_POLICY.turns!,
      summary: ENDED + DEFAULT_RETENTION_POLICY.summary!,
      analytics: ENDED + DEFAULT_RETENTION_POLICY.analytics!,
    });
    const db = store.connection;
    assert.deepEqual(expiry(db, 'audio_chunks', 'sess-1'), [ENDED + day]);
    assert.deepEqual(expiry(db, 'transcript_fragments', 'sess-1'), [ENDED + 7 * day]);
    assert.deepEqual(new Set(expiry(db, 'turns', 'sess-1')), new Set([ENDED + 30 * day]));
    assert.deepEqual(expiry(db, 'sessions', 'sess-1'), [ENDED + 365 * day]);
    assert.deepEqual(ext.calls, ['updateTurnText 2 callerText', 'setSessionExpiry audio_chunks,llm_tokens,sessions,tool_results,transcript_fragments,turns']);

    // the same call through the flow again (a fresh queue): every step finds its work done
    const snapshot = (): unknown => ({
      session: db.prepare('SELECT * FROM sessions WHERE id = ?').get('sess-1'),
      turns: db.prepare('SELECT * FROM turns WHERE session_id = ? ORDER BY seq').all('sess-1'),
    });
    const before = snapshot();
    const second = await runFlow(pc, 'sess-1');
    assert.deepEqual(
      second.map((c) => c.result),
      [
        { step: 'redact', checked: 7, rewritten: 0, spans: 0 },
        { ...first[1]!.result, written: false },
        { step: 'analytics', turns: 7, written: false },
        { step: 'retention', collections: 5, written: false },
      ],
    );
    assert.equal(ext.calls.length, 2, 'no turn rewrite and no expiry update the second time');
    assert.deepEqual(snapshot(), before, 'the session and turn rows are unchanged');
  } finally {
    await store.close();
  }
});
