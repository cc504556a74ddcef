import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startTestRedis, type PrivateRedis } from '../redis/index.js';
import {
  BUILTIN_TOOLS,
  ToolQueue,
  ToolRegistry,
  ToolWorker,
  type ToolConfig,
  type ToolOutcome,
  type ToolQueueOptions,
  type ToolWorkerOptions,
  type WebhookToolConfig,
} from './index.js';
import { JobSealer } from './job-sealer.js';
import { startTestWebhookServer, type TestWebhookServer } from './test-webhook-server.js';

let redis: PrivateRedis;
let server: TestWebhookServer;
before(async () => {
  redis = await startTestRedis();
  server = await startTestWebhookServer();
});
after(async () => {
  await server.close();
  await redis.stop();
});

let queueSeq = 0;

function webhookTool(name: string, extra: Partial<WebhookToolConfig> = {}): WebhookToolConfig {
  return {
    kind: 'webhook',
    name,
    description: `the ${name} tool`,
    parameters: {
      type: 'object',
      properties: { item: { type: 'string', minLength: 1 } },
      required: ['item'],
      additionalProperties: false,
    },
    result: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] },
    webhook: { url: `${server.url}/${name}`, headers: { Authorization: 'Bearer ${TEST_TOOL_TOKEN}' } },
    timeoutMs: 3000,
    ...extra,
  };
}

/** a counter endpoint: every hit answers {n: <hits so far>} */
function counting(path: string, delayMs = 0): void {
  server.on(path, () => ({ body: { n: server.hits(path).length }, delayMs }));
}

interface Rig {
  tools: ToolQueue;
  worker: ToolWorker | undefined;
  queueName: string;
  sealer: JobSealer;
  startWorker(extra?: Partial<ToolWorkerOptions>): Promise<ToolWorker>;
  counts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

async function rig(
  configs: ToolConfig[],
  opts: { queue?: Partial<ToolQueueOptions>; worker?: Partial<ToolWorkerOptions> | false } = {},
): Promise<Rig> {
  const registry = ToolRegistry.load(configs, { env: { TEST_TOOL_TOKEN: 'sekret' } });
  const queueName = `test-realtime-${++queueSeq}`;
  const sealer = new JobSealer();
  const tools = new ToolQueue({ registry, connection: redis.connection, queueName, sealer, ...opts.queue });
  await tools.ready();
  const r: Rig = {
    tools,
    worker: undefined,
    queueName,
    sealer,
    async startWorker(extra = {}) {
      const w = new ToolWorker({ registry, connection: redis.connection, queueName, concurrency: 4, sealer, ...extra });
      await w.ready();
      r.worker = w;
      return w;
    },
    async counts() {
      const q = new Queue(queueName, { connection: redis.connection });
      try {
        return await q.getJobCounts();
      } finally {
        await q.close();
      }
    },
    async close() {
      await Promise.allSettled([tools.close(), r.worker?.close()]);
    },
  };
  if (opts.worker !== false) await r.startWorker(opts.worker || {});
  return r;
}

const ctx = (key: string) => ({ sessionId: 'sess-1', turnId: 'turn-1', idempotencyKey: key, callId: 'call-7' });

test('a webhook tool runs through the queue: result back, headers and payload seen, outcome hooks told', async () => {
  counting('/lookup');
  const producerSeen: [string, ToolOutcome][] = [];
  const workerSeen: [string, ToolOutcome][] = [];
  const r = await rig([webhookTool('lookup')], {
    queue: { onOutcome: (t, o, ms) => (assert.ok(ms >= 0), producerSeen.push([t, o])) },
    worker: { onOutcome: (t, o) => workerSeen.push([t, o]) },
  });
  try {
    const out = await r.tools.run({ id: 'tc-1', name: 'lookup', arguments: { item: 'x' } }, ctx('sess-1:turn-1:tc-1'));
    assert.deepEqual(out, { ok: true, result: { n: 1 } });
    const [req] = server.hits('/lookup');
    assert.ok(req);
    assert.equal(req.headers['idempotency-key'], 'sess-1:turn-1:tc-1', 'the key with colons reaches the webhook as is');
    assert.equal(req.headers.authorization, 'Bearer sekret');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.deepEqual(req.body, {
      tool: 'lookup',
      arguments: { item: 'x' },
      sessionId: 'sess-1',
      callId: 'call-7',
      toolCallId: 'tc-1',
    });
    assert.deepEqual(producerSeen, [['lookup', out]]);
    assert.deepEqual(workerSeen, [['lookup', out]]);
  } finally {
    await r.close();
  }
});

test('arguments and results are sealed in Redis: what a caller said is not there in clear', async () => {
  counting('/secret');
  const r = await rig([webhookTool('secret')]);
  try {
    const out = await r.tools.run({ id: 'tc-s', name: 'secret', arguments: { item: 'two one two five five five zero one nine eight' } }, ctx('sess-s/tc-s'));
    assert.equal(out.ok, true);
    const client = new Redis(redis.connection);
    const keys = await client.keys(`bull:${r.queueName}:*`);
    let dump = '';
    for (const k of keys) if ((await client.type(k)) === 'hash') dump += JSON.stringify(await client.hgetall(k));
    client.disconnect();
    assert.ok(dump.includes('sealed'), 'the job is in Redis, sealed');
    assert.ok(!dump.includes('two one two'), 'no argument in clear');
    assert.ok(!dump.includes('"n":'), 'no result in clear');
  } finally {
    await r.close();
  }
});

test('invalid arguments are refused before the queue: nothing enqueued, webhook not hit', async () => {
  counting('/strict');
  const r = await rig([webhookTool('strict')]);
  try {
    const bad = await r.tools.run({ id: 'tc-1', name: 'strict', arguments: { item: '', extra: 1 } }, ctx('k-bad'));
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.error.code, 'invalid_args');
    assert.match(!bad.ok ? bad.error.message : '', /arguments\.item: must NOT have fewer than 1 characters/);
    assert.match(!bad.ok ? bad.error.message : '', /unexpected property 'extra'/);
    const unknown = await r.tools.run({ id: 'tc-2', name: 'nope', arguments: {} }, ctx('k-unknown'));
    assert.equal(!unknown.ok && unknown.error.code, 'invalid_args');
    assert.match(!unknown.ok ? unknown.error.message : '', /unknown tool "nope"/);
    const counts = await r.counts();
    assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), 0, `no job in any state: ${JSON.stringify(counts)}`);
    assert.equal(server.hits('/strict').length, 0);
  } finally {
    await r.close();
  }
});

