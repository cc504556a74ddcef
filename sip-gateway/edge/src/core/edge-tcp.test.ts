/**
 * A call over TCP against the embedded edge and a real drachtio-srf app: INVITE / 200 / ACK on one connection,
 * then the app hangs up and the edge sends its in-dialog BYE back over that same connection.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type Srf from 'drachtio-srf';
import { APP_SDP, connectApp, startTestEdge, type EdgeFixture } from './testing/edge-fixture.js';
import { Phone, cseqNumber, tagOf, waitFor, within } from './testing/phone.js';

describe('edge: a call over TCP', () => {
  let fx: EdgeFixture;
  let srf: Srf;
  let phone: Phone;
  const dialogs = new Map<string, Srf.Dialog>();
  const acked = new Set<string>();

  before(async () => {
    fx = await startTestEdge({ transports: ['udp', 'tcp'] });
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
    phone = await Phone.tcp(fx.ports.tcp ?? 0);
  });

  after(async () => {
    srf.disconnect();
    await phone.close();
    await fx.stop();
  });

  it('answers the INVITE on the connection and sends the app BYE back over it', async () => {
    phone.invite({ callId: 'tcp-1', branch: 'z9hG4bKtcp1' });
    const trying = await phone.waitResponse('tcp-1', 'INVITE', (s) => s === 100);
    // the response carries our Via back, with the source port filled in (RFC 3581)
    assert.equal(trying.get('via'), `${phone.via('z9hG4bKtcp1')}=${phone.port};received=127.0.0.1`);
    const ok = await phone.waitResponse('tcp-1', 'INVITE');
    assert.equal(ok.status, 200);
    assert.match(ok.get('contact') ?? '', /;transport=tcp/);
    assert.match(ok.body.toString(), /m=audio 30000/);
    phone.ack(ok);

    const dialog = await waitFor(() => dialogs.get('tcp-1'));
    await waitFor(() => (acked.has('tcp-1') ? true : undefined));
    assert.equal(fx.edge.dialogCount, 1);

    // resolves once the BYE's response reached the app
    const byeDone = new Promise<void>((resolve, reject) => dialog.destroy(undefined, (err) => (err ? reject(err as Error) : resolve())));
    const bye = await phone.waitRequest('BYE', 'tcp-1');
    assert.match(bye.get('via') ?? '', /^SIP\/2\.0\/TCP 127\.0\.0\.1:\d+;branch=z9hG4bK/);
    assert.equal(bye.uri, `sip:caller@127.0.0.1:${phone.port};transport=tcp`);
    assert.equal(tagOf(bye.get('from')), tagOf(ok.get('to')));
    assert.equal(tagOf(bye.get('to')), 'caller1');
    assert.equal(cseqNumber(bye), 1);
    phone.reply(bye, 200);
    await within(byeDone, "the app's BYE to complete");
    await waitFor(() => (fx.edge.dialogCount === 0 ? true : undefined));
  });
});
