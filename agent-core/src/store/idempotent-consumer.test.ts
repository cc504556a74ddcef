import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdempotentConsumer } from './idempotent-consumer.js';

test('handles an id once; a redelivery is a duplicate', async () => {
  const seen: string[] = [];
  const c = new IdempotentConsumer<{ id: string; v: number }>((e) => void seen.push(`${e.id}:${e.v}`));
  assert.equal(await c.handle({ id: 'a', v: 1 }), 'handled');
  assert.equal(await c.handle({ id: 'a', v: 1 }), 'duplicate');
  assert.equal(await c.handle({ id: 'b', v: 2 }), 'handled');
  assert.deepEqual(seen, ['a:1', 'b:2']);
  assert.ok(c.has('a'));
});

test('a failed handler is not remembered: the redelivery runs it again', async () => {
  let calls = 0;
  const c = new IdempotentConsumer<{ id: string }>(async () => {
    calls++;
    if (calls === 1) throw new Error('downstream busy');
  });
  await assert.rejects(c.handle({ id: 'x' }), /downstream busy/);
  assert.equal(c.has('x'), false);
  assert.equal(await c.handle({ id: 'x' }), 'handled');
  assert.equal(calls, 2);
});

test('the same id twice at once runs the handler once', async () => {
  let calls = 0;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const c = new IdempotentConsumer<{ id: string }>(async () => {
    calls++;
    await gate;
  });
  const first = c.handle({ id: 'x' });
  const second = c.handle({ id: 'x' });
  release();
  assert.deepEqual(await Promise.all([first, second]), ['handled', 'duplicate']);
  assert.equal(calls, 1);
});

test('remembers at most maxRemembered ids, forgetting the oldest', async () => {
  const c = new IdempotentConsumer<{ id: string }>(() => undefined, { maxRemembered: 3 });
  for (const id of ['a', 'b', 'c', 'd']) await c.handle({ id });
  assert.equal(c.size, 3);
  assert.equal(c.has('a'), false);
  assert.equal(await c.handle({ id: 'd' }), 'duplicate');
  assert.equal(await c.handle({ id: 'a' }), 'handled', 'forgotten: handled again (the bound is the trade-off)');
  assert.throws(() => new IdempotentConsumer(() => undefined, { maxRemembered: 0 }), /positive integer/);
});