test('a result that does not match the result schema → invalid_result', async () => {
  server.on('/shape', () => ({ body: { n: 'one' } }));
  const r = await rig([webhookTool('shape')]);
  try {
    const out = await r.tools.run({ id: 'tc-1', name: 'shape', arguments: { item: 'x' } }, ctx('k-shape'));
    assert.equal(!out.ok && out.error.code, 'invalid_result');
    assert.match(!out.ok ? out.error.message : '', /result\.n: must be integer/);
  } finally {
    await r.close();
  }
});

test('same idempotency key twice in a row → webhook hit once, both callers get the same result', async () => {
  counting('/book');
  const r = await rig([webhookTool('book')]);
  try {
    const call = { id: 'tc-1', name: 'book', arguments: { item: 'x' } };
    const first = await r.tools.run(call, ctx('sess-1/tc-1'));
    const second = await r.tools.run(call, ctx('sess-1/tc-1'));
    assert.deepEqual(first, { ok: true, result: { n: 1 } });
    assert.deepEqual(second, first);
    assert.equal(server.hits('/book').length, 1);
    const other = await r.tools.run({ ...call, id: 'tc-2' }, ctx('sess-1/tc-2'));
    assert.deepEqual(other, { ok: true, result: { n: 2 } }, 'another key runs again');
  } finally {
    await r.close();
  }
});

