import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { silentLogger } from '@callgate/contracts';
import { AdmissionController } from '../admission/controller.js';
import { negotiate } from '../answer/sdp/answer.js';
import { parseSdp } from '../answer/sdp/parse.js';
import { SdpSession } from '../answer/session.js';
import { GatewayMetrics } from '../metrics.js';
import { FakeDialog, FakeMedia, FakeRequest, FakeResponse, flush, OFFER_PCMU } from '../testing/fakes.js';
import { Call } from './call.js';
import { sipfragStatus } from './transfer.js';

function setup(opts: { delayed?: boolean; maxCallSeconds?: number; transferTarget?: string } = {}) {
  const registry = new Registry();
  const admission = new AdmissionController({ maxConcurrentCalls: 10, maxCallsPerSecond: 10 }, () => 0);
  const r = admission.tryAdmit();
  assert.ok(r.admitted);
  const metrics = new GatewayMetrics(registry, () => admission.inUse);
  const dialog = new FakeDialog();
  const media = new FakeMedia();
  let session: SdpSession;
  if (opts.delayed) {
    session = SdpSession.offering({ name: 'PCMU', payloadType: 0, clockRate: 8000 }, { address: '198.51.100.5', port: 20002 }).session;
  } else {
    const p = parseSdp(OFFER_PCMU);
    assert.ok(p.ok);
    const n = negotiate(p.sdp, { codecs: ['PCMU', 'PCMA'] });
    assert.ok(n.ok);
    session = SdpSession.answering(p.sdp, n.value, { address: '198.51.100.5', port: 20002 }).session;
  }
  let endedCalls = 0;
  const call = new Call({
    dialog,
    media,
    session,
    endpointId: 'ep-1',
    route: { number: '+15550100', agent: 'reception', ...(opts.transferTarget ? { transferTarget: opts.transferTarget } : {}) },
    localIdentity: 'sip:+15550100@gw.example.com',
    ticket: r.ticket,
    metrics,
    logger: silentLogger,
    maxCallSeconds: opts.maxCallSeconds ?? 0,
    allowedTransferTargets: new Set(opts.transferTarget ? [opts.transferTarget] : []),
    awaitingAnswer: opts.delayed ?? false,
    onEnded: () => endedCalls++,
  });
  call.start();
  return { call, dialog, media, admission, registry, ended: () => endedCalls };
}

function inDialog(method: string, init: { body?: string; headers?: Record<string, string> } = {}) {
  return { req: new FakeRequest({ method, ...init }), res: new FakeResponse() };
}

const reinvite = (v: number, dir: string) =>
  ['v=0', `o=alice 2890844526 ${v} IN IP4 192.0.2.10`, 's=-', 'c=IN IP4 192.0.2.10', 't=0 0', 'm=audio 49170 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000', `a=${dir}`, ''].join('\r\n');

