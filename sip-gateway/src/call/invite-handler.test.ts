import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { silentLogger } from '@callgate/contracts';
import { AdmissionController } from '../admission/controller.js';
import { GatewayMetrics } from '../metrics.js';
import { createAdmission } from '../middleware/admission.js';
import { createObserver } from '../middleware/observe.js';
import type { Middleware, SipHeaders } from '../sip/types.js';
import { FakeDialog, FakeMedia, FakeRequest, FakeResponse, flush, OFFER_PCMU } from '../testing/fakes.js';
import { CallRegistry } from './registry.js';
import { createInviteHandler, headerUri, type CreateUAS } from './invite-handler.js';

function setup(opts: { failUAS?: boolean } = {}) {
  const registry = new Registry();
  const admission = new AdmissionController({ maxConcurrentCalls: 10, maxCallsPerSecond: 100 }, () => 0);
  const metrics = new GatewayMetrics(registry, () => admission.inUse);
  const media = new FakeMedia();
  const calls = new CallRegistry();
  const uas: Array<{ localSdp: string; headers: SipHeaders }> = [];
  const dialog = new FakeDialog();
  const createUAS: CreateUAS = async (_req, res, o) => {
    uas.push(o);
    if (opts.failUAS) throw new Error('edge went away');
    res.send(200, 'OK', { body: o.localSdp, headers: o.headers });
    return dialog;
  };
  const chain: Middleware[] = [
    createObserver(metrics),
    (req, _res, next) => {
      req.locals = { ...(req.locals ?? {}), route: { number: '+15550100', agent: 'reception' } };
      next();
    },
    createAdmission({ controller: admission, retryAfterSeconds: 5, metrics, logger: silentLogger }),
    createInviteHandler({
      createUAS,
      media,
      codecs: ['PCMU', 'PCMA'],
      registry: calls,
      metrics,
      logger: silentLogger,
      maxCallSeconds: 0,
      retryAfterSeconds: 5,
      allowedTransferTargets: new Set(),
    }),
  ];
  const run = (req: FakeRequest, res: FakeResponse) => {
    let i = 0;
    const next = () => {
      const mw = chain[i++];
      if (mw) mw(req, res, next);
    };
    next();
  };
  return { registry, admission, media, calls, uas, dialog, run };
}

const sdpInvite = (body = OFFER_PCMU, type = 'application/sdp') => new FakeRequest({ body, headers: { 'Content-Type': type } });

