/**
 * The embedded edge against the real drachtio-srf client: authentication, routing, an answered call with ACK
 * and BYE, CANCEL, OPTIONS, a BYE sent by the app, and ACK timeout ending the call.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once, type EventEmitter } from 'node:events';
import { Registry } from 'prom-client';
import Srf from 'drachtio-srf';
import { silentLogger } from '@callgate/contracts';
import { SipEdge } from './sip-edge.js';
import { parseMessage } from '../sip/parser.js';
import type { SipMessage } from '../sip/message.js';

const SECRET = 'test-secret';
type SrfWithOptions = Srf & { options(cb: (req: Srf.SrfRequest, res: Srf.SrfResponse) => void): void };

class Phone {
  readonly socket = dgram.createSocket('udp4');
  readonly inbox: SipMessage[] = [];
  private waiters: Array<{ pred: (m: SipMessage) => boolean; resolve: (m: SipMessage) => void }> = [];
  port = 0;
  async open(): Promise<void> {
    this.socket.on('message', (buf) => {
      const p = parseMessage(buf);
      if (!p.ok) return;
      this.inbox.push(p.message);
      this.waiters = this.waiters.filter((w) => {
        if (w.pred(p.message)) {
          w.resolve(p.message);
          return false;
        }
        return true;
      });
    });
    this.socket.bind(0, '127.0.0.1');
    await once(this.socket, 'listening');
    this.port = this.socket.address().port;
  }
  send(text: string, port: number): void {
    this.socket.send(Buffer.from(text.replace(/\n/g, '\r\n')), port, '127.0.0.1');
  }
  wait(pred: (m: SipMessage) => boolean, ms = 3000): Promise<SipMessage> {
    const found = this.inbox.find(pred);
    if (found) {
      this.inbox.splice(this.inbox.indexOf(found), 1);
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out waiting for a SIP message')), ms);
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(t);
          this.inbox.splice(this.inbox.indexOf(m), 1);
          resolve(m);
        },
      });
    });
  }
  close(): void {
    this.socket.close();
  }
}

function invite(phone: Phone, callId: string, branch: string, sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n'): string {
  return `INVITE sip:1000@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${phone.port};branch=${branch};rport
Max-Forwards: 70
From: <sip:caller@127.0.0.1>;tag=caller1
To: <sip:1000@127.0.0.1>
Call-ID: ${callId}
CSeq: 1 INVITE
Contact: <sip:caller@127.0.0.1:${phone.port}>
Content-Type: application/sdp
Content-Length: ${Buffer.byteLength(sdp)}

${sdp.replace(/\r\n/g, '\n')}`;
}

describe('embedded edge with drachtio-srf', () => {
  let edge: SipEdge;
  let sipPort = 0;
  let controlPort = 0;
  const srf = new Srf();
  const phone = new Phone();
  const dialogs: Srf.Dialog[] = [];

  before(async () => {
    edge = new SipEdge({
      config: {
        listen: [{ transport: 'udp', address: '127.0.0.1', port: 0 }],
        timers: { t1: 20, t2: 160, t4: 200 },
        control: { address: '127.0.0.1', port: 0, secret: SECRET },
        maxMessageBytes: 65536,
        tcpIdleTimeoutMs: 60000,
      },
      logger: silentLogger,
      registry: new Registry(),
    });
    const started = await edge.start();
    sipPort = started.sip[0]!.port;
    controlPort = started.control.port;
    srf.invite((req, res) => {
      if (req.get('X-Reject')) {
        res.send(486);
        return;
      }
      if (req.get('X-Slow')) return; // never answered: the caller CANCELs
      srf
        .createUAS(req, res, { localSdp: 'v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\n' })
        .then((d) => dialogs.push(d))
        .catch(() => {});
    });
    (srf as SrfWithOptions).options((_req, res) => res.send(200));
    srf.connect({ host: '127.0.0.1', port: controlPort, secret: SECRET });
    await once(srf, 'connect');
    await phone.open();
  });

  after(async () => {
    srf.disconnect();
    phone.close();
    await edge.stop();
  });

  it('refuses an application with the wrong secret', async () => {
    const bad = new Srf();
    bad.connect({ host: '127.0.0.1', port: controlPort, secret: 'wrong' });
    const [err] = await once(bad, 'connect');
    assert.ok(err instanceof Error, 'connect reports an error');
    bad.disconnect();
  });

  it('answers OPTIONS through the app', async () => {
    phone.send(`OPTIONS sip:127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${phone.port};branch=z9hG4bKopt1
Max-Forwards: 70
From: <sip:p@127.0.0.1>;tag=o1
To: <sip:127.0.0.1>
Call-ID: opt-1
CSeq: 1 OPTIONS
Content-Length: 0

`, sipPort);
    const res = await phone.wait((m) => m.isResponse && m.get('call-id') === 'opt-1');
    assert.equal(res.status, 200);
  });

  it('completes INVITE → 100 → 200 → ACK → BYE from the caller', async () => {
    phone.send(invite(phone, 'call-1', 'z9hG4bKinv1'), sipPort);
    const trying = await phone.wait((m) => m.isResponse && m.get('call-id') === 'call-1' && m.status === 100);
    assert.equal(trying.status, 100);
    const ok = await phone.wait((m) => m.isResponse && m.get('call-id') === 'call-1' && m.status === 200);
    assert.match(ok.get('to') ?? '', /;tag=/);
    assert.ok(ok.get('contact'), '200 carries a Contact');
    assert.match(ok.body.toString(), /m=audio 30000/);
    const toHeader = ok.get('to') ?? '';
    phone.send(`ACK sip:1000@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${phone.port};branch=z9hG4bKack1
Max-Forwards: 70
From: <sip:caller@127.0.0.1>;tag=caller1
To: ${toHeader}
Call-ID: call-1
CSeq: 1 ACK
Content-Length: 0

`, sipPort);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(edge.dialogCount, 1);
    const destroyed = new Promise((resolve) => dialogs.at(-1)!.on('destroy', resolve));
    phone.send(`BYE sip:1000@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${phone.port};branch=z9hG4bKbye1
Max-Forwards: 70
From: <sip:caller@127.0.0.1>;tag=caller1
To: ${toHeader}
Call-ID: call-1
CSeq: 2 BYE
Content-Length: 0

`, sipPort);
    const byeOk = await phone.wait((m) => m.isResponse && m.get('call-id') === 'call-1' && (m.get('cseq') ?? '').includes('BYE'));
    assert.equal(byeOk.status, 200);
    await destroyed;
    assert.equal(edge.dialogCount, 0);
  });

  it('sends the app BYE inside the dialog', async () => {
    phone.send(invite(phone, 'call-2', 'z9hG4bKinv2'), sipPort);
    const ok = await phone.wait((m) => m.isResponse && m.get('call-id') === 'call-2' && m.status === 200);
    phone.send(`ACK sip:1000@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${phone.port};branch=z9hG4bKack2
From: <sip:caller@127.0.0.1>;tag=caller1
To: ${ok.get('to')}
Call-ID: call-2
CSeq: 1 ACK
Content-Length: 0

`, sipPort);
    await new Promise((r) => setTimeout(r, 50));
    const dialog = dialogs.at(-1)!;
    dialog.destroy();
    const bye = await phone.wait((m) => m.isRequest && m.method === 'BYE' && m.get('call-id') === 'call-2');
    assert.equal(bye.uri, `sip:caller@127.0.0.1:${phone.port}`);
    assert.match(bye.get('from') ?? '', new RegExp(`tag=${/tag=([^;>]+)/.exec(ok.get('to') ?? '')![1]}`));
    assert.match(bye.get('to') ?? '', /tag=caller1/);
    phone.send(`SIP/2.0 200 OK
Via: ${bye.get('via')}
From: ${bye.get('from')}
To: ${bye.get('to')}
Call-ID: call-2
CSeq: ${bye.get('cseq')}
Content-Length: 0

`, sipPort);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(edge.dialogCount, 0);
  });

  it('passes a rejection through and absorbs the ACK', async () => {
    phone.send(invite(phone, 'call-3', 'z9hG4bKinv3').replace('Max-Forwards: 70', 'Max-Forwards: 70\nX-Reject: yes'), sipPort);
    const busy = await phone.wait((m) => m.isResponse && m.get('call-id') === 'call-3' && m.status >= 300);
    assert.equal(busy.status, 486);
  });

  it('answers CANCEL with 200 and the INVITE with 487', async () => {
    phone.send(invite(phone, 'call-4', 'z9hG4bKinv4').replace('Max-Forwards: 70', 'Max-Forwards: 70\nX-Slow: yes'), sipPort);
    await phone.wait((m) => m.isResponse && m.get('call-id') === 'call-4' && m.status === 100);
    phone.send(`CANCEL sip:1000@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${phone.port};branch=z9hG4bKinv4;rport
Max-Forwards: 70
From: <sip:caller@127.0.0.1>;tag=caller1
To: <sip:1000@127.0.0.1>
Call-ID: call-4
CSeq: 1 CANCEL
Content-Length: 0

`, sipPort);
    const c200 = await phone.wait((m) => m.isResponse && m.get('call-id') === 'call-4' && (m.get('cseq') ?? '').includes('CANCEL'));
    assert.equal(c200.status, 200);
    const r487 = await phone.wait((m) => m.isResponse && m.get('call-id') === 'call-4' && m.status === 487);
    assert.equal(r487.status, 487);
  });

  it('retransmits the 200 until ACK and then sends BYE with a Reason on ACK timeout', async () => {
    phone.send(invite(phone, 'call-5', 'z9hG4bKinv5'), sipPort);
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
