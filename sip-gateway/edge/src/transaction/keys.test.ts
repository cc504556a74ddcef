import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipMessage } from '../sip/message.js';
import {
  clientKeyForRequest,
  clientKeyForResponse,
  hasMagicCookie,
  newBranch,
  sentByOf,
  serverKey,
  toTagOf,
  topVia,
  topViaValue,
} from './keys.js';
import { makeRequest, makeResponse } from './test-support.js';

test('top Via: first via-parm of the first line (compact form too), sent-by normalized', () => {
  const m = SipMessage.request('OPTIONS', 'sip:x');
  m.add('v', 'SIP / 2.0 / udp  A.Example : 5060 ;branch=z9hG4bK1, SIP/2.0/UDP b.example;branch=z9hG4bK2');
  assert.equal(topViaValue(m), 'SIP / 2.0 / udp  A.Example : 5060 ;branch=z9hG4bK1');
  const v = topVia(m);
  assert.ok(v);
  assert.equal(sentByOf(v), 'a.example:5060');
  assert.equal(v.branch, 'z9hG4bK1');
  const v6 = topVia(makeRequest({ via: 'SIP/2.0/TCP [2001:DB8::1]:5060;branch=z9hG4bKy' }));
  assert.ok(v6);
  assert.equal(sentByOf(v6), '[2001:db8::1]:5060');
  assert.equal(topVia(makeRequest({ via: 'garbage' })), undefined);
  assert.equal(topVia(SipMessage.request('OPTIONS', 'sip:x')), undefined);
});

test('To tag: name-addr, addr-spec, quoted display names, none', () => {
  const m = (to: string) => {
    const r = makeRequest();
    r.set('To', to);
    return r;
  };
  assert.equal(toTagOf(m('"A;tag=no" <sip:a@x;tag=uri>;tag=real')), 'real');
  assert.equal(toTagOf(m('sip:a@x;tag=t2')), 't2');
  assert.equal(toTagOf(m('<sip:a@x;tag=uri>')), '');
  assert.equal(toTagOf(undefined), '');
});

test('branch helpers', () => {
  const b = newBranch();
  assert.ok(b.startsWith('z9hG4bK') && b.length > 7);
  assert.notEqual(newBranch(), b);
  assert.ok(hasMagicCookie('z9hG4bKabc'));
  assert.ok(!hasMagicCookie('1234'));
  assert.ok(!hasMagicCookie(undefined));
});

test('server key (RFC 3261): branch + sent-by + method; ACK → INVITE, CANCEL its own', () => {
  const inv = makeRequest();
  const ack = makeRequest({ method: 'ACK' });
  const cancel = makeRequest({ method: 'CANCEL' });
  assert.equal(serverKey(ack, 'INVITE').key, serverKey(inv, 'INVITE').key);
  assert.notEqual(serverKey(cancel, 'CANCEL').key, serverKey(inv, 'INVITE').key);
  assert.equal(serverKey(cancel, 'INVITE').key, serverKey(inv, 'INVITE').key);
  const other = makeRequest({ via: 'SIP/2.0/UDP 192.0.2.99:5070;branch=z9hG4bKaaa111' });
  assert.notEqual(serverKey(other, 'INVITE').key, serverKey(inv, 'INVITE').key);
  assert.equal(serverKey(inv, 'INVITE').rfc2543, false);
});

test('server key (RFC 2543 fallback): URI, tags, Call-ID, CSeq number, top Via', () => {
  const via = 'SIP/2.0/UDP old.example:5060';
  const inv = makeRequest({ via });
  const k = serverKey(inv, 'INVITE');
  assert.equal(k.rfc2543, true);
  assert.equal(serverKey(makeRequest({ via }), 'INVITE').key, k.key);
  assert.notEqual(serverKey(makeRequest({ via, cseq: 2 }), 'INVITE').key, k.key);
  assert.notEqual(serverKey(makeRequest({ via, callId: 'other' }), 'INVITE').key, k.key);
  assert.notEqual(serverKey(makeRequest({ via, uri: 'sip:carol@example.com' }), 'INVITE').key, k.key);
  const ack = makeRequest({ via, method: 'ACK', toTag: 'srv' });
  assert.notEqual(serverKey(ack, 'INVITE').key, k.key);
  assert.equal(serverKey(ack, 'INVITE', '').key, k.key);
});

test('client keys: top Via branch + method / CSeq method', () => {
  const inv = makeRequest({ branch: 'z9hG4bKcli' });
  const res = makeResponse(inv, 180);
  assert.equal(clientKeyForResponse(res), clientKeyForRequest(inv));
  const cancelRes = makeResponse(makeRequest({ branch: 'z9hG4bKcli', method: 'CANCEL' }), 200);
  assert.notEqual(clientKeyForResponse(cancelRes), clientKeyForRequest(inv));
  const noVia = SipMessage.response(200, 'OK');
  assert.equal(clientKeyForResponse(noVia), undefined);
});

test('server key: the branch compares case-insensitively, sent-by host too', () => {
  const inv = makeRequest({ via: 'SIP/2.0/UDP Host.Example:5070;branch=z9hG4bKAbC' });
  const ack = makeRequest({ method: 'ACK', via: 'SIP/2.0/UDP host.example:5070;branch=z9hg4bkabc' });
  assert.equal(serverKey(ack, 'INVITE').key, serverKey(inv, 'INVITE').key);
  assert.equal(serverKey(ack, 'INVITE').rfc2543, false);
  const noPort = makeRequest({ via: 'SIP/2.0/UDP host.example;branch=z9hG4bKAbC' });
  assert.notEqual(serverKey(noPort, 'INVITE').key, serverKey(inv, 'INVITE').key);
});

test('server key: a branch without the magic cookie, or an unreadable top Via, uses the RFC 2543 rules', () => {
  assert.equal(serverKey(makeRequest({ via: 'SIP/2.0/UDP old.example:5060;branch=1234' }), 'INVITE').rfc2543, true);
  const broken = makeRequest({ via: 'SIP/2.0/UDP old.example:5060;branch=' });
  const k = serverKey(broken, 'INVITE');
  assert.equal(k.rfc2543, true);
  assert.equal(serverKey(makeRequest({ via: 'SIP/2.0/UDP old.example:5060;branch=' }), 'INVITE').key, k.key);
});
