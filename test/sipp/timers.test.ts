/**
 * Timer behaviour with short timers: edge.timers.t1 = 50 ms (64*T1 = 3.2 s), T2 = 400 ms.
 * - no ACK after 200: the 200 is retransmitted (T1 doubling, capped at T2) and after 64*T1 the appliance sends a
 *   BYE with a Reason header;
 * - gateway.maxCallSeconds = 2 (own appliance): the appliance hangs up with BYE after 2 s.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Appliance } from './harness/appliance.js';
import { portPlan } from './harness/ports.js';
import { assertSippOk, call, describeRun, header, receivedRequests, receivedResponses } from './harness/fixture.js';

describe('no ACK after 200 (t1 = 50 ms)', () => {
  let app: Appliance;
  before(async () => {
    app = await Appliance.start({ ports: portPlan(2), timers: { t1: 50, t2: 400 } });
  });
  after(async () => {
    assert.equal(await app?.stop(), 0, app?.logTail());
  });

  it('retransmits the 200 with doubling intervals, then sends BYE with a Reason header after 64*T1', async () => {
    const r = await call(app, { scenario: 'no-ack.xml', timeoutS: 20 });
    assertSippOk(r, app);
    const oks = receivedResponses(r, 'INVITE').filter((m) => m.status === 200);
    assert.ok(oks.length >= 5, `expected >= 5 copies of the 200 in 3.2 s, got ${oks.length}\n${describeRun(r)}`);
    const gaps = oks.slice(1).map((m, i) => m.at - oks[i]!.at);
    // 50, 100, 200, 400, 400...: each gap at least ~1.5x the previous until T2, never far above T2
    for (let i = 1; i < Math.min(gaps.length, 4); i++) {
      if (gaps[i - 1]! < 350) assert.ok(gaps[i]! >= gaps[i - 1]! * 1.5 - 15, `retransmit gaps should double: ${gaps.map(Math.round).join(', ')} ms`);
    }
    assert.ok(Math.max(...gaps) <= 400 + 150, `gaps capped at T2 = 400 ms: ${gaps.map(Math.round).join(', ')}`);
    const bye = receivedRequests(r, 'BYE')[0];
    assert.ok(bye, 'BYE from the appliance');
    assert.ok(header(bye, 'reason'), `BYE carries a Reason header:\n${bye.raw}`);
    const waited = bye.at - oks[0]!.at;
    assert.ok(waited >= 2800 && waited <= 6000, `BYE ${waited} ms after the first 200 (64*T1 = 3200 ms)`);
  });
});

describe('gateway BYE after maxCallSeconds', () => {
  let app: Appliance;
  before(async () => {
    app = await Appliance.start({ ports: portPlan(3), maxCallSeconds: 2 });
  });
  after(async () => {
    assert.equal(await app?.stop(), 0, app?.logTail());
  });

  it('hangs up a call after gateway.maxCallSeconds = 2 s', async () => {
    const r = await call(app, { scenario: 'gateway-bye.xml' });
    assertSippOk(r, app);
    const ok = receivedResponses(r, 'INVITE').find((m) => m.status === 200)!;
    const bye = receivedRequests(r, 'BYE')[0]!;
    const held = bye.at - ok.at;
    assert.ok(held >= 1800 && held <= 4000, `BYE came ${held} ms after the answer (maxCallSeconds = 2)`);
  });
});
