/**
 * The embedded edge against the real drachtio-srf client: authentication, routing, an answered call with ACK
 * and BYE, CANCEL, OPTIONS, a BYE sent by the app, and ACK timeout ending the call.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once, type EventEmitter } from 'node:events';
import Srf from 'drachtio-srf';
import type { SipEdge } from './sip-edge.js';
import { APP_SDP, connectApp, startTestEdge, type EdgeFixture } from './testing/edge-fixture.js';
import { Phone, delay, tagOf } from './testing/phone.js';

type SrfWithOptions = Srf & { options(cb: (req: Srf.SrfRequest, res: Srf.SrfResponse) => void): void };

function invite(phone: Phone, callId: string, branch: string, extra?: string): void {
  phone.invite({ callId, branch, ...(extra !== undefined ? { headers: [extra] } : {}) });
}

describe('embedded edge with drachtio-srf', () => {
  let fx: EdgeFixture;
  let edge: SipEdge;
  let controlPort = 0;
  let srf: Srf;
  let phone: Phone;
  const dialogs: Srf.Dialog[] = [];

  before(async () => {
    fx = await startTestEdge();
    edge = fx.edge;
    controlPort = fx.controlPort;
    srf = await connectApp(controlPort, (app) => {
      app.invite((req, res) => {
        if (req.get('X-Reject')) {
          res.send(486);
          return;
        }
        if (req.get('X-Slow')) return; // never answered: the caller CANCELs
        app
          .createUAS(req, res, { localSdp: APP_SDP })
          .then((d) => dialogs.push(d))
          .catch(() => {});
      });
      (app as SrfWithOptions).options((_req, res) => res.send(200));
    });
    phone = await Phone.udp(fx.ports.udp ?? 0);
  });

  after(async () => {
    srf.disconnect();
    await phone.close();
    await fx.stop();
  });

  it('refuses an application with the wrong secret', async () => {
    const bad = new Srf();
    bad.connect({ host: '127.0.0.1', port: controlPort, secret: 'wrong' });
    const [err] = await once(bad, 'connect');
    assert.ok(err instanceof Error, 'connect reports an error');
    bad.disconnect();
  });

  it('answers OPTIONS through the app', async () => {
    phone.request('OPTIONS', { callId: 'opt-1', uri: 'sip:127.0.0.1' });
    const res = await phone.wait((m) => m.isResponse && m.get('call-id') === 'opt-1');
    assert.equal(res.status, 200);
  });

  it('completes INVITE → 100 → 200 → ACK → BYE from the caller', async () => {
    invite(phone, 'call-1', 'z9hG4bKinv1');
    const trying = await phone.wait((m) => m.isResponse && m.get('call-id') === 'call-1' && m.status === 100);
    assert.equal(trying.status, 100);
    const ok = await phone.wait((m) => m.isResponse && m.get('call-id') === 'call-1' && m.status === 200);
    assert.match(ok.get('to') ?? '', /;tag=/);
    assert.ok(ok.get('contact'), '200 carries a Contact');
    assert.match(ok.body.toString(), /m=audio 30000/);
    const toHeader = ok.get('to') ?? '';
    phone.ack(ok);
    await delay(100);
    assert.equal(edge.dialogCount, 1);
    const destroyed = new Promise((resolve) => dialogs.at(-1)!.on('destroy', resolve));
    phone.request('BYE', { callId: 'call-1', to: toHeader, cseq: 2 });
    const byeOk = await phone.waitResponse('call-1', 'BYE');
    assert.equal(byeOk.status, 200);
    await destroyed;
    assert.equal(edge.dialogCount, 0);
  });

  it('sends the app BYE inside the dialog', async () => {
    invite(phone, 'call-2', 'z9hG4bKinv2');
    const ok = await phone.wait((m) => m.isResponse && m.get('call-id') === 'call-2' && m.status === 200);
    phone.ack(ok);
    await delay(50);
    const dialog = dialogs.at(-1)!;
    dialog.destroy();
    const bye = await phone.wait((m) => m.isRequest && m.method === 'BYE' && m.get('call-id') === 'call-2');
    assert.equal(bye.uri, `sip:caller@127.0.0.1:${phone.port}`);
    assert.equal(tagOf(bye.get('from')), tagOf(ok.get('to')));
    assert.equal(tagOf(bye.get('to')), 'caller1');
    phone.reply(bye, 200);
    await delay(50);
    assert.equal(edge.dialogCount, 0);
  });

  it('passes a rejection through and absorbs the ACK', async () => {
    invite(phone, 'call-3', 'z9hG4bKinv3', 'X-Reject: yes');
    const busy = await phone.wait((m) => m.isResponse && m.get('call-id') === 'call-3' && m.status >= 300);
    assert.equal(busy.status, 486);
    phone.ack(busy, { branch: 'z9hG4bKinv3' });
  });

  it('answers CANCEL with 200 and the INVITE with 487', async () => {
    invite(phone, 'call-4', 'z9hG4bKinv4', 'X-Slow: yes');
    await phone.wait((m) => m.isResponse && m.get('call-id') === 'call-4' && m.status === 100);
    phone.send(`CANCEL sip:1000@127.0.0.1 SIP/2.0
Via: ${phone.via('z9hG4bKinv4')}
Max-Forwards: 70
From: <sip:caller@127.0.0.1>;tag=caller1
To: <sip:1000@127.0.0.1>
Call-ID: call-4
CSeq: 1 CANCEL
Content-Length: 0

`);
    const c200 = await phone.waitResponse('call-4', 'CANCEL');
    assert.equal(c200.status, 200);
    const r487 = await phone.wait((m) => m.isResponse && m.get('call-id') === 'call-4' && m.status === 487);
    assert.equal(r487.status, 487);
    phone.ack(r487, { branch: 'z9hG4bKinv4' });
  });

  it('retransmits the 200 until ACK and then sends BYE with a Reason on ACK timeout', async () => {
    invite(phone, 'call-5', 'z9hG4bKinv5');
    const destroyedReason = new Promise<string>((resolve) => {
      const check = setInterval(() => {
        const d = dialogs.find((x) => x.sip.callId === 'call-5');
        if (d) {
          clearInterval(check);
          (d as unknown as EventEmitter).on('destroy', (_req: unknown, reason: string) => resolve(reason));
        }
      }, 5);
    });
    await phone.wait((m) => m.isResponse && m.get('call-id') === 'call-5' && m.status === 200);
    await phone.wait((m) => m.isResponse && m.get('call-id') === 'call-5' && m.status === 200);
    const bye = await phone.wait((m) => m.isRequest && m.method === 'BYE' && m.get('call-id') === 'call-5', 5000);
    assert.match(bye.get('reason') ?? '', /ACK timeout/);
    assert.equal(await destroyedReason, 'ACK timeout');
  });
});
