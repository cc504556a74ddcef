import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestRedis, type PrivateRedis } from '../redis/index.js';
import {
  BUILTIN_TOOLS,
  ToolQueue,
  ToolRegistry,
  ToolWorker,
  demoTools,
  startDemoCalendar,
  type DemoCalendar,
} from './index.js';
import { JobSealer } from './job-sealer.js';

let redis: PrivateRedis;
let calendar: DemoCalendar;
const TOKEN = 'demo-token-123';

before(async () => {
  redis = await startTestRedis();
  calendar = await startDemoCalendar({ token: TOKEN });
});
after(async () => {
  await calendar.close();
  await redis.stop();
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${calendar.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}`, ...headers },
    body: JSON.stringify(body),
  });
}

test('the calendar checks the bearer token and books idempotently per Idempotency-Key', async () => {
  const unauth = await fetch(`${calendar.url}/bookings`, { headers: { Authorization: 'Bearer wrong' } });
  assert.equal(unauth.status, 401);

  const before = calendar.appointments().length;
  const args = { arguments: { day: 'monday', time: '09:30', name: 'Ann' }, sessionId: 's-direct' };
  const first = await post('/tools/book_appointment', args, { 'Idempotency-Key': 'direct-1' });
  assert.equal(first.status, 200);
  const booked = (await first.json()) as { reference: string; day: string; time: string; name: string };
  assert.match(booked.reference, /^A-\d{4}$/);
  assert.deepEqual({ ...booked, reference: undefined }, { reference: undefined, day: 'monday', time: '09:30', name: 'Ann' });

  const again = await post('/tools/book_appointment', args, { 'Idempotency-Key': 'direct-1' });
  assert.deepEqual(await again.json(), booked, 'same key → same booking');
  assert.equal(calendar.appointments().length, before + 1, 'counted once');

  const other = await post('/tools/book_appointment', args, { 'Idempotency-Key': 'direct-2' });
  assert.notEqual(((await other.json()) as { reference: string }).reference, booked.reference);

  const cb = await post('/tools/take_callback', { arguments: { phone: '+1 555 0100' } }, { 'Idempotency-Key': 'cb-1' });
  assert.match(((await cb.json()) as { reference: string }).reference, /^C-\d{4}$/);

  const list = (await (
    await fetch(`${calendar.url}/bookings`, { headers: { Authorization: `Bearer ${TOKEN}` } })
  ).json()) as { appointments: { reference: string }[]; callbacks: { phone: string }[] };
  assert.equal(list.appointments.length, before + 2);
  assert.ok(list.appointments.some((a) => a.reference === booked.reference));
  assert.deepEqual(list.callbacks.map((c) => c.phone), ['+1 555 0100']);

  assert.equal((await post('/tools/book_appointment', { arguments: { day: 'monday' } })).status, 422);
  assert.equal((await post('/tools/nothing', {})).status, 404);
});

test('the demo agent books through the realtime queue: one booking per tool call, retries included', async () => {
  const registry = ToolRegistry.load([...demoTools(calendar.url, { tokenEnv: 'DEMO_CAL_TOKEN' }), ...BUILTIN_TOOLS], {
    env: { DEMO_CAL_TOKEN: TOKEN },
  });
  const queueName = 'demo-calendar-test';
  const sealer = new JobSealer();
  const tools = new ToolQueue({ registry, connection: redis.connection, queueName, sealer });
  const worker = new ToolWorker({ registry, connection: redis.connection, queueName, concurrency: 2, sealer });
  try {
    await Promise.all([tools.ready(), worker.ready()]);
    const before = calendar.appointments().length;
    const call = { id: 'call_abc', name: 'book_appointment', arguments: { day: 'friday', time: '14:00' } };
    const ctx = { sessionId: 'sess-demo', turnId: 't3', idempotencyKey: 'sess-demo/call_abc' };
    const [a, b] = await Promise.all([tools.run(call, ctx), tools.run(call, ctx)]);
    const c = await tools.run(call, ctx);
    assert.equal(a.ok, true);
    assert.deepEqual(b, a);
    assert.deepEqual(c, a);
    const result = (a as { result: { reference: string; day: string; time: string } }).result;
    assert.equal(result.day, 'friday');
    assert.equal(result.time, '14:00');
    const made = calendar.appointments().slice(before);
    assert.equal(made.length, 1, 'booked once');
    assert.equal(made[0]?.reference, result.reference);
    assert.equal(made[0]?.sessionId, 'sess-demo');

    const invalid = await tools.run({ ...call, id: 'call_x', arguments: { day: 'sunday', time: '14:00' } }, {
      ...ctx,
      idempotencyKey: 'sess-demo/call_x',
    });
    assert.equal(!invalid.ok && invalid.error.code, 'invalid_args');
    assert.equal(calendar.appointments().length, before + 1);
  } finally {
    await Promise.allSettled([tools.close(), worker.close()]);
  }
});
