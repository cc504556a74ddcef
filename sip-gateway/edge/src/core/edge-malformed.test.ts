/**
 * Malformed and unacceptable requests against the embedded edge (a real drachtio-srf app behind it): what is
 * dropped, what is answered and with which status, and that the edge still completes a normal call afterwards.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type Srf from 'drachtio-srf';
import { APP_SDP, connectApp, startTestEdge, type EdgeFixture } from './testing/edge-fixture.js';
import { Phone, newBranch, tagOf } from './testing/phone.js';

type SrfWithOptions = Srf & { options(cb: (req: Srf.SrfRequest, res: Srf.SrfResponse) => void): void };

const MAX_MESSAGE_BYTES = 4096;

/** a complete OPTIONS request as text; `edit` rewrites it (drop a header, change the start line, ...) */
function options(phone: Phone, callId: string, branch: string, edit: (text: string) => string = (t) => t): string {
  return edit(`OPTIONS sip:1000@127.0.0.1 SIP/2.0
Via: ${phone.via(branch)}
Max-Forwards: 70
From: <sip:caller@127.0.0.1>;tag=m1
To: <sip:1000@127.0.0.1>
Call-ID: ${callId}
CSeq: 1 OPTIONS
Content-Length: 0

`);
}

describe('edge: malformed requests', () => {
  let fx: EdgeFixture;
  let srf: Srf;
  let udp: Phone;
  const seenByApp: string[] = [];

  before(async () => {
    fx = await startTestEdge({ transports: ['udp', 'tcp'], maxMessageBytes: MAX_MESSAGE_BYTES });
    srf = await connectApp(fx.controlPort, (app) => {
      app.invite((req, res) => {
        seenByApp.push(req.get('Call-ID'));
        app.createUAS(req, res, { localSdp: APP_SDP }).catch(() => undefined);
      });
      (app as SrfWithOptions).options((req, res) => {
        seenByApp.push(req.get('Call-ID'));
        res.send(200);
      });
    });
    udp = await Phone.udp(fx.ports.udp ?? 0);
  });

  after(async () => {
    srf.disconnect();
    await udp.close();
    await fx.stop();
  });

  /** send `text`, then a good OPTIONS; once that one is answered, anything for `text` would have arrived too */
  async function sendThenProbe(text: string | Buffer, probeCallId: string): Promise<void> {
    if (typeof text === 'string') udp.send(text);
    else udp.sendRaw(text);
    udp.send(options(udp, probeCallId, newBranch()));
    const probe = await udp.waitResponse(probeCallId, 'OPTIONS');
    assert.equal(probe.status, 200);
  }

  it('drops a request without Call-ID', async () => {
    const branch = newBranch();
    await sendThenProbe(options(udp, 'unused', branch, (t) => t.replace(/Call-ID: .*\n/, '')), 'probe-1');
    assert.ok(!udp.received.some((b) => b.includes(branch)), 'nothing was sent back');
  });

  it('answers a bad CSeq with 400 and a Warning', async () => {
    udp.send(options(udp, 'bad-cseq', newBranch(), (t) => t.replace('CSeq: 1 OPTIONS', 'CSeq: one OPTIONS')));
    // the 400 echoes the unreadable CSeq, so it is checked as text
    const res = await udp.waitRaw((t) => t.includes('Call-ID: bad-cseq'));
    assert.match(res, /^SIP\/2\.0 400 /);
    assert.match(res, /\r\nCSeq: one OPTIONS\r\n/);
    assert.match(res, /\r\nWarning: 399 \S+ "[^"\r\n]*CSeq[^"\r\n]*"\r\n/);
    assert.ok(!seenByApp.includes('bad-cseq'));
  });

  it('answers an unsupported SIP version with 505', async () => {
    udp.send(options(udp, 'sip3', newBranch(), (t) => t.replace('OPTIONS sip:1000@127.0.0.1 SIP/2.0', 'OPTIONS sip:1000@127.0.0.1 SIP/3.0')));
    const res = await udp.wait((m) => m.isResponse && m.get('call-id') === 'sip3');
    assert.equal(res.status, 505);
  });

  it('leaves a datagram over maxMessageBytes to the parser: dropped unread', async () => {
    const branch = newBranch();
    const padding = `X-Padding: ${'a'.repeat(MAX_MESSAGE_BYTES)}\n`;
    await sendThenProbe(options(udp, 'too-big', branch, (t) => t.replace('Max-Forwards: 70\n', `Max-Forwards: 70\n${padding}`)), 'probe-2');
    assert.deepEqual(udp.peek((m) => m.get('call-id') === 'too-big'), []);
    assert.ok(!seenByApp.includes('too-big'), 'the app never saw it');
  });

  it('answers Require: foo with 420 and Unsupported: foo', async () => {
    udp.request('OPTIONS', { callId: 'req-foo', headers: ['Require: foo'] });
    const res = await udp.waitResponse('req-foo', 'OPTIONS');
    assert.equal(res.status, 420);
    assert.equal(res.get('unsupported'), 'foo');
  });

  it('answers Max-Forwards: 0 with 483 (and absorbs the ACK)', async () => {
    const branch = newBranch();
    udp.send(udp.inviteText({ callId: 'mf0', branch }).replace('Max-Forwards: 70', 'Max-Forwards: 0'));
    const res = await udp.waitResponse('mf0', 'INVITE', (s) => s >= 300);
    assert.equal(res.status, 483);
    assert.notEqual(tagOf(res.get('to')), '', 'a final response carries a To tag');
    udp.ack(res, { branch });
  });

  it('answers a request for an unknown dialog (wrong To tag) with 481', async () => {
    udp.request('BYE', { callId: 'no-such-call', to: '<sip:1000@127.0.0.1>;tag=nope', cseq: 2 });
    const res = await udp.waitResponse('no-such-call', 'BYE');
    assert.equal(res.status, 481);
  });

  it('answers a non-SIP Request-URI scheme with 416', async () => {
    udp.request('OPTIONS', { callId: 'mailto', uri: 'mailto:op@example.com', to: '<sip:1000@127.0.0.1>' });
    const res = await udp.waitResponse('mailto', 'OPTIONS');
    assert.equal(res.status, 416);
  });

  it('still completes a normal call afterwards', async () => {
    udp.invite({ callId: 'after-all' });
    const ok = await udp.waitResponse('after-all', 'INVITE');
    assert.equal(ok.status, 200);
    udp.ack(ok);
    udp.request('BYE', { callId: 'after-all', to: ok.get('to') ?? '', cseq: 2 });
    const byeOk = await udp.waitResponse('after-all', 'BYE');
    assert.equal(byeOk.status, 200);
    assert.deepEqual(
      seenByApp.filter((c) => c !== 'probe-1' && c !== 'probe-2'),
      ['after-all'],
      'none of the malformed requests reached the app',
    );
  });

  it('answers a framing error on TCP (no Content-Length) with 400 and closes the connection', async () => {
    const tcp = await Phone.tcp(fx.ports.tcp ?? 0);
    try {
      tcp.send(options(tcp, 'tcp-no-length', newBranch(), (t) => t.replace('Content-Length: 0\n', '')));
      const res = await tcp.wait((m) => m.isResponse && m.get('call-id') === 'tcp-no-length');
      assert.equal(res.status, 400);
      assert.match(res.get('warning') ?? '', /Content-Length/);
      await tcp.closedByEdge();
    } finally {
      await tcp.close();
    }
  });
});