describe('INVITE handler', () => {
  it('allocates media from the negotiated offer and answers with its address', async () => {
    const t = setup();
    const res = new FakeResponse();
    t.run(sdpInvite(), res);
    await flush();
    assert.equal(res.last?.status, 200);
    const a = t.media.allocations[0];
    assert.ok(a);
    assert.deepEqual(a.codec, { name: 'PCMU', payloadType: 0, clockRate: 8000 });
    assert.equal(a.telephoneEventPayloadType, 101);
    assert.deepEqual(a.remote, { address: '192.0.2.10', port: 49170, direction: 'sendrecv' });
    assert.equal(a.agent, 'reception');
    assert.match(t.uas[0]?.localSdp ?? '', /^m=audio 20002 RTP\/AVP 0 101\r$/m);
    assert.match(t.uas[0]?.localSdp ?? '', /^c=IN IP4 198\.51\.100\.5\r$/m);
    assert.equal(t.uas[0]?.headers['Content-Type'], 'application/sdp');
    assert.equal(t.calls.size, 1);
    assert.equal(t.admission.inUse, 1);

    t.dialog.emit('destroy', new FakeRequest({ method: 'BYE', source: 'network' }));
    assert.equal(t.calls.size, 0);
    assert.equal(t.admission.inUse, 0);
    assert.deepEqual(t.media.releases, [{ endpointId: 'ep-1', reason: 'caller hangup' }]);
    const text = await t.registry.metrics();
    assert.match(text, /callgate_sip_requests_total\{method="INVITE"\} 1/);
    assert.match(text, /callgate_sip_requests_total\{method="BYE"\} 1/);
    assert.match(text, /callgate_sip_responses_total\{code="200"\} 2/);
    assert.match(text, /callgate_calls_total\{outcome="completed"\} 1/);
  });

  it('no common codec → 488 with Warning 305, nothing allocated, slot freed', async () => {
    const t = setup();
    const res = new FakeResponse();
    t.run(sdpInvite(OFFER_PCMU.replace('RTP/AVP 0 8 101', 'RTP/AVP 9 101')), res);
    await flush();
    assert.equal(res.last?.status, 488);
    assert.match(res.last?.headers.Warning ?? '', /^305 callgate "/);
    assert.equal(t.media.allocations.length, 0);
    assert.equal(t.admission.inUse, 0);
    assert.match(await t.registry.metrics(), /callgate_calls_total\{outcome="rejected"\} 1/);
  });

  it('malformed SDP → 488 with Warning 399; a non-SDP body → 415', async () => {
    const t = setup();
    const bad = new FakeResponse();
    t.run(sdpInvite('v=0\r\nnonsense'), bad);
    const other = new FakeResponse();
    t.run(sdpInvite('<xml/>', 'application/xml'), other);
    await flush();
    assert.equal(bad.last?.status, 488);
    assert.match(bad.last?.headers.Warning ?? '', /^399 /);
    assert.equal(other.last?.status, 415);
    assert.equal(other.last?.headers.Accept, 'application/sdp');
  });

  it('media allocation failure → 503 with Retry-After, counted as failed', async () => {
    const t = setup();
    t.media.failAllocate = true;
    const res = new FakeResponse();
    t.run(sdpInvite(), res);
    await flush();
    assert.equal(res.last?.status, 503);
    assert.equal(res.last?.headers['Retry-After'], '5');
    assert.equal(t.admission.inUse, 0);
    assert.match(await t.registry.metrics(), /callgate_calls_total\{outcome="failed"\} 1/);
  });

  it('CANCEL while media is being allocated releases the endpoint and never answers', async () => {
    const t = setup();
    let open!: () => void;
    t.media.gate = new Promise((r) => (open = r));
    const req = sdpInvite();
    const res = new FakeResponse();
    t.run(req, res);
    await flush();
    req.emit('cancel');
    assert.equal(t.admission.inUse, 0);
    open();
    await flush();
    assert.equal(t.uas.length, 0, 'no 200 after CANCEL');
    assert.deepEqual(t.media.releases, [{ endpointId: 'ep-1', reason: 'cancelled' }]);
    const text = await t.registry.metrics();
    assert.match(text, /callgate_calls_total\{outcome="cancelled"\} 1/);
    assert.match(text, /callgate_sip_requests_total\{method="CANCEL"\} 1/);
  });

  it('a failure to send the 200 releases the endpoint and answers 500', async () => {
    const t = setup({ failUAS: true });
    const res = new FakeResponse();
    t.run(sdpInvite(), res);
    await flush();
    await flush();
    assert.equal(res.last?.status, 500);
    assert.equal(t.media.releases.length, 1);
    assert.equal(t.admission.inUse, 0);
    assert.equal(t.calls.size, 0);
  });

  it('delayed offer: allocates our first codec, offers in the 200, waits for the ACK', async () => {
    const t = setup();
    const res = new FakeResponse();
    t.run(new FakeRequest({}), res);
    await flush();
    assert.equal(res.last?.status, 200);
    const a = t.media.allocations[0];
    assert.equal(a?.codec.name, 'PCMU');
    assert.deepEqual(a?.remote, { address: '0.0.0.0', port: 0, direction: 'inactive' });
    assert.match(t.uas[0]?.localSdp ?? '', /^m=audio 20002 RTP\/AVP 0 101\r$/m);
    t.dialog.emit('ack', new FakeRequest({ method: 'ACK', body: OFFER_PCMU.replace('RTP/AVP 0 8 101', 'RTP/AVP 0 101') }));
    await flush();
    assert.deepEqual(t.media.updates[0]?.remote, { address: '192.0.2.10', port: 49170, direction: 'sendrecv' });
  });

  it('headerUri takes the URI out of a name-addr', () => {
    assert.equal(headerUri('"Desk" <sip:+15550100@gw;user=phone>;tag=1'), 'sip:+15550100@gw;user=phone');
    assert.equal(headerUri('sip:1000@gw;tag=2'), 'sip:1000@gw');
  });
});
