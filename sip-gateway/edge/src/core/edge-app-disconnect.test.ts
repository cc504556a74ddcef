/**
 * The drachtio-srf application disconnects from the embedded edge while a call is up: the edge ends the call
 * with a BYE carrying a Reason, and a new INVITE, with no application left, gets 503.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type Srf from 'drachtio-srf';
import { APP_SDP, connectApp, startTestEdge, type EdgeFixture } from './testing/edge-fixture.js';
import { Phone, cseqNumber, newBranch, tagOf, waitFor } from './testing/phone.js';

describe('edge: the application disconnects', () => {
  let fx: EdgeFixture;
  let srf: Srf;
  let phone: Phone;
  let answered = 0;
  let connected = true;

  before(async () => {
    fx = await startTestEdge();
    srf = await connectApp(fx.controlPort, (app) => {
      app.invite((req, res) => {
        app
          .createUAS(req, res, { localSdp: APP_SDP })
          .then(() => answered++)
          .catch(() => undefined);
      });
    });
    phone = await Phone.udp(fx.ports.udp ?? 0);
  });

  after(async () => {
    if (connected) srf.disconnect();
    await phone.close();
    await fx.stop();
  });

  it('ends the call with BYE and a Reason', async () => {
    phone.invite({ callId: 'gone-1' });
    const ok = await phone.waitResponse('gone-1', 'INVITE');
    assert.equal(ok.status, 200);
    phone.ack(ok);
    await waitFor(() => (answered === 1 ? true : undefined));
    assert.equal(fx.edge.dialogCount, 1);

    srf.disconnect();
    connected = false;
    const bye = await phone.waitRequest('BYE', 'gone-1');
    assert.match(bye.get('reason') ?? '', /^SIP\s*;\s*cause=\d{3}\s*;\s*text="[^"]+"/);
    assert.equal(tagOf(bye.get('from')), tagOf(ok.get('to')));
    assert.equal(tagOf(bye.get('to')), 'caller1');
    assert.equal(cseqNumber(bye), 1);
    phone.reply(bye, 200);
    assert.equal(fx.edge.dialogCount, 0);
  });

  it('answers a new INVITE with 503 while no application is connected', async () => {
    const branch = newBranch();
    phone.invite({ callId: 'gone-2', branch });
    const res = await phone.waitResponse('gone-2', 'INVITE');
    assert.equal(res.status, 503);
    assert.ok(res.get('retry-after'), '503 says when to retry');
    phone.ack(res, { branch });
  });
});