test('same idempotency key from concurrent callers (and two producers) → one webhook hit, one result', async () => {
  counting('/concurrent', 200);
  const r = await rig([webhookTool('concurrent')]);
  const registry = ToolRegistry.load([webhookTool('concurrent')], { env: { TEST_TOOL_TOKEN: 'sekret' } });
  const producer2 = new ToolQueue({ registry, connection: redis.connection, queueName: r.queueName, sealer: r.sealer });
  try {
    const call = { id: 'tc-1', name: 'concurrent', arguments: { item: 'x' } };
    const outs = await Promise.all([
      r.tools.run(call, ctx('c:1')),
      r.tools.run(call, ctx('c:1')),
      producer2.run(call, ctx('c:1')),
    ]);
    for (const o of outs) assert.deepEqual(o, { ok: true, result: { n: 1 } });
    assert.equal(server.hits('/concurrent').length, 1);
  } finally {
    await producer2.close();
    await r.close();
  }
});

test('a webhook slower than the tool timeout → timeout; a retry with the same key gets the stored outcome', async () => {
  counting('/slow', 1500);
  const r = await rig([webhookTool('slow', { timeoutMs: 300 })]);
  try {
    const call = { id: 'tc-1', name: 'slow', arguments: { item: 'x' } };
    const out = await r.tools.run(call, ctx('k-slow'));
    assert.equal(!out.ok && out.error.code, 'timeout');
    const again = await r.tools.run(call, ctx('k-slow'));
    assert.equal(!again.ok && again.error.code, 'timeout');
    assert.equal(server.hits('/slow').length, 1);
  } finally {
    await r.close();
  }
});

test('HTTP 500 → http_error', async () => {
  server.on('/broken', () => ({ status: 500, body: { error: 'kaput' } }));
  const r = await rig([webhookTool('broken')]);
  try {
    const out = await r.tools.run({ id: 'tc-1', name: 'broken', arguments: { item: 'x' } }, ctx('k-500'));
    assert.deepEqual(out, { ok: false, error: { code: 'http_error', message: 'broken: webhook answered HTTP 500' } });
  } finally {
    await r.close();
  }
});

test('the circuit opens after N failures: circuit_open without enqueueing; a trial after openMs closes it', async () => {
  let status = 500;
  server.on('/flaky', () => ({ status, body: { n: 1 } }));
  let clock = 1_000;
  const changes: string[] = [];
  const r = await rig([webhookTool('flaky', { breaker: { failureThreshold: 2, openMs: 5000 } })], {
    queue: { now: () => clock, onBreakerStateChange: (t, s, p) => changes.push(`${t}:${p}->${s}`) },
  });
  try {
    const run = (id: string) => r.tools.run({ id, name: 'flaky', arguments: { item: 'x' } }, ctx(`k-flaky-${id}`));
    assert.equal(((await run('1')) as { error: { code: string } }).error.code, 'http_error');
    assert.equal(((await run('2')) as { error: { code: string } }).error.code, 'http_error');
    assert.equal(r.tools.breakerState('flaky'), 'open');
    const refused = await run('3');
    assert.equal(!refused.ok && refused.error.code, 'circuit_open');
    assert.equal(server.hits('/flaky').length, 2, 'the open circuit did not hit the webhook');
    assert.equal((await r.counts()).completed, 2, 'and enqueued nothing');

    status = 200;
    clock += 5000;
    assert.deepEqual(await run('4'), { ok: true, result: { n: 1 } });
    assert.equal(r.tools.breakerState('flaky'), 'closed');
    assert.deepEqual(changes, ['flaky:closed->open', 'flaky:open->half_open', 'flaky:half_open->closed']);
  } finally {
    await r.close();
  }
});

test('rate limit: calls beyond the burst fail fast with rate_limited, tokens refill with time', async () => {
  counting('/limited');
  let clock = 0;
  const r = await rig([webhookTool('limited', { rateLimit: { perSecond: 2, burst: 2 } })], { queue: { now: () => clock } });
  try {
    const run = (id: string) => r.tools.run({ id, name: 'limited', arguments: { item: 'x' } }, ctx(`k-lim-${id}`));
    assert.equal((await run('1')).ok, true);
    assert.equal((await run('2')).ok, true);
    const limited = await run('3');
    assert.equal(!limited.ok && limited.error.code, 'rate_limited');
    assert.equal(server.hits('/limited').length, 2);
    clock += 500; // one token back at 2/s
    assert.equal((await run('4')).ok, true);
    assert.equal(!(await run('5')).ok, true);
    assert.equal(server.hits('/limited').length, 3);
  } finally {
    await r.close();
  }
});

