/**
 * In-dialog requests around a call answered by a real drachtio-srf app on the embedded edge: a re-INVITE and a
 * REFER sent by the app (with the NOTIFY that follows the REFER), and an INFO sent by the phone.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type Srf from 'drachtio-srf';
import { APP_SDP, connectApp, startTestEdge, type DialogRequestFn, type EdgeFixture } from './testing/edge-fixture.js';
import { Phone, cseqNumber, tagOf, waitFor, within } from './testing/phone.js';
import type { SipMessage } from '../sip/message.js';

const NEW_SDP = 'v=0\r\no=- 2 3 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 30002 RTP/AVP 0\r\na=sendrecv\r\n';
const PHONE_ANSWER = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40002 RTP/AVP 0\r\na=sendrecv\r\n';

describe('edge: in-dialog requests', () => {
  let fx: EdgeFixture;
  let srf: Srf;
  let phone: Phone;
  const dialogs = new Map<string, Srf.Dialog>();
  const acked = new Set<string>();
  /** phone-side view of the call: the 200 it got, and its next CSeq */
  let ok: SipMessage;
  let phoneSeq = 1;
  let dialog: Srf.Dialog;

  before(async () => {
    fx = await startTestEdge();
    srf = await connectApp(fx.controlPort, (app) => {
      app.invite((req, res) => {
        app
          .createUAS(req, res, { localSdp: APP_SDP })
          .then((d) => {
            dialogs.set(d.sip.callId, d);
            d.on('ack', () => acked.add(d.sip.callId));
          })
          .catch(() => undefined);
      });
    });
    phone = await Phone.udp(fx.ports.udp ?? 0);
    phone.invite({ callId: 'dlg-1' });
    ok = await phone.waitResponse('dlg-1', 'INVITE');
    assert.equal(ok.status, 200);
    phone.ack(ok);
    dialog = await waitFor(() => dialogs.get('dlg-1'));
    await waitFor(() => (acked.has('dlg-1') ? true : undefined));
  });

  after(async () => {
    srf.disconnect();
    await phone.close();
    await fx.stop();
  });

  it('sends the app re-INVITE, ACKs the 200 with the re-INVITE CSeq, resolves the app promise', async () => {
    const modified = dialog.modify(NEW_SDP);
    const reinvite = await phone.waitRequest('INVITE', 'dlg-1');
    assert.equal(tagOf(reinvite.get('to')), 'caller1');
    assert.equal(tagOf(reinvite.get('from')), tagOf(ok.get('to')));
    assert.match(reinvite.body.toString(), /m=audio 30002/);
    assert.ok(reinvite.get('contact'), 're-INVITE carries a Contact');
    const seq = cseqNumber(reinvite);
    phone.reply(reinvite, 200, { toTag: 'caller1', body: PHONE_ANSWER, headers: [{ name: 'Contact', value: phone.contact }] });
    const ack = await phone.waitRequest('ACK', 'dlg-1');
    assert.equal(ack.get('cseq'), `${seq} ACK`);
    assert.notEqual(ack.get('via'), reinvite.get('via'), 'the 2xx ACK is a new transaction');
    const remoteSdp = await within(modified, 'dialog.modify() to resolve');
    assert.match(remoteSdp, /m=audio 40002/);
  });

  it('sends the app REFER, then passes the NOTIFY to the dialog and its 200 back to the phone', async () => {
    const notified = new Promise<Srf.SrfRequest>((resolve) =>
      dialog.on('notify', (req, res) => {
        res.send(200);
        resolve(req);
      }),
    );
    const referred = (dialog.request as unknown as DialogRequestFn)({ method: 'REFER', headers: { 'Refer-To': '<sip:op@127.0.0.1>' } });
    const refer = await phone.waitRequest('REFER', 'dlg-1');
    assert.equal(refer.get('refer-to'), '<sip:op@127.0.0.1>');
    assert.equal(tagOf(refer.get('to')), 'caller1');
    phone.reply(refer, 202, { toTag: 'caller1' });
    const res = await within(referred, "the REFER's response at the app");
    assert.equal(res.status, 202);

    phone.request('NOTIFY', {
      callId: 'dlg-1',
      cseq: ++phoneSeq,
      to: ok.get('to') ?? '',
      headers: ['Event: refer', 'Subscription-State: terminated;reason=noresource'],
      contentType: 'message/sipfrag;version=2.0',
      body: 'SIP/2.0 200 OK\r\n',
    });
    const notify = await within(notified, "the NOTIFY at the app's dialog");
    assert.equal(notify.get('Event'), 'refer');
    assert.match(notify.body, /^SIP\/2\.0 200 OK/);
    const notifyOk = await phone.waitResponse('dlg-1', 'NOTIFY');
    assert.equal(notifyOk.status, 200);
    assert.equal(tagOf(notifyOk.get('to')), tagOf(ok.get('to')));
  });

  it("passes the phone's INFO to the dialog's info handler and its 200 back", async () => {
    const got = new Promise<Srf.SrfRequest>((resolve) =>
      dialog.on('info', (req, res) => {
        res.send(200);
        resolve(req);
      }),
    );
    phone.request('INFO', {
      callId: 'dlg-1',
      cseq: ++phoneSeq,
      to: ok.get('to') ?? '',
      contentType: 'application/dtmf-relay',
      body: 'Signal=5\r\nDuration=160\r\n',
    });
    const info = await within(got, "the INFO at the app's dialog");
    assert.match(info.body, /Signal=5/);
    const infoOk = await phone.waitResponse('dlg-1', 'INFO');
    assert.equal(infoOk.status, 200);
  });

  it('ends the call', async () => {
    const destroyed = new Promise((resolve) => dialog.on('destroy', resolve));
    phone.request('BYE', { callId: 'dlg-1', cseq: ++phoneSeq, to: ok.get('to') ?? '' });
    const byeOk = await phone.waitResponse('dlg-1', 'BYE');
    assert.equal(byeOk.status, 200);
    await within(destroyed, 'the dialog to end');
    assert.equal(fx.edge.dialogCount, 0);
  });
});
