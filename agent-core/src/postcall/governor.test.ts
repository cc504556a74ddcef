import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { startTestRedis, type PrivateRedis } from '../redis/index.js';
import { waitFor } from '../testing/wait.js';
import {
  BatchGovernor,
  MemoryPostCallStore,
  PostCallFlows,
  PostCallWorker,
  queueLag,
  type GovernorState,
  type RealtimeLag,
  type StepCompleted,
  type Yieldable,
} from './index.js';
import { shortCall } from './test-calls.js';

let redis: PrivateRedis;
before(async () => {
  redis = await startTestRedis();
});
after(async () => {
  await redis.stop();
});

class FakeTarget implements Yieldable {
  readonly calls: string[] = [];
  async pause(): Promise<void> {
    this.calls.push('pause');
  }
  async resume(): Promise<void> {
    this.calls.push('resume');
  }
}

interface Harness {
  gov: BatchGovernor;
  target: FakeTarget;
  changes: Array<[GovernorState['mode'], GovernorState['mode'], string[]]>;
  set(live: number, lag?: Partial<RealtimeLag> | Error): Promise<GovernorState>;
}

function harness(extra: { maxRealtimeWaiting?: number; resumeRatio?: number; onError?: (e: Error) => void } = {}): Harness {
  let live = 0;
  let lag: RealtimeLag | Error = { waiting: 0, oldestWaitingMs: 0 };
  const target = new FakeTarget();
  const gov = new BatchGovernor({
    target,
    liveCalls: () => live,
    realtimeLag: async () => {
      if (lag instanceof Error) throw lag;
      return lag;
    },
    maxLiveCalls: 5,
    maxRealtimeLagMs: 1000,
    ...extra,
  });
  const h: Harness = {
    gov,
    target,
    changes: [],
    async set(l, g) {
      live = l;
      if (g instanceof Error) lag = g;
      else if (g) lag = { waiting: 0, oldestWaitingMs: 0, ...g };
      const s = await gov.check();
      await gov.settled();
      return s;
    },
  };
  gov.on('change', (s, p) => h.changes.push([p.mode, s.mode, s.reasons]));
  return h;
}

test('live calls at the threshold yield; the worker resumes only below 80 % of it (hysteresis)', async () => {
  const h = harness();
  assert.equal((await h.set(4)).mode, 'running');
  const y = await h.set(5);
  assert.equal(y.mode, 'yielding');
  assert.deepEqual(y.reasons, ['live_calls']);
  assert.equal(y.liveCalls, 5);
  assert.equal((await h.set(4)).mode, 'yielding', '4 is not below 80 % of 5');
  assert.equal((await h.set(6)).mode, 'yielding');
  const r = await h.set(3);
  assert.equal(r.mode, 'running');
  assert.deepEqual(r.reasons, []);
  assert.deepEqual(h.target.calls, ['pause', 'resume']);
  assert.deepEqual(h.changes, [
    ['running', 'yielding', ['live_calls']],
    ['yielding', 'running', []],
  ]);
});

test('realtime lag and backlog yield too; resuming needs every input below its resume level', async () => {
  const h = harness({ maxRealtimeWaiting: 10 });
  assert.deepEqual((await h.set(0, { oldestWaitingMs: 1000, waiting: 1 })).reasons, ['realtime_lag']);
  // the lag fell below 80 %, but now the calls hold the yield
  const held = await h.set(4, { oldestWaitingMs: 500, waiting: 1 });
  assert.equal(held.mode, 'yielding');
  assert.deepEqual(held.reasons, ['live_calls']);
  assert.equal((await h.set(1, { oldestWaitingMs: 799, waiting: 1 })).mode, 'running');
  const backlog = await h.set(0, { oldestWaitingMs: 10, waiting: 10 });
  assert.deepEqual([backlog.mode, backlog.reasons], ['yielding', ['realtime_backlog']]);
  assert.equal(backlog.realtimeWaiting, 10);
  const all = await h.set(9, { oldestWaitingMs: 5000, waiting: 30 });
  assert.deepEqual(all.reasons, ['live_calls', 'realtime_lag', 'realtime_backlog']);
  assert.equal((await h.set(0, { oldestWaitingMs: 0, waiting: 7 })).mode, 'running');
  assert.deepEqual(h.target.calls, ['pause', 'resume', 'pause', 'resume']);
});

test('an unreadable realtime queue never resumes a yielding worker, and is reported', async () => {
  const errors: string[] = [];
  const h = harness({ onError: (e) => errors.push(e.message) });
  await h.set(5);
  const s = await h.set(0, new Error('connection refused'));
  assert.equal(s.mode, 'yielding');
  assert.equal(s.error, 'connection refused');
  assert.deepEqual(errors, ['connection refused']);
  const ok = await h.set(0, { oldestWaitingMs: 0 });
  assert.equal(ok.mode, 'running');
  assert.equal(ok.error, undefined);
  // while running, the live calls alone still preempt when the queue cannot be read
  assert.equal((await h.set(7, new Error('connection refused'))).mode, 'yielding');
});

test('thresholds are validated', () => {
  const base = { target: new FakeTarget(), liveCalls: () => 0, realtimeLag: async () => ({ waiting: 0, oldestWaitingMs: 0 }) };
  assert.throws(() => new BatchGovernor({ ...base, maxLiveCalls: 0, maxRealtimeLagMs: 1 }), /maxLiveCalls must be > 0/);
  assert.throws(() => new BatchGovernor({ ...base, maxLiveCalls: 1, maxRealtimeLagMs: 1, resumeRatio: 1.5 }), /resumeRatio/);
  assert.throws(() => new BatchGovernor({ target: base.target, liveCalls: () => 0, maxLiveCalls: 1, maxRealtimeLagMs: 1 }), /realtimeLag or connection/);
});

