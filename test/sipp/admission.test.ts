/**
 * Admission control: with maxConcurrentCalls = 1, a second call gets 503 with Retry-After; capacity comes back.
 * Draining (the rolling upgrade's admin endpoint) refuses new calls the same way until undrained.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Appliance } from './harness/appliance.js';
import { portPlan } from './harness/ports.js';
import { assertSippOk, call, describeRun, header, metricOrDiag, receivedResponses, startCall, tryMetrics } from './harness/fixture.js';

describe('admission control', () => {
  let app: Appliance;
  before(async () => {
    app = await Appliance.start({ ports: portPlan(4), admission: { maxConcurrentCalls: 1, retryAfterSeconds: 7 } });
  });
  after(async () => {
    assert.equal(await app?.stop(), 0, app?.logTail());
  });

  it('answers 503 with Retry-After while the one allowed call is up, then accepts calls again', async (t) => {
    const held = startCall(app, { scenario: 'hold-call.xml' });
    try {
      await held.waitForLog('established', 8000);
      const r = await call(app, { scenario: 'over-capacity.xml' });
      assertSippOk(r, app);
      const busy = receivedResponses(r, 'INVITE').find((m) => m.status === 503)!;
      assert.equal(header(busy, 'retry-after')?.split(/[\s;(]/)[0], '7', `Retry-After from admission.retryAfterSeconds\n${busy.raw}`);
    } finally {
      const h = await held.done;
      assertSippOk(h, app);
    }
    const again = await call(app, { scenario: 'pcma-only.xml' });
    assert.equal(again.code, 0, `a call after the held one ended must be admitted\n${describeRun(again, app.logTail())}`);
    const m = await tryMetrics(app, (d) => t.diagnostic(d));
    const rejected = metricOrDiag(m, 'callgate_admission_rejections_total', {}, (d) => t.diagnostic(d));
    if (rejected !== undefined) assert.ok(rejected >= 1);
  });

  it('drains for a rolling upgrade: /admin/drain refuses new calls with 503, /admin/undrain admits again', async () => {
    const admin = (path: string, method = 'POST') => fetch(app.metricsUrl.replace('/metrics', path), { method }).then(async (r) => ({ status: r.status, body: (await r.json()) as { activeCalls: number; draining: boolean } }));
    const health = await admin('/admin/health', 'GET');
    assert.deepEqual([health.status, health.body.draining, health.body.activeCalls], [200, false, 0]);
    assert.equal((await admin('/admin/drain')).body.draining, true);
    const refused = await call(app, { scenario: 'over-capacity.xml' });
    assertSippOk(refused, app);
    assert.ok(receivedResponses(refused, 'INVITE').some((m) => m.status === 503), 'a draining gateway answers 503');
    assert.equal((await admin('/admin/undrain')).body.draining, false);
    const admitted = await call(app, { scenario: 'pcma-only.xml' });
    assert.equal(admitted.code, 0, `admitted again after undrain\n${describeRun(admitted, app.logTail())}`);
    assert.equal((await admin('/admin/nothing')).status, 404);
  });
});
