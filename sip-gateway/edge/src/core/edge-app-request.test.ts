/**
 * An out-of-dialog request sent by a real drachtio-srf app through the embedded edge: the edge completes it
 * (Via with a fresh branch, From tag, Call-ID, CSeq, Max-Forwards) and hands the phone's response to the app.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type Srf from 'drachtio-srf';
import { connectApp, startTestEdge, type EdgeFixture, type SrfRequestFn } from './testing/edge-fixture.js';
import { Phone, cseqMethod, cseqNumber, tagOf, within } from './testing/phone.js';
import { parseVia } from '../sip/headers/via.js';

describe('edge: out-of-dialog request from the app', () => {
  let fx: EdgeFixture;
  let srf: Srf;
  let phone: Phone;

  before(async () => {
    fx = await startTestEdge();
    srf = await connectApp(fx.controlPort);
    phone = await Phone.udp(fx.ports.udp ?? 0);
  });

  after(async () => {
    srf.disconnect();
    await phone.close();
    await fx.stop();
  });

  it("sends a complete OPTIONS to the phone and passes the phone's 200 to the app's callback", async () => {
    const uri = `sip:x@127.0.0.1:${phone.port}`;
    const response = new Promise<Srf.SrfResponse>((resolve, reject) => {
      (srf.request as unknown as SrfRequestFn)(uri, { method: 'OPTIONS' }, (err, req) => {
        if (err) return reject(err);
        req.on('response', (res) => resolve(res));
      });
    });

    const options = await phone.waitRequest('OPTIONS');
    assert.equal(options.uri, uri);
    const vias = options.getAll('via');
    assert.equal(vias.length, 1);
    const via = parseVia(vias[0] ?? '');
    assert.ok(via, 'a readable Via');
    assert.equal(via.transport, 'UDP');
    assert.equal(via.host, '127.0.0.1');
    assert.equal(via.port, fx.ports.udp);
    assert.match(via.branch ?? '', /^z9hG4bK.+/);
    assert.notEqual(tagOf(options.get('from')), '', 'From carries a tag');
    assert.equal(tagOf(options.get('to')), '', 'To has no tag');
    assert.ok((options.get('call-id') ?? '').length > 0, 'a Call-ID');
    assert.equal(cseqMethod(options), 'OPTIONS');
    assert.ok(cseqNumber(options) > 0);
    assert.equal(options.get('max-forwards'), '70');

    phone.reply(options, 200, { toTag: 'opt-tag' });
    const res = await within(response, "the OPTIONS' response at the app");
    assert.equal(res.status, 200);
    assert.equal(res.get('Call-ID'), options.get('call-id'));
  });
});
