/**
 * A Redis restart (clean, and a SIGKILL crash with `appendfsync always`) while post-call flows are queued and
 * one step is running loses no job: every flow completes once, and every result is written once.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { startTestRedis, type RedisPersistence } from '../redis/index.js';
import { waitFor } from '../testing/wait.js';
import { MemoryPostCallStore, POST_CALL_STEPS, PostCallFlows, PostCallWorker, type StepCompleted, type StepFailed } from './index.js';
import { bookingCall } from './test-calls.js';

const FLOWS = 6;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Scenario {
  persistence: RedisPersistence;
  /** 'restart': SIGTERM (AOF fsynced) and start; 'kill': SIGKILL, down for `downMs`, start */
  outage: 'restart' | 'kill';
  downMs?: number;
}

interface Outcome {
  enqueued: number;
  completedFlows: number;
  stepCompletions: number;
  duplicatedSteps: number;
  stalled: number;
  failedAttempts: StepFailed[];
  writes: Record<string, number>;
  jobCounts: Record<string, number>;
}

async function scenario(t: TestContext, s: Scenario): Promise<Outcome> {
  const redis = await startTestRedis({ persistence: s.persistence });
  const sessions = Array.from({ length: FLOWS }, (_, i) => `sess-restart-${i}`);
  const slow = sessions[0]!;
  let entered!: () => void;
  const enteredSlowStep = new Promise<void>((r) => (entered = r));
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let slowed = false;
  // the first session's summarize step holds just before its write until the outage is over
  const store = new MemoryPostCallStore({
    before: async (op, sessionId) => {
      if (op === 'setSummary' && sessionId === slow && !slowed) {
        slowed = true;
        entered();
        await gate;
      }
    },
  });
  for (const id of sessions) {
    const c = bookingCall(id);
    store.put(c.session, c.turns);
  }
  const completed: StepCompleted[] = [];
  const failed: StepFailed[] = [];
  const stalled: string[] = [];
  const errors: string[] = [];
  const queueName = 'test-batch-restart';
  const flows = new PostCallFlows({ connection: redis.connection, queueName, attempts: 5, backoffMs: 100, onError: (e) => errors.push(e.message) });
  let worker: PostCallWorker | undefined;
  try {
    await flows.ready();
    for (const id of sessions) assert.equal((await flows.enqueue(id)).created, true);
    const enqueuedAt = Date.now();
    worker = new PostCallWorker({
      connection: redis.connection,
      queueName,
      store,
      concurrency: 2,
      lockDurationMs: 1000,
      stalledIntervalMs: 300,
      onCompleted: (c) => completed.push(c),
      onFailed: (f) => failed.push(f),
      onStalled: (id) => stalled.push(id),
      onError: (e) => errors.push(e.message),
    });
    await worker.ready();
    await enteredSlowStep;
    // the AOF is fsynced every second: what was enqueued is on disk before the outage
    await sleep(Math.max(0, enqueuedAt + 1100 - Date.now()));
    if (s.outage === 'restart') {
      await redis.restart();
    } else {
      await redis.kill();
      await sleep(s.downMs ?? 0);
      await redis.start();
    }
    if (s.outage === 'kill') {
      // the slow step's lock expired while Redis was down: BullMQ finds the job stalled and hands it out again
      await waitFor(() => stalled.length > 0, 10_000, 'the interrupted step to be found stalled');
      // ... to this worker's other slot, while the first run still holds before its write: the second run must
      // wait for it (then finds the summary written) instead of writing a second time
      const deadline = Date.now() + 10_000;
      while ((await flows.status(slow))?.steps[1]?.state !== 'active' && Date.now() < deadline) await sleep(20);
      await sleep(300);
    }
    release();

    const deadline = Date.now() + 20_000;
    let done = 0;
    while (Date.now() < deadline) {
      const states = await Promise.all(sessions.map((id) => flows.status(id)));
      done = states.filter((st) => st?.state === 'completed').length;
      if (done === FLOWS || states.some((st) => st?.state === 'failed')) break;
      await sleep(50);
    }
    const perStep = new Map<string, number>();
    for (const c of completed) perStep.set(`${c.sessionId}/${c.step}`, (perStep.get(`${c.sessionId}/${c.step}`) ?? 0) + 1);
    const q = new Queue(queueName, { connection: redis.connection });
    const jobCounts = await q.getJobCounts();
    await q.close();
    const outcome: Outcome = {
      enqueued: sessions.length,
      completedFlows: done,
      stepCompletions: completed.length,
      duplicatedSteps: [...perStep.values()].filter((n) => n > 1).length,
      stalled: stalled.length,
      failedAttempts: failed,
      writes: Object.fromEntries(
        (['updateTurnText', 'setSummary', 'setAnalytics', 'markRetention'] as const).map((op) => [op, store.writeCount(op)]),
      ),
      jobCounts: Object.fromEntries(Object.entries(jobCounts).filter(([, n]) => n > 0)),
    };
    t.diagnostic(
      `${s.outage}: enqueued ${outcome.enqueued} flows, completed ${outcome.completedFlows}, step completions ` +
        `${outcome.stepCompletions}, duplicated ${outcome.duplicatedSteps}, stalled ${outcome.stalled}, failed attempts ` +
        `${failed.length}, writes ${JSON.stringify(outcome.writes)}, jobs ${JSON.stringify(outcome.jobCounts)}, ` +
        `connection errors seen ${errors.length}`,
    );
    return outcome;
  } finally {
    release();
    await Promise.allSettled([flows.close(), worker?.close()]);
    await redis.stop();
  }
}

function assertNoLoss(o: Outcome): void {
  assert.equal(o.completedFlows, FLOWS, 'every flow completed');
  assert.equal(o.stepCompletions, FLOWS * POST_CALL_STEPS.length, 'every step completed once');
  assert.equal(o.duplicatedSteps, 0);
  assert.deepEqual(o.failedAttempts.map((f) => f.error.message), []);
  // each booking call has one turn with PII left: one rewrite, and one summary/analytics/retention write, per call
  assert.deepEqual(o.writes, { updateTurnText: FLOWS, setSummary: FLOWS, setAnalytics: FLOWS, markRetention: FLOWS });
  assert.deepEqual(o.jobCounts, { completed: FLOWS * POST_CALL_STEPS.length });
}

test('a clean Redis restart while flows are queued and a step runs: every flow completes once, written once', async (t) => {
  assertNoLoss(await scenario(t, { persistence: { appendfsync: 'everysec' }, outage: 'restart' }));
});

test('a Redis crash (SIGKILL, appendfsync always) outlasting the job lock: the stalled step runs again, writes once', async (t) => {
  const o = await scenario(t, { persistence: { appendfsync: 'always' }, outage: 'kill', downMs: 1300 });
  assertNoLoss(o);
  assert.ok(o.stalled >= 1, 'the interrupted step was found stalled and handed out again');
});