describe('call', () => {
  it('connects the agent when the ACK confirms the call, once, with the call identity', async () => {
    const { dialog, media } = setup();
    assert.deepEqual(media.connects, [], 'silent before the ACK');
    dialog.emit('ack', new FakeRequest({ method: 'ACK' }));
    dialog.emit('ack', new FakeRequest({ method: 'ACK' }));
    await flush();
    assert.equal(media.connects.length, 1);
    const [connected] = media.connects as Array<{ endpointId: string; call?: { callId?: string; from?: string } }>;
    assert.equal(connected!.endpointId, 'ep-1');
    assert.equal(connected!.call?.callId, dialog.sip.callId);
    assert.equal(connected!.call?.from, dialog.remote.uri);
  });

  it('caller BYE releases media and the admission slot once', async () => {
    const { call, dialog, media, admission, registry, ended } = setup();
    dialog.emit('destroy', new FakeRequest({ method: 'BYE', source: 'network' }));
    dialog.emit('destroy', new FakeRequest({ method: 'BYE', source: 'network' }));
    await call.ended;
    assert.deepEqual(media.releases, [{ endpointId: 'ep-1', reason: 'caller hangup' }]);
    assert.equal(admission.inUse, 0);
    assert.equal(ended(), 1);
    assert.match(await registry.metrics(), /callgate_calls_total\{outcome="completed"\} 1/);
  });

  it('media hangup_request sends BYE and releases', async () => {
    const { call, dialog, media, admission } = setup();
    call.onMediaEvent({ v: 1, type: 'hangup_request', endpointId: 'ep-1', reason: 'agent said goodbye' });
    await call.ended;
    assert.ok(dialog.destroyed);
    assert.match(dialog.destroyed.headers?.Reason ?? '', /agent said goodbye/);
    assert.equal(media.releases.length, 1);
    assert.equal(admission.inUse, 0);
  });

  it('max call duration hangs up', async () => {
    const { call, dialog } = setup({ maxCallSeconds: 0.01 });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(call.isEnded, true);
    assert.match(dialog.destroyed?.headers?.Reason ?? '', /max call duration/);
  });

  it('rtp_timeout hangs up unless the caller holds the call', async () => {
    const held = setup();
    const { req, res } = inDialog('INVITE', { body: reinvite(2890844527, 'inactive'), headers: { 'Content-Type': 'application/sdp' } });
    held.dialog.emit('modify', req, res);
    await flush();
    held.call.onMediaEvent({ v: 1, type: 'rtp_timeout', endpointId: 'ep-1', silentMs: 30000 });
    assert.equal(held.call.isEnded, false);

    const active = setup();
    active.call.onMediaEvent({ v: 1, type: 'rtp_timeout', endpointId: 'ep-1', silentMs: 30000 });
    assert.equal(active.call.isEnded, true);
    assert.ok(active.dialog.destroyed);
  });

  it('re-INVITE hold/unhold updates media and answers with our SDP and Contact', async () => {
    const { dialog, media } = setup();
    const hold = inDialog('INVITE', { body: reinvite(2890844527, 'sendonly'), headers: { 'Content-Type': 'application/sdp' } });
    dialog.emit('modify', hold.req, hold.res);
    await flush();
    assert.equal(hold.res.last?.status, 200);
    assert.match(hold.res.last?.body ?? '', /a=recvonly/);
    assert.equal(hold.res.last?.headers['Content-Type'], 'application/sdp');
    assert.equal(hold.res.last?.headers.Contact, dialog.local.contact);
    assert.deepEqual(media.updates.at(-1)?.remote, { address: '192.0.2.10', port: 49170, direction: 'recvonly' });
    assert.equal(dialog.local.sdp, hold.res.last?.body);

    const unhold = inDialog('INVITE', { body: reinvite(2890844528, 'sendrecv'), headers: { 'Content-Type': 'application/sdp' } });
    dialog.emit('modify', unhold.req, unhold.res);
    await flush();
    assert.match(unhold.res.last?.body ?? '', /a=sendrecv/);
    assert.equal(media.updates.length, 2);

    const refresh = inDialog('INVITE', { body: reinvite(2890844528, 'sendrecv'), headers: { 'Content-Type': 'application/sdp' } });
    dialog.emit('modify', refresh.req, refresh.res);
    await flush();
    assert.equal(refresh.res.last?.body, unhold.res.last?.body, 'session refresh: same answer, same version');
    assert.equal(media.updates.length, 2, 'no media change on refresh');
  });

  it('re-INVITE with an unacceptable offer gets 488 with Warning, call unchanged', async () => {
    const { call, dialog } = setup();
    const r = inDialog('INVITE', { body: reinvite(3, 'sendrecv').replace('RTP/AVP 0 101', 'RTP/AVP 18'), headers: { 'Content-Type': 'application/sdp' } });
    dialog.emit('modify', r.req, r.res);
    await flush();
    assert.equal(r.res.last?.status, 488);
    assert.match(r.res.last?.headers.Warning ?? '', /^305 /);
    assert.equal(call.isEnded, false);
  });

  it('re-INVITE without SDP: we offer in the 200, the ACK carries the answer', async () => {
    const { dialog, media } = setup();
    const r = inDialog('INVITE');
    dialog.emit('modify', r.req, r.res);
    await flush();
    assert.equal(r.res.last?.status, 200);
    assert.match(r.res.last?.body ?? '', /a=sendrecv/);
    dialog.emit('ack', new FakeRequest({ method: 'ACK', body: reinvite(9, 'recvonly').replace('192.0.2.10', '192.0.2.10').replace(/c=IN IP4 192.0.2.10/, 'c=IN IP4 192.0.2.44') }));
    await flush();
    assert.deepEqual(media.updates.at(-1)?.remote, { address: '192.0.2.44', port: 49170, direction: 'sendonly' });
  });

  it('a second offer while ours is unanswered gets 491; overlapping offers get 500 + Retry-After', async () => {
    const { dialog } = setup();
    const first = inDialog('INVITE');
    dialog.emit('modify', first.req, first.res);
    await flush();
    const second = inDialog('INVITE', { body: reinvite(20, 'sendonly'), headers: { 'Content-Type': 'application/sdp' } });
    dialog.emit('modify', second.req, second.res);
    await flush();
    assert.equal(second.res.last?.status, 491);

    const b = setup();
    const a1 = inDialog('INVITE', { body: reinvite(21, 'sendonly'), headers: { 'Content-Type': 'application/sdp' } });
    const a2 = inDialog('INVITE', { body: reinvite(22, 'sendrecv'), headers: { 'Content-Type': 'application/sdp' } });
    b.dialog.emit('modify', a1.req, a1.res);
    b.dialog.emit('modify', a2.req, a2.res);
    await flush();
    assert.equal(a1.res.last?.status, 200);
    assert.equal(a2.res.last?.status, 500);
    assert.match(a2.res.last?.headers['Retry-After'] ?? '', /^\d+$/);
  });

  it('delayed offer: a usable ACK answer updates media; a missing one ends the call with BYE', async () => {
    const ok = setup({ delayed: true });
    ok.dialog.emit('ack', new FakeRequest({ method: 'ACK', body: reinvite(1, 'sendrecv') }));
    await flush();
    assert.deepEqual(ok.media.updates[0]?.remote, { address: '192.0.2.10', port: 49170, direction: 'sendrecv' });
    assert.equal(ok.call.isEnded, false);

    const bad = setup({ delayed: true });
    bad.dialog.emit('ack', new FakeRequest({ method: 'ACK' }));
    await bad.call.ended;
    assert.ok(bad.dialog.destroyed);
    assert.equal(bad.media.releases.length, 1);
  });

  it('INFO DTMF reaches the media endpoint; other bodies get 415', async () => {
    const { dialog, media } = setup();
    const r = inDialog('INFO', { body: 'Signal=5\r\nDuration=160\r\n', headers: { 'Content-Type': 'application/dtmf-relay' } });
    dialog.emit('info', r.req, r.res);
    assert.equal(r.res.last?.status, 200);
    assert.deepEqual(media.dtmf, [{ endpointId: 'ep-1', digit: '5', durationMs: 160 }]);
    const r2 = inDialog('INFO', { body: '<x/>', headers: { 'Content-Type': 'application/xml' } });
    dialog.emit('info', r2.req, r2.res);
    assert.equal(r2.res.last?.status, 415);
  });

  it('declines an inbound REFER, answers OPTIONS, refuses MESSAGE', () => {
    const { dialog } = setup();
    const refer = inDialog('REFER', { headers: { 'Refer-To': '<sip:x@y>' } });
    dialog.emit('refer', refer.req, refer.res);
    assert.equal(refer.res.last?.status, 603);
    const opt = inDialog('OPTIONS');
    dialog.emit('options', opt.req, opt.res);
    assert.equal(opt.res.last?.status, 200);
    assert.ok(opt.res.last?.headers.Allow);
    const msg = inDialog('MESSAGE');
    dialog.emit('message', msg.req, msg.res);
    assert.equal(msg.res.last?.status, 405);
  });
});

