import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { silentLogger } from '@callgate/contracts';
import { GatewayMetrics } from '../metrics.js';
import { createAdmission } from '../middleware/admission.js';
import { FakeRequest, FakeResponse } from '../testing/fakes.js';
import { AdmissionController } from './controller.js';
import { TokenBucket } from './token-bucket.js';

function fakeClock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('token bucket', () => {
  it('allows a burst of one second, then refills at the rate', () => {
    const c = fakeClock();
    const b = new TokenBucket(5, c.now);
    for (let i = 0; i < 5; i++) assert.equal(b.tryTake(), true);
    assert.equal(b.tryTake(), false);
    c.advance(199);
    assert.equal(b.tryTake(), false);
    c.advance(1);
    assert.equal(b.tryTake(), true);
    c.advance(10_000);
    assert.equal(b.available(), 5, 'never above the burst');
  });

  it('supports fractional rates', () => {
    const c = fakeClock();
    const b = new TokenBucket(0.5, c.now);
    assert.equal(b.tryTake(), true, 'burst of at least one');
    assert.equal(b.tryTake(), false);
    c.advance(2000);
    assert.equal(b.tryTake(), true);
  });
});

describe('admission controller', () => {
  it('limits concurrency and frees a slot once per release', () => {
    const c = fakeClock();
    const a = new AdmissionController({ maxConcurrentCalls: 2, maxCallsPerSecond: 100 }, c.now);
    const r1 = a.tryAdmit();
    const r2 = a.tryAdmit();
    assert.ok(r1.admitted && r2.admitted);
    assert.deepEqual(a.tryAdmit(), { admitted: false, reason: 'concurrency' });
    r1.ticket.release();
    r1.ticket.release();
    assert.equal(a.inUse, 1, 'release is idempotent');
    assert.equal(a.tryAdmit().admitted, true);
  });

  it('limits the call rate without touching admitted calls', () => {
    const c = fakeClock();
    const a = new AdmissionController({ maxConcurrentCalls: 100, maxCallsPerSecond: 2 }, c.now);
    assert.equal(a.tryAdmit().admitted, true);
    assert.equal(a.tryAdmit().admitted, true);
    assert.deepEqual(a.tryAdmit(), { admitted: false, reason: 'rate' });
    assert.equal(a.inUse, 2);
    c.advance(500);
    assert.equal(a.tryAdmit().admitted, true);
  });

  it('does not spend a rate token on a call refused for concurrency', () => {
    const c = fakeClock();
    const a = new AdmissionController({ maxConcurrentCalls: 1, maxCallsPerSecond: 2 }, c.now);
    const first = a.tryAdmit();
    assert.ok(first.admitted);
    assert.equal(a.tryAdmit().admitted, false);
    first.ticket.release();
    assert.equal(a.tryAdmit().admitted, true, 'the second token is still there');
  });
});

describe('admission middleware', () => {
  function setup(limits = { maxConcurrentCalls: 1, maxCallsPerSecond: 100 }) {
    const registry = new Registry();
    const controller = new AdmissionController(limits, () => 0);
    const metrics = new GatewayMetrics(registry, () => controller.inUse);
    const mw = createAdmission({ controller, retryAfterSeconds: 7, metrics, logger: silentLogger });
    return { registry, controller, mw };
  }

  it('refuses with 503 and Retry-After when full, and counts the reason', async () => {
    const { registry, controller, mw } = setup();
    const req = new FakeRequest();
    let passed = false;
    mw(req, new FakeResponse(), () => (passed = true));
    assert.equal(passed, true);
    assert.ok(req.locals?.admission);
    const res2 = new FakeResponse();
    mw(new FakeRequest(), res2, () => assert.fail('must not pass'));
    assert.equal(res2.last?.status, 503);
    assert.equal(res2.last?.headers['Retry-After'], '7');
    assert.equal(controller.inUse, 1);
    const text = await registry.metrics();
    assert.match(text, /callgate_admission_rejections_total\{reason="concurrency"\} 1/);
    assert.match(text, /callgate_active_calls 1/);
  });

  it('releases the slot on a failure response and on CANCEL, not on 200', () => {
    const { controller, mw } = setup({ maxConcurrentCalls: 5, maxCallsPerSecond: 100 });
    const failed = new FakeResponse();
    mw(new FakeRequest(), failed, () => {});
    failed.send(488, 'Not Acceptable Here');
    assert.equal(controller.inUse, 0);

    const cancelled = new FakeRequest();
    mw(cancelled, new FakeResponse(), () => {});
    assert.equal(controller.inUse, 1);
    cancelled.emit('cancel');
    assert.equal(controller.inUse, 0);

    const ok = new FakeResponse();
    const req = new FakeRequest();
    mw(req, ok, () => {});
    ok.send(200, 'OK');
    assert.equal(controller.inUse, 1, 'an answered call keeps its slot until it ends');
    req.locals?.admission?.release();
    assert.equal(controller.inUse, 0);
  });
});

test('draining refuses every new call, keeps the admitted ones, and admits again when undrained', () => {
  const c = new AdmissionController({ maxConcurrentCalls: 10, maxCallsPerSecond: 100 }, () => 0);
  const first = c.tryAdmit();
  assert.ok(first.admitted);
  c.draining = true;
  assert.deepEqual(c.tryAdmit(), { admitted: false, reason: 'draining' });
  assert.equal(c.inUse, 1, 'the call in progress is untouched');
  if (first.admitted) first.ticket.release();
  assert.equal(c.inUse, 0);
  c.draining = false;
  assert.equal(c.tryAdmit().admitted, true);
});