test('built-ins return actions for the session; their args are validated; nothing is enqueued', async () => {
  const r = await rig([...BUILTIN_TOOLS]);
  try {
    assert.deepEqual(
      await r.tools.run({ id: 'a', name: 'transfer_call', arguments: { reason: 'asked for a human' } }, ctx('b1')),
      { ok: true, action: { type: 'transfer', reason: 'asked for a human' } },
    );
    assert.deepEqual(await r.tools.run({ id: 'b', name: 'end_call', arguments: {} }, ctx('b2')), {
      ok: true,
      action: { type: 'end' },
    });
    const bad = await r.tools.run({ id: 'c', name: 'end_call', arguments: { reason: 42 } }, ctx('b3'));
    assert.equal(!bad.ok && bad.error.code, 'invalid_args');
    assert.equal(Object.values(await r.counts()).reduce((a, b) => a + b, 0), 0);
  } finally {
    await r.close();
  }
});

test("the caller's signal aborts the wait with an AbortError", async () => {
  counting('/abortable', 1000);
  const r = await rig([webhookTool('abortable')]);
  try {
    const ac = new AbortController();
    const p = r.tools.run({ id: 'tc-1', name: 'abortable', arguments: { item: 'x' } }, ctx('k-abort'), ac.signal);
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(p, (err: Error) => err.name === 'AbortError');
    const pre = new AbortController();
    pre.abort();
    await assert.rejects(
      r.tools.run({ id: 'tc-2', name: 'abortable', arguments: { item: 'x' } }, ctx('k-abort-2'), pre.signal),
      (err: Error) => err.name === 'AbortError',
    );
  } finally {
    await r.close();
  }
});

test('a job whose caller stopped waiting is not run when a worker finally takes it', async () => {
  counting('/late');
  const r = await rig([webhookTool('late', { timeoutMs: 200 })], { worker: false });
  try {
    const call = { id: 'tc-1', name: 'late', arguments: { item: 'x' } };
    const out = await r.tools.run(call, ctx('k-late'));
    assert.equal(!out.ok && out.error.code, 'timeout');
    assert.equal((await r.counts()).waiting, 1);
    await r.startWorker();
    let counts = await r.counts();
    for (let i = 0; i < 100 && counts.completed !== 1; i++) {
      await new Promise((res) => setTimeout(res, 30));
      counts = await r.counts();
    }
    assert.equal(counts.completed, 1);
    assert.equal(server.hits('/late').length, 0, 'the expired job did not hit the webhook');
    const again = await r.tools.run(call, ctx('k-late'));
    assert.match(!again.ok ? again.error.message : '', /caller stopped waiting/);
  } finally {
    await r.close();
  }
});

test('a job queued before a Redis restart is run afterwards and its caller gets the result', async () => {
  counting('/durable');
  const r = await rig([webhookTool('durable', { timeoutMs: 10_000 })], { worker: false });
  try {
    const p = r.tools.run({ id: 'tc-1', name: 'durable', arguments: { item: 'x' } }, ctx('k-durable'));
    let counts = await r.counts();
    for (let i = 0; i < 100 && counts.waiting !== 1; i++) {
      await new Promise((res) => setTimeout(res, 20));
      counts = await r.counts();
    }
    assert.equal(counts.waiting, 1);
    await redis.restart();
    assert.equal((await r.counts()).waiting, 1, 'still queued after the restart');
    await r.startWorker();
    assert.deepEqual(await p, { ok: true, result: { n: 1 } });
    assert.equal(server.hits('/durable').length, 1);
  } finally {
    await r.close();
  }
});

test('closing the producer settles runs still waiting with a failed outcome', async () => {
  const r = await rig([webhookTool('orphan', { timeoutMs: 10_000 })], { worker: false });
  const p = r.tools.run({ id: 'tc-1', name: 'orphan', arguments: { item: 'x' } }, ctx('k-orphan'));
  await new Promise((res) => setTimeout(res, 100));
  await r.close();
  const out = await p;
  assert.equal(!out.ok && out.error.code, 'failed');
  assert.match(!out.ok ? out.error.message : '', /closed while waiting/);
});
