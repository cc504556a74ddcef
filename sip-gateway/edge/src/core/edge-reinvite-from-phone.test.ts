/**
 * A re-INVITE from the phone putting the call on hold (a=sendonly), against a real drachtio-srf app on the
 * embedded edge: it reaches the app's dialog (drachtio-srf's built-in hold handling), the 200 carries the
 * dialog's To tag, and the ACK stops the 200's retransmission.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import type Srf from 'drachtio-srf';
import type { SipMessage } from '../sip/message.js';
import { APP_SDP, connectApp, startTestEdge, type EdgeFixture } from './testing/edge-fixture.js';
import { DEFAULT_SDP, Phone, delay, tagOf, waitFor, within } from './testing/phone.js';

describe('edge: re-INVITE from the phone', () => {
  let fx: EdgeFixture;
  let srf: Srf;
  let phone: Phone;
  const dialogs = new Map<string, Srf.Dialog>();
  const acks = new Map<string, number>();

  before(async () => {
    fx = await startTestEdge();
    srf = await connectApp(fx.controlPort, (app) => {
      app.invite((req, res) => {
        app
          .createUAS(req, res, { localSdp: APP_SDP })
          .then((d) => {
            dialogs.set(d.sip.callId, d);
            d.on('ack', () => acks.set(d.sip.callId, (acks.get(d.sip.callId) ?? 0) + 1));
          })
          .catch(() => undefined);
      });
    });
    phone = await Phone.udp(fx.ports.udp ?? 0);
  });

  after(async () => {
    srf.disconnect();
    await phone.close();
    await fx.stop();
  });

  it('passes the hold re-INVITE to the dialog and stops the 200 on ACK', async () => {
    phone.invite({ callId: 'hold-1' });
    const ok = await phone.waitResponse('hold-1', 'INVITE');
    assert.equal(ok.status, 200);
    phone.ack(ok);
    const dialog = await waitFor(() => dialogs.get('hold-1'));
    await waitFor(() => (acks.get('hold-1') === 1 ? true : undefined));
    // drachtio-srf answers a pure sendrecv → sendonly change itself when the dialog has a 'hold' listener
    const held = new Promise<Srf.SrfRequest>((resolve) => (dialog as unknown as EventEmitter).on('hold', resolve));

    phone.invite({ callId: 'hold-1', cseq: 2, to: ok.get('to') ?? '', body: DEFAULT_SDP.replace('a=sendrecv', 'a=sendonly') });
    const req = await within(held, "the dialog's hold event");
    assert.match(req.body, /a=sendonly/);
    // a late retransmission of the first 200 may still arrive: look at CSeq 2 only
    const reInviteResponse = (m: SipMessage) => m.isResponse && m.status >= 200 && m.get('call-id') === 'hold-1' && m.get('cseq') === '2 INVITE';
    const reOk = await phone.wait(reInviteResponse);
    assert.equal(reOk.status, 200);
    assert.equal(tagOf(reOk.get('to')), tagOf(ok.get('to')), "the dialog's To tag");
    assert.equal(reOk.get('cseq'), '2 INVITE');
    assert.match(reOk.body.toString(), /a=recvonly/, "drachtio-srf's hold answer");
    // no ACK yet: the edge retransmits the 200 (T1 = 20 ms)
    const again = await phone.wait(reInviteResponse);
    assert.equal(again.status, 200);

    phone.ack(reOk);
    await waitFor(() => (acks.get('hold-1') === 2 ? true : undefined));
    // the ACK reached the dialog, so it stopped the retransmitter: drop what was in flight, then expect silence
    await delay(20);
    phone.inbox.length = 0;
    await delay(300); // several retransmission intervals at T1 = 20 ms, T2 = 160 ms
    assert.deepEqual(phone.peek(reInviteResponse), [], 'no 200 after the ACK');

    const destroyed = new Promise((resolve) => dialog.on('destroy', resolve));
    phone.request('BYE', { callId: 'hold-1', cseq: 3, to: ok.get('to') ?? '' });
    assert.equal((await phone.waitResponse('hold-1', 'BYE')).status, 200);
    await within(destroyed, 'the dialog to end');
  });
});
