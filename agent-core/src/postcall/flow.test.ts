import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { startTestRedis, type PrivateRedis } from '../redis/index.js';
import { waitFor } from '../testing/wait.js';
import {
  DEFAULT_RETENTION_POLICY,
  MemoryPostCallStore,
  PostCallFlows,
  PostCallWorker,
  postCallJobId,
  type MemoryPostCallStoreOptions,
  type PostCallFlowsOptions,
  type PostCallStatus,
  type PostCallWorkerOptions,
  type StepCompleted,
  type StepFailed,
} from './index.js';
import { bookingCall, shortCall } from './test-calls.js';

let redis: PrivateRedis;
before(async () => {
  redis = await startTestRedis();
});
after(async () => {
  await redis.stop();
});

let queueSeq = 0;

interface Rig {
  flows: PostCallFlows;
  worker: PostCallWorker | undefined;
  store: MemoryPostCallStore;
  queueName: string;
  completed: StepCompleted[];
  failed: StepFailed[];
  startWorker(extra?: Partial<PostCallWorkerOptions>): Promise<PostCallWorker>;
  waitForState(sessionId: string, state: PostCallStatus['state'], timeoutMs?: number): Promise<PostCallStatus>;
  jobCount(): Promise<number>;
  close(): Promise<void>;
}

async function rig(
  opts: { flows?: Partial<PostCallFlowsOptions>; worker?: Partial<PostCallWorkerOptions> | false; store?: MemoryPostCallStoreOptions } = {},
): Promise<Rig> {
  const queueName = `test-batch-${++queueSeq}`;
  const store = new MemoryPostCallStore(opts.store);
  const flows = new PostCallFlows({ connection: redis.connection, queueName, backoffMs: 20, ...opts.flows });
  await flows.ready();
  const r: Rig = {
    flows,
    worker: undefined,
    store,
    queueName,
    completed: [],
    failed: [],
    async startWorker(extra = {}) {
      const w = new PostCallWorker({
        connection: redis.connection,
        queueName,
        store,
        concurrency: 4,
        onCompleted: (c) => r.completed.push(c),
        onFailed: (f) => r.failed.push(f),
        ...extra,
      });
      await w.ready();
      r.worker = w;
      return w;
    },
    async waitForState(sessionId, state, timeoutMs = 8000) {
      const deadline = Date.now() + timeoutMs;
      let last: PostCallStatus | undefined;
      while (Date.now() < deadline) {
        last = await flows.status(sessionId);
        if (last?.state === state) return last;
        await new Promise((res) => setTimeout(res, 20));
      }
      throw new Error(`flow of ${sessionId} not ${state} within ${timeoutMs} ms; last status ${JSON.stringify(last)}`);
    },
    async jobCount() {
      const q = new Queue(queueName, { connection: redis.connection });
      try {
        const counts = await q.getJobCounts();
        return Object.values(counts).reduce((a, b) => a + b, 0);
      } finally {
        await q.close();
      }
    },
    async close() {
      await Promise.allSettled([flows.close(), r.worker?.close()]);
    },
  };
  if (opts.worker !== false) await r.startWorker(opts.worker || {});
  return r;
}

const stepsOf = (r: Rig, sessionId: string): string[] => r.completed.filter((c) => c.sessionId === sessionId).map((c) => c.step);

test('one ended call runs redact → summarize → analytics → retention and writes each result once', async () => {
  const r = await rig();
  try {
    const { session, turns } = bookingCall('sess:1/booking');
    r.store.put(session, turns);
    const res = await r.flows.enqueue(session.sessionId);
    assert.deepEqual(res, { created: true, jobId: postCallJobId(session.sessionId, 'retention') });
    const status = await r.waitForState(session.sessionId, 'completed');
    assert.deepEqual(status, {
      state: 'completed',
      attempts: 4,
      steps: [
        { step: 'redact', state: 'completed', attempts: 1 },
        { step: 'summarize', state: 'completed', attempts: 1 },
        { step: 'analytics', state: 'completed', attempts: 1 },
        { step: 'retention', state: 'completed', attempts: 1 },
      ],
    });
    assert.deepEqual(stepsOf(r, session.sessionId), ['redact', 'summarize', 'analytics', 'retention']);
    const redactResult = r.completed.find((c) => c.step === 'redact')?.result;
    assert.deepEqual(redactResult, { step: 'redact', checked: 7, rewritten: 1, spans: 2 });

    // the belt-and-braces pass caught the name and number ingestion missed
    const stored = r.store.turns(session.sessionId);
    assert.equal(stored[3]!.text, 'Yes please. My name is [NAME] and my number is [PHONE_NUMBER].');
    assert.deepEqual(r.store.writes.filter((w) => w.op === 'updateTurnText'), [{ op: 'updateTurnText', sessionId: session.sessionId, seq: 3 }]);

    const post = r.store.postCall(session.sessionId);
    assert.equal(post.summary?.source, 'extractive');
    assert.match(post.summary?.text ?? '', /Booked Tuesday 10:00 \(ref A-1001\)\./);
    assert.doesNotMatch(post.summary?.text ?? '', /Karen|0134/);
    assert.equal(post.analytics?.turnCount, 7);
    assert.equal(post.analytics?.interruptions, 1);
    assert.deepEqual(post.retention, {
      audio: session.endedAt! + DEFAULT_RETENTION_POLICY.audio!,
      events: session.endedAt! + DEFAULT_RETENTION_POLICY.events!,
      turns: session.endedAt! + DEFAULT_RETENTION_POLICY.turns!,
      summary: session.endedAt! + DEFAULT_RETENTION_POLICY.summary!,
      analytics: session.endedAt! + DEFAULT_RETENTION_POLICY.analytics!,
    });
    for (const op of ['setSummary', 'setAnalytics', 'markRetention'] as const) assert.equal(r.store.writeCount(op), 1, op);
  } finally {
    await r.close();
  }
});

