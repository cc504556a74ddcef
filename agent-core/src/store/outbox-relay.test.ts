import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutboxRelay, type OutboxStore } from './outbox-relay.js';
import type { OutboxEntry } from './port.js';

/** An in-memory outbox: enough to test the relay's own rules (the stores are tested by the contract suite). */
function memoryOutbox(ids: string[]): OutboxStore & { published: Map<string, number>; failures: Map<string, string[]>; failList: boolean } {
  const entries: OutboxEntry[] = ids.map((id, i) => {
    const [sessionId = 's', seq = '1', index = '0'] = id.split('/');
    return { id, sessionId, turnSeq: Number(seq), index: Number(index), topic: 't', payload: i, createdAt: i, attempts: 0, expiresAt: 1e12 };
  });
  const published = new Map<string, number>();
  const failures = new Map<string, string[]>();
  const box = {
    published,
    failures,
    failList: false,
    async listPendingOutbox(limit: number) {
      if (box.failList) throw new Error('store: listPendingOutbox: MongoDB unreachable');
      return entries.filter((e) => !published.has(e.id)).slice(0, limit);
    },
    async markOutboxPublished(id: string, at: number) {
      if (!published.has(id)) published.set(id, at);
    },
    async recordOutboxFailure(id: string, error: string) {
      failures.set(id, [...(failures.get(id) ?? []), error]);
    },
  };
  return box;
}

test('a publish that never settles counts as failed after publishTimeoutMs and is not marked', async () => {
  const box = memoryOutbox(['s/1/0', 's/1/1']);
  const relay = new OutboxRelay(box, { publishTimeoutMs: 10, publish: (e) => (e.id === 's/1/0' ? new Promise<void>(() => undefined) : Promise.resolve()) });
  assert.deepEqual(await relay.runOnce(), { published: 0, failed: 1, deferred: 1 });
  assert.equal(box.published.size, 0);
  assert.match(box.failures.get('s/1/0')?.[0] ?? '', /did not settle within 10 ms/);
});

test('a publish that throws synchronously is a failure like any other', async () => {
  const box = memoryOutbox(['s/1/0']);
  const relay = new OutboxRelay(box, {
    publish: () => {
      throw new Error('sync boom');
    },
  });
  assert.deepEqual(await relay.runOnce(), { published: 0, failed: 1, deferred: 0 });
  assert.deepEqual(box.failures.get('s/1/0'), ['sync boom']);
});

test('batchSize bounds a pass; drain goes on until nothing is left', async () => {
  const box = memoryOutbox(['a/1/0', 'a/1/1', 'b/1/0', 'a/2/0', 'c/1/0']);
  const got: string[] = [];
  const relay = new OutboxRelay(box, { batchSize: 2, publish: async (e) => void got.push(e.id) });
  assert.deepEqual(await relay.runOnce(), { published: 2, failed: 0, deferred: 0 });
  assert.equal((await relay.drain()).published, 3);
  assert.deepEqual(got, ['a/1/0', 'a/1/1', 'b/1/0', 'a/2/0', 'c/1/0']);
});

test('backoff doubles from initialBackoffMs up to maxBackoffMs, with jitter in the upper half', () => {
  const relay = new OutboxRelay(memoryOutbox([]), { initialBackoffMs: 100, maxBackoffMs: 1000, publish: async () => undefined });
  assert.equal(relay.backoffMs(0), 0);
  for (let i = 0; i < 50; i++) {
    const one = relay.backoffMs(1);
    assert.ok(one >= 50 && one <= 100, `1 failure: ${one}`);
    const three = relay.backoffMs(3);
    assert.ok(three >= 200 && three <= 400, `3 failures: ${three}`);
    const many = relay.backoffMs(40);
    assert.ok(many >= 500 && many <= 1000, `capped: ${many}`);
  }
});

test('the loop retries after failures (store down, then publish failing) and delivers everything once both recover', async () => {
  const box = memoryOutbox(['s/1/0', 's/1/1', 't/1/0']);
  box.failList = true;
  let brokerUp = false;
  const errors: string[] = [];
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  const relay = new OutboxRelay(box, {
    initialBackoffMs: 2,
    maxBackoffMs: 10,
    pollIntervalMs: 2,
    publish: async (e) => {
      if (!brokerUp && e.sessionId === 's') throw new Error('broker down');
      if (box.published.size === 2) done();
    },
    onError: (err) => {
      errors.push((err as Error).message);
      if (errors.length === 2) box.failList = false;
      if (errors.filter((m) => m === 'broker down').length === 2) brokerUp = true;
    },
  });
  relay.start();
  relay.start();
  await finished;
  await relay.stop();
  assert.deepEqual([...box.published.keys()].sort(), ['s/1/0', 's/1/1', 't/1/0']);
  assert.ok(errors.includes('store: listPendingOutbox: MongoDB unreachable'));
  assert.equal(box.failures.get('s/1/1'), undefined, 'the later entry of a failing session was never tried out of order');
});
