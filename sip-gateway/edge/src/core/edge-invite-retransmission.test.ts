/**
 * A retransmitted INVITE (same branch) at the embedded edge: absorbed by the transaction layer (the app sees
 * the INVITE once; the 100 is re-sent while the app has not answered), and the 200 is re-sent until the ACK.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type Srf from 'drachtio-srf';
import { APP_SDP, connectApp, startTestEdge, type EdgeFixture } from './testing/edge-fixture.js';
import { Phone, newBranch, tagOf, waitFor, within } from './testing/phone.js';

describe('edge: INVITE retransmission', () => {
  let fx: EdgeFixture;
  let srf: Srf;
  let phone: Phone;
  const invites: Array<{ req: Srf.SrfRequest; res: Srf.SrfResponse }> = [];
  const acked = new Set<string>();

  before(async () => {
    fx = await startTestEdge();
    srf = await connectApp(fx.controlPort, (app) => {
      app.invite((req, res) => invites.push({ req, res })); // answered by the test
    });
    phone = await Phone.udp(fx.ports.udp ?? 0);
  });

  after(async () => {
    srf.disconnect();
    await phone.close();
    await fx.stop();
  });

  it('absorbs the retransmission, re-sends the 100, then re-sends the 200 until the ACK', async () => {
    const branch = newBranch();
    const text = phone.invite({ callId: 'rtx-1', branch });
    await phone.waitResponse('rtx-1', 'INVITE', (s) => s === 100);
    await waitFor(() => invites[0]);

    phone.send(text); // the caller did not see the 100 in time: same INVITE, same branch
    await phone.waitResponse('rtx-1', 'INVITE', (s) => s === 100);

    const first = invites[0];
    assert.ok(first);
    const dialog = await within(srf.createUAS(first.req, first.res, { localSdp: APP_SDP }), 'createUAS');
    dialog.on('ack', () => acked.add('rtx-1'));
    const ok = await phone.waitResponse('rtx-1', 'INVITE');
    assert.equal(ok.status, 200);

    phone.send(text); // the caller did not see the 200 either
    const again = await phone.waitResponse('rtx-1', 'INVITE');
    assert.equal(again.status, 200);
    assert.equal(tagOf(again.get('to')), tagOf(ok.get('to')), 'the same 200');
    assert.equal(invites.length, 1, 'the app saw the INVITE once');

    phone.ack(ok);
    await waitFor(() => (acked.has('rtx-1') ? true : undefined));
    assert.equal(invites.length, 1);

    const destroyed = new Promise((resolve) => dialog.on('destroy', resolve));
    phone.request('BYE', { callId: 'rtx-1', cseq: 2, to: ok.get('to') ?? '' });
    assert.equal((await phone.waitResponse('rtx-1', 'BYE')).status, 200);
    await within(destroyed, 'the dialog to end');
  });
});