test('the same ended call enqueued twice (one after the other, and at once) makes one flow', async () => {
  const r = await rig({ worker: false });
  try {
    for (const id of ['sess-a', 'sess-b']) {
      const { session, turns } = shortCall(id);
      r.store.put(session, turns);
    }
    assert.equal((await r.flows.enqueue('sess-a')).created, true);
    assert.equal((await r.flows.enqueue('sess-a')).created, false);
    await Promise.all([r.flows.enqueue('sess-b'), r.flows.enqueue('sess-b'), r.flows.enqueue('sess-b')]);
    assert.equal(await r.jobCount(), 8, 'four jobs per session');
    const waiting = await r.flows.status('sess-a');
    assert.equal(waiting?.state, 'waiting');
    assert.equal(waiting?.step, 'redact');
    assert.equal(waiting?.attempts, 0);
    assert.deepEqual(waiting?.steps.map((s) => s.state), ['waiting', 'waiting-children', 'waiting-children', 'waiting-children']);
    assert.equal(await r.flows.status('sess-never'), undefined);

    await r.startWorker();
    await r.waitForState('sess-a', 'completed');
    await r.waitForState('sess-b', 'completed');
    assert.equal((await r.flows.enqueue('sess-a')).created, false, 'a completed flow is kept: enqueueing again adds nothing');
    assert.deepEqual(stepsOf(r, 'sess-a'), ['redact', 'summarize', 'analytics', 'retention']);
    assert.deepEqual(stepsOf(r, 'sess-b'), ['redact', 'summarize', 'analytics', 'retention']);
    assert.equal(r.store.writeCount('setSummary'), 2);
  } finally {
    await r.close();
  }
});

test('a failing step retries with backoff, then the flow is failed, visible and kept; retry() runs it again', async () => {
  let analyticsBroken = true;
  const r = await rig({
    flows: { attempts: 3, backoffMs: 30 },
    store: {
      before: (op) => {
        if (op === 'setAnalytics' && analyticsBroken) throw new Error('analytics table is read-only');
      },
    },
  });
  try {
    const { session, turns } = shortCall('sess-fail');
    r.store.put(session, turns);
    await r.flows.enqueue(session.sessionId);
    let failed = await r.waitForState(session.sessionId, 'failed');
    // the flow is failed as soon as its analytics step is; the retention step, which waits on it, fails a moment later
    for (const deadline = Date.now() + 2000; failed.steps.some((s) => s.state === 'active') && Date.now() < deadline; ) {
      await new Promise((res) => setTimeout(res, 20));
      failed = (await r.flows.status(session.sessionId)) ?? failed;
    }
    assert.equal(failed.step, 'analytics');
    assert.equal(failed.attempts, 3);
    assert.equal(failed.error, 'analytics table is read-only');
    assert.deepEqual(failed.steps.map((s) => s.state), ['completed', 'completed', 'failed', 'failed']);

    // the hook saw every attempt (only the last final), then the retention step failed because analytics did
    await waitFor(() => r.failed.length >= 4, 2000, `four failures: ${JSON.stringify(r.failed.map((f) => [f.step, f.attempts]))}`);
    assert.deepEqual(
      r.failed.map((f) => [f.sessionId, f.step, f.attempts, f.final, f.dependency, f.error.message]),
      [
        ['sess-fail', 'analytics', 1, false, false, 'analytics table is read-only'],
        ['sess-fail', 'analytics', 2, false, false, 'analytics table is read-only'],
        ['sess-fail', 'analytics', 3, true, false, 'analytics table is read-only'],
        ['sess-fail', 'retention', 1, true, true, `child bull:${r.queueName}:${postCallJobId('sess-fail', 'analytics')} failed`],
      ],
    );
    assert.equal(r.store.postCall(session.sessionId).retention, undefined, 'retention did not run after a failed step');
    assert.equal(await r.flows.retry('sess-nope'), false);

    analyticsBroken = false;
    assert.equal(await r.flows.retry(session.sessionId), true);
    await r.waitForState(session.sessionId, 'completed');
    // the retried flow ran every step again; the idempotent steps wrote only what was missing
    assert.equal(r.store.writeCount('setSummary'), 1);
    assert.equal(r.store.writeCount('setAnalytics'), 1);
    assert.equal(r.store.writeCount('markRetention'), 1);
  } finally {
    await r.close();
  }
});

