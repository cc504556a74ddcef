import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { negotiate } from './sdp/answer.js';
import { parseSdp } from './sdp/parse.js';
import { SdpSession } from './session.js';
import { OFFER_PCMU } from '../testing/fakes.js';

const local = { address: '198.51.100.5', port: 20002 };

function start(text = OFFER_PCMU) {
  const p = parseSdp(text);
  assert.ok(p.ok);
  const n = negotiate(p.sdp, { codecs: ['PCMU', 'PCMA'] });
  assert.ok(n.ok);
  return SdpSession.answering(p.sdp, n.value, local);
}

function version(sdp: string): string {
  return /^o=\S+ \S+ (\S+)/m.exec(sdp)?.[1] as string;
}

const reoffer = (v: number, extra: string[] = [], conn = '192.0.2.10', port = 49170) =>
  ['v=0', `o=alice 2890844526 ${v} IN IP4 ${conn}`, 's=-', `c=IN IP4 ${conn}`, 't=0 0', `m=audio ${port} RTP/AVP 0 101`, 'a=rtpmap:101 telephone-event/8000', ...extra, ''].join('\r\n');

describe('sdp session (re-INVITE)', () => {
  it('answers a session refresh with the same description and version', () => {
    const { session, sdp } = start();
    const r = session.answer(OFFER_PCMU);
    assert.ok(r.ok);
    assert.equal(r.refresh, true);
    assert.equal(r.remoteChanged, false);
    assert.equal(r.sdp, sdp);
  });

  it('hold (sendonly) then unhold: direction answered, version bumped on each change', () => {
    const { session, sdp } = start();
    const v0 = Number(version(sdp));
    const hold = session.answer(reoffer(2890844527, ['a=sendonly']));
    assert.ok(hold.ok);
    assert.equal(hold.remoteChanged, true);
    assert.equal(hold.remote.direction, 'recvonly');
    assert.match(hold.sdp, /a=recvonly/);
    assert.equal(Number(version(hold.sdp)), v0 + 1);

    const again = session.answer(reoffer(2890844528, ['a=sendonly']));
    assert.ok(again.ok);
    assert.equal(again.remoteChanged, false);
    assert.equal(Number(version(again.sdp)), v0 + 1, 'new offer version, same answer: our version stays');

    const unhold = session.answer(reoffer(2890844529, ['a=sendrecv']));
    assert.ok(unhold.ok);
    assert.equal(unhold.remote.direction, 'sendrecv');
    assert.equal(Number(version(unhold.sdp)), v0 + 2);
  });

  it('hold with inactive and with c=0.0.0.0', () => {
    const { session } = start();
    const inactive = session.answer(reoffer(5, ['a=inactive']));
    assert.ok(inactive.ok);
    assert.equal(inactive.remote.direction, 'inactive');
    const legacy = session.answer(reoffer(6, [], '0.0.0.0'));
    assert.ok(legacy.ok);
    assert.equal(legacy.remote.direction, 'recvonly');
    assert.equal(legacy.remote.address, '0.0.0.0');
  });

  it('a new remote address or port is a media change', () => {
    const { session } = start();
    const r = session.answer(reoffer(7, [], '192.0.2.77', 50000));
    assert.ok(r.ok);
    assert.equal(r.remoteChanged, true);
    assert.deepEqual(r.remote, { address: '192.0.2.77', port: 50000, direction: 'sendrecv' });
  });

  it('refuses a re-offer without the call codec (488) and stays as it was', () => {
    const { session } = start();
    const r = session.answer(reoffer(8).replace('RTP/AVP 0 101', 'RTP/AVP 8 101'));
    assert.ok(!r.ok);
    assert.equal(r.status, 488);
    assert.equal(session.currentRemote.direction, 'sendrecv');
    const bad = session.answer('garbage');
    assert.ok(!bad.ok);
    assert.equal(bad.status, 488);
    assert.equal(bad.warning.code, 399);
  });

  it('keeps rejected m-lines in later offers of ours', () => {
    const twoLines = OFFER_PCMU + 'm=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n';
    const { session } = start(twoLines);
    const offer = session.offer();
    assert.deepEqual(offer.split('\r\n').filter((l) => l.startsWith('m=')), ['m=audio 20002 RTP/AVP 0 101', 'm=video 0 RTP/AVP 96']);
  });
});

describe('sdp session (delayed offer)', () => {
  const pcmu = { name: 'PCMU' as const, payloadType: 0, clockRate: 8000 as const };

  it('offers our codec with telephone-event and applies the answer from the ACK', () => {
    const { session, sdp } = SdpSession.offering(pcmu, local);
    assert.match(sdp, /^m=audio 20002 RTP\/AVP 0 101\r$/m);
    assert.match(sdp, /^a=sendrecv\r$/m);
    const ans = ['v=0', 'o=bob 9 9 IN IP4 192.0.2.20', 's=-', 'c=IN IP4 192.0.2.20', 't=0 0', 'm=audio 6000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000', 'a=recvonly', ''].join('\r\n');
    const r = session.applyAnswer(ans);
    assert.ok(r.ok);
    assert.deepEqual(r.remote, { address: '192.0.2.20', port: 6000, direction: 'sendonly' });
    assert.equal(session.telephoneEventPayloadType, 101);
  });

  it('refuses an answer that is missing, rejects audio, or changes codec', () => {
    const { session } = SdpSession.offering(pcmu, local);
    assert.equal(session.applyAnswer(undefined).ok, false);
    const base = ['v=0', 'o=bob 9 9 IN IP4 192.0.2.20', 's=-', 'c=IN IP4 192.0.2.20', 't=0 0'];
    assert.equal(session.applyAnswer([...base, 'm=audio 0 RTP/AVP 0', ''].join('\r\n')).ok, false);
    assert.equal(session.applyAnswer([...base, 'm=audio 6000 RTP/AVP 8', ''].join('\r\n')).ok, false);
  });
});