describe('blind transfer', () => {
  it('parses sipfrag status lines', () => {
    assert.equal(sipfragStatus('SIP/2.0 200 OK\r\n'), 200);
    assert.equal(sipfragStatus('SIP/2.0 100 Trying'), 100);
    assert.equal(sipfragStatus('garbage'), null);
  });

  it('REFER to the configured target, NOTIFY 200 sipfrag → BYE', async () => {
    const { call, dialog, registry } = setup({ transferTarget: 'sip:desk@pbx.example.com' });
    call.onMediaEvent({ v: 1, type: 'transfer_request', endpointId: 'ep-1' });
    await flush();
    const refer = dialog.requests[0];
    assert.equal(refer?.method, 'REFER');
    assert.equal(refer?.headers?.['Refer-To'], '<sip:desk@pbx.example.com>');
    assert.equal(refer?.headers?.['Referred-By'], '<sip:+15550100@gw.example.com>');

    const trying = inDialog('NOTIFY', { body: 'SIP/2.0 100 Trying\r\n', headers: { Event: 'refer', 'Subscription-State': 'active;expires=60', 'Content-Type': 'message/sipfrag' } });
    dialog.emit('notify', trying.req, trying.res);
    assert.equal(trying.res.last?.status, 200);
    assert.equal(call.isEnded, false);

    const done = inDialog('NOTIFY', { body: 'SIP/2.0 200 OK\r\n', headers: { Event: 'refer', 'Subscription-State': 'terminated;reason=noresource', 'Content-Type': 'message/sipfrag' } });
    dialog.emit('notify', done.req, done.res);
    assert.equal(done.res.last?.status, 200);
    await call.ended;
    assert.ok(dialog.destroyed, 'our leg is hung up');
    assert.match(await registry.metrics(), /callgate_calls_total\{outcome="transferred"\} 1/);
  });

  it('a failed transfer keeps the call', async () => {
    const { call, dialog } = setup({ transferTarget: 'tel:+15550199' });
    call.onMediaEvent({ v: 1, type: 'transfer_request', endpointId: 'ep-1' });
    await flush();
    assert.equal(dialog.requests[0]?.headers?.['Refer-To'], '<tel:+15550199>');
    const busy = inDialog('NOTIFY', { body: 'SIP/2.0 486 Busy Here\r\n', headers: { Event: 'refer;id=2', 'Subscription-State': 'terminated' } });
    dialog.emit('notify', busy.req, busy.res);
    await flush();
    assert.equal(call.isEnded, false);
    assert.equal(dialog.destroyed, undefined);
  });

  it('a REFER refused by the caller keeps the call; no target or a foreign target does nothing', async () => {
    const refused = setup({ transferTarget: 'sip:desk@pbx.example.com' });
    refused.dialog.nextReply = { status: 405, get: () => undefined };
    refused.call.onMediaEvent({ v: 1, type: 'transfer_request', endpointId: 'ep-1' });
    await flush();
    assert.equal(refused.call.isEnded, false);

    const none = setup();
    none.call.onMediaEvent({ v: 1, type: 'transfer_request', endpointId: 'ep-1' });
    assert.equal(none.dialog.requests.length, 0);

    const foreign = setup({ transferTarget: 'sip:desk@pbx.example.com' });
    foreign.call.onMediaEvent({ v: 1, type: 'transfer_request', endpointId: 'ep-1', target: 'sip:premium@elsewhere' });
    assert.equal(foreign.dialog.requests.length, 0);
  });

  it('a NOTIFY without a transfer gets 481, a foreign event 489', () => {
    const { dialog } = setup();
    const n = inDialog('NOTIFY', { headers: { Event: 'refer' } });
    dialog.emit('notify', n.req, n.res);
    assert.equal(n.res.last?.status, 481);
    const d = inDialog('NOTIFY', { headers: { Event: 'dialog' } });
    dialog.emit('notify', d.req, d.res);
    assert.equal(d.res.last?.status, 489);
  });
});