test('a step that fails twice and then succeeds completes the flow; status shows the retry while it waits', async () => {
  let failures = 0;
  const r = await rig({
    flows: { attempts: 4, backoffMs: 20 },
    worker: false,
    store: {
      before: (op) => {
        if (op === 'setSummary' && failures < 2) {
          failures++;
          throw new Error(`summary store busy (${failures})`);
        }
      },
    },
  });
  try {
    // the worker pauses after the first failure, so the retry waits until the status was read
    const w = await r.startWorker({
      onFailed: (f) => {
        r.failed.push(f);
        if (f.attempts === 1) void w.pause();
      },
    });
    const { session, turns } = shortCall('sess-flaky');
    r.store.put(session, turns);
    await r.flows.enqueue(session.sessionId);
    await waitFor(() => r.failed.length === 1, 5000, 'the first failure');
    const retrying = await r.flows.status(session.sessionId);
    assert.equal(retrying?.state, 'waiting');
    assert.equal(retrying?.step, 'summarize');
    assert.equal(retrying?.attempts, 1);
    assert.equal(retrying?.error, 'summary store busy (1)');
    assert.deepEqual(retrying?.steps.map((s) => s.state), ['completed', 'delayed', 'waiting-children', 'waiting-children']);

    await w.resume();
    const done = await r.waitForState(session.sessionId, 'completed');
    assert.equal(done.steps[1]?.attempts, 3);
    assert.equal(done.attempts, 6);
    assert.equal(r.store.writeCount('setSummary'), 1);
    assert.deepEqual(
      r.failed.map((f) => [f.step, f.attempts, f.final]),
      [
        ['summarize', 1, false],
        ['summarize', 2, false],
      ],
    );
  } finally {
    await r.close();
  }
});

test('summarizeWithModel: the model’s summary, redacted; the extractive one when the model fails', async () => {
  let modelFails = false;
  const seen: string[][] = [];
  const r = await rig({
    worker: {
      summarizeWithModel: async (turns, session) => {
        seen.push(turns.map((t) => t.text));
        if (modelFails) throw new Error('model unavailable');
        return `The caller of ${session.agent} booked Tuesday 10:00. Their number is 415 555 0134.`;
      },
    },
  });
  try {
    const a = bookingCall('sess-model');
    r.store.put(a.session, a.turns);
    await r.flows.enqueue('sess-model');
    await r.waitForState('sess-model', 'completed');
    const summary = r.store.postCall('sess-model').summary;
    assert.deepEqual(summary, {
      source: 'model',
      text: 'The caller of front-desk booked Tuesday 10:00. Their number is [PHONE_NUMBER].',
      sentences: ['The caller of front-desk booked Tuesday 10:00.', 'Their number is [PHONE_NUMBER].'],
    });
    assert.ok(!seen[0]!.join(' ').includes('Karen'), 'the model gets the redacted turns');

    modelFails = true;
    const b = bookingCall('sess-model-down');
    r.store.put(b.session, b.turns);
    await r.flows.enqueue('sess-model-down');
    await r.waitForState('sess-model-down', 'completed');
    assert.equal(r.store.postCall('sess-model-down').summary?.source, 'extractive');
    const result = r.completed.find((c) => c.sessionId === 'sess-model-down' && c.step === 'summarize')?.result;
    assert.deepEqual(result, { step: 'summarize', source: 'extractive', sentences: 4, written: true, modelError: 'model unavailable' });
  } finally {
    await r.close();
  }
});

test('a session missing from the store fails the flow with a clear error (after its attempts)', async () => {
  const r = await rig({ flows: { attempts: 2, backoffMs: 10 } });
  try {
    await r.flows.enqueue('sess-ghost');
    const s = await r.waitForState('sess-ghost', 'failed');
    assert.equal(s.step, 'redact');
    assert.equal(s.error, 'session sess-ghost not found in the store');
    assert.equal(s.attempts, 2);
  } finally {
    await r.close();
  }
});

test('a paused worker takes no new flow; resumed, it runs it', async () => {
  const r = await rig();
  try {
    const w = r.worker!;
    await w.pause();
    assert.equal(w.paused, true);
    const { session, turns } = shortCall('sess-paused');
    r.store.put(session, turns);
    await r.flows.enqueue(session.sessionId);
    await new Promise((res) => setTimeout(res, 300));
    const s = await r.flows.status(session.sessionId);
    assert.equal(s?.state, 'waiting');
    assert.equal(s?.step, 'redact');
    assert.equal(r.completed.length, 0);
    await w.resume();
    await r.waitForState(session.sessionId, 'completed');
  } finally {
    await r.close();
  }
});
