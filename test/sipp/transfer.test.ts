/**
 * Blind transfer and hang-up decided by the (demo) agent, SIPp playing the carrier: the caller presses 0 by SIP
 * INFO → the appliance REFERs the caller to the number's configured target (sip: and tel: targets), handles
 * the NOTIFY progress (success → BYE; failure → the call stays up); # → the appliance hangs up.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Appliance } from './harness/appliance.js';
import { portPlan } from './harness/ports.js';
import { assertSippOk, call, eventually, header, receivedRequests, statuses } from './harness/fixture.js';
import { fetchMetrics, metricSum } from './harness/metrics.js';

const SIP_TARGET = 'sip:operator@127.0.0.1:5999';
const TEL_TARGET = 'tel:+15551230000';

describe('transfer and hang-up from the agent', () => {
  let app: Appliance;
  before(async () => {
    app = await Appliance.start({
      ports: portPlan(8),
      numbers: [
        { number: '1000', agent: 'demo', transferTarget: SIP_TARGET },
        { number: '2000', agent: 'demo', transferTarget: TEL_TARGET },
      ],
    });
  });
  after(async () => {
    assert.equal(await app?.stop(), 0, app?.logTail());
  });

  const outcome = async (o: string) => metricSum(await fetchMetrics(app.metricsUrl), 'callgate_calls_total', { outcome: o }) ?? 0;
  const transferred = () => outcome('transferred');
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  for (const [number, target] of [
    ['1000', SIP_TARGET],
    ['2000', TEL_TARGET],
  ] as const) {
    it(`REFERs the caller to ${target.split(':')[0]}: target, 202, NOTIFY 200, then BYE`, async () => {
      const before = await transferred();
      const r = await call(app, { scenario: 'transfer-refer.xml', service: number });
      assertSippOk(r, app);
      const [refer] = receivedRequests(r, 'REFER');
      assert.ok(refer, 'the appliance sent a REFER');
      assert.match(header(refer, 'refer-to') ?? '', new RegExp(`^<${escape(target)}>$`), 'Refer-To is the configured target');
      // Referred-By (RFC 3892): our identity in the call, the URI the caller dialed
      assert.match(header(refer, 'referred-by') ?? '', new RegExp(`^<sip:${number}@127\\.0\\.0\\.1:${app.ports.sip}>$`), 'Referred-By');
      assert.equal(receivedRequests(r, 'BYE').length, 1, 'the appliance hung up after the transfer');
      assert.deepEqual(statuses(r, 'NOTIFY'), [200]);
      assert.equal((await transferred()) - before, 1, 'callgate_calls_total{outcome="transferred"} counted it');
    });
  }

  it('keeps the call when the NOTIFY reports a failed transfer', async () => {
    const [transferredBefore, completedBefore] = [await transferred(), await outcome('completed')];
    const r = await call(app, { scenario: 'transfer-failed.xml' });
    assertSippOk(r, app);
    const [refer] = receivedRequests(r, 'REFER');
    assert.ok(refer, 'the appliance sent a REFER');
    assert.equal(header(refer, 'refer-to'), `<${SIP_TARGET}>`);
    assert.deepEqual(statuses(r, 'NOTIFY'), [200]);
    assert.equal(receivedRequests(r, 'BYE').length, 0, 'the appliance did not hang up');
    assert.deepEqual(statuses(r, 'BYE'), [200], "the caller's own BYE was answered");
    assert.ok(app.logsMatching('transfer failed, call continues').some((l) => l.includes('486')), 'the failure was logged with its status');
    // the caller's BYE may be answered before the gateway has ended the call
    await eventually(async () => (await outcome('completed')) - completedBefore === 1, 3000, 'callgate_calls_total{outcome="completed"} + 1');
    assert.equal(await transferred(), transferredBefore, 'not counted as transferred');
  });

  it('hangs up when the caller presses #', async () => {
    const [transferredBefore, completedBefore] = [await transferred(), await outcome('completed')];
    const r = await call(app, { scenario: 'hangup-hash.xml' });
    assertSippOk(r, app);
    assert.equal(receivedRequests(r, 'REFER').length, 0);
    const [bye] = receivedRequests(r, 'BYE');
    assert.ok(bye, 'the appliance sent BYE');
    assert.match(header(bye, 'reason') ?? '', /caller pressed #/);
    assert.equal(await transferred(), transferredBefore);
    assert.equal((await outcome('completed')) - completedBefore, 1);
  });
});
