import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipMessage } from '../sip/message.js';
import {
  addressParams,
  clientKeyForRequest,
  clientKeyForResponse,
  cseqOf,
  hasMagicCookie,
  newBranch,
  parseVia,
  serverKey,
  splitHeaderList,
  topVia,
} from './keys.js';
import { makeRequest, makeResponse } from './test-support.js';

test('parseVia: sent-by, port, params, IPv6, odd whitespace', () => {
  const v = parseVia('SIP / 2.0 / udp  Host.Example.COM : 5061 ;branch=z9hG4bKx1;rport;received=10.0.0.1');
  assert.ok(v);
  assert.equal(v.protocol, 'SIP/2.0/UDP');
  assert.equal(v.sentBy, 'host.example.com:5061');
  assert.equal(v.host, 'host.example.com');
  assert.equal(v.port, 5061);
  assert.equal(v.branch, 'z9hG4bKx1');
  assert.equal(v.params.get('rport'), '');
  assert.equal(v.params.get('received'), '10.0.0.1');
  const v6 = parseVia('SIP/2.0/TCP [2001:db8::1]:5060;branch=z9hG4bKy');
  assert.equal(v6?.host, '[2001:db8::1]');
  assert.equal(v6?.port, 5060);
  assert.equal(parseVia('SIP/2.0/UDP [2001:db8::1];branch=z')?.port, undefined);
  assert.equal(parseVia('garbage'), undefined);
  assert.equal(parseVia('SIP/2.0/UDP host:abc'), undefined);
});

test('topVia reads the first element of a comma-separated first line, compact form too', () => {
  const m = SipMessage.request('OPTIONS', 'sip:x');
  m.add('v', 'SIP/2.0/UDP a.example:5060;branch=z9hG4bK1, SIP/2.0/UDP b.example;branch=z9hG4bK2');
  assert.equal(topVia(m)?.sentBy, 'a.example:5060');
  assert.deepEqual(splitHeaderList('"a,b" <sip:x>, <sip:y,z>'), ['"a,b" <sip:x>', '<sip:y,z>']);
});

test('To/From tags: name-addr, addr-spec, quoted display names', () => {
  assert.equal(addressParams('"A;tag=no" <sip:a@x;tag=uri>;tag=real').get('tag'), 'real');
  assert.equal(addressParams('sip:a@x;tag=t2').get('tag'), 't2');
  assert.equal(addressParams('<sip:a@x;tag=uri>').get('tag'), undefined);
  assert.deepEqual(cseqOf(makeRequest({ cseq: 42 })), { seq: 42, method: 'INVITE' });
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