test('the realtime lag read from a BullMQ queue: waiting count and the oldest waiting job’s age', async () => {
  const q = new Queue('test-lag-1', { connection: redis.connection });
  try {
    assert.deepEqual(await queueLag(q, 1_000_000), { waiting: 0, oldestWaitingMs: 0 });
    const now = Date.now();
    await q.add('t', {}, { timestamp: now - 4000 });
    await q.add('t', {}, { timestamp: now - 9000 });
    await q.add('t', {}, { timestamp: now - 1000 });
    // the age is that of the job first in line (the first added), whatever the others' timestamps
    assert.deepEqual(await queueLag(q, now), { waiting: 3, oldestWaitingMs: 4000 });
  } finally {
    await q.obliterate({ force: true });
    await q.close();
  }
});

test('a live burst pauses the batch worker, and batch flows wait until it is over', async () => {
  const realtimeName = 'test-realtime-gov';
  const batchName = 'test-batch-gov';
  const store = new MemoryPostCallStore();
  const completed: StepCompleted[] = [];
  const flows = new PostCallFlows({ connection: redis.connection, queueName: batchName });
  const worker = new PostCallWorker({ connection: redis.connection, queueName: batchName, store, onCompleted: (c) => completed.push(c) });
  const realtime = new Queue(realtimeName, { connection: redis.connection });
  let live = 0;
  const gov = new BatchGovernor({
    target: worker,
    liveCalls: () => live,
    maxLiveCalls: 5,
    maxRealtimeLagMs: 2000,
    connection: redis.connection,
    realtimeQueueName: realtimeName,
    intervalMs: 20,
    resumeAfterChecks: 3,
  });
  const modes: string[] = [];
  gov.on('change', (s) => modes.push(`${s.mode}:${s.reasons.join(',')}`));
  try {
    await Promise.all([flows.ready(), worker.ready()]);
    gov.start();

    // a realtime job nobody has taken for 5 s: batch yields
    await realtime.add('lookup', {}, { timestamp: Date.now() - 5000 });
    await waitFor(() => worker.paused, 3000, 'the worker to yield to the realtime lag');
    assert.equal(gov.state.mode, 'yielding');
    assert.deepEqual(gov.state.reasons, ['realtime_lag']);

    for (const id of ['sess-g1', 'sess-g2']) {
      const c = shortCall(id);
      store.put(c.session, c.turns);
      await flows.enqueue(id);
    }
    // calls start too; the realtime queue drains, but the calls hold the yield
    live = 5;
    await realtime.drain();
    await waitFor(() => gov.state.reasons.join() === 'live_calls', 3000, 'the calls to hold the yield');
    assert.equal(completed.length, 0, `no batch step ran while yielding: ${JSON.stringify(completed)} ${JSON.stringify(modes)}`);
    assert.equal((await flows.status('sess-g1'))?.state, 'waiting');

    live = 4; // not below 80 % of 5
    await gov.check();
    assert.equal(gov.state.mode, 'yielding');
    live = 3;
    await waitFor(() => !worker.paused, 3000, 'the worker to resume');
    await waitFor(() => completed.length === 8, 8000, 'both flows to complete');
    assert.equal((await flows.status('sess-g2'))?.state, 'completed');
    assert.deepEqual(modes, ['yielding:realtime_lag', 'running:']);
  } finally {
    await gov.stop();
    await Promise.allSettled([flows.close(), worker.close(), realtime.obliterate({ force: true }).then(() => realtime.close())]);
  }
});

test('a job taken just as the worker yields is put back as delayed without using an attempt', async () => {
  const store = new MemoryPostCallStore();
  const batchName = 'test-batch-yield-race';
  const flows = new PostCallFlows({ connection: redis.connection, queueName: batchName, attempts: 1 });
  const worker = new PostCallWorker({ connection: redis.connection, queueName: batchName, store, yieldDelayMs: 200 });
  try {
    await Promise.all([flows.ready(), worker.ready()]);
    // the moment between BullMQ handing out a job and the pause taking effect, held open
    (worker as unknown as { yielding: boolean }).yielding = true;
    const c = shortCall('sess-race');
    store.put(c.session, c.turns);
    await flows.enqueue('sess-race');
    const deadline = Date.now() + 3000;
    let s = await flows.status('sess-race');
    while (s?.steps[0]?.state !== 'delayed' && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 10));
      s = await flows.status('sess-race');
    }
    assert.equal(s?.steps[0]?.state, 'delayed', JSON.stringify(s));
    assert.equal(s?.state, 'waiting');
    assert.equal(s?.attempts, 0);
    (worker as unknown as { yielding: boolean }).yielding = false;
    const done = await waitForCompleted(flows, 'sess-race');
    assert.deepEqual(done.steps.map((x) => x.attempts), [1, 1, 1, 1], 'one attempt each (attempts: 1 would have failed otherwise)');
  } finally {
    await Promise.allSettled([flows.close(), worker.close()]);
  }
});

async function waitForCompleted(flows: PostCallFlows, sessionId: string) {
  const deadline = Date.now() + 8000;
  while (Date.now() < deadline) {
    const s = await flows.status(sessionId);
    if (s?.state === 'completed') return s;
    if (s?.state === 'failed') throw new Error(`flow failed: ${JSON.stringify(s)}`);
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`flow of ${sessionId} did not complete`);
}
