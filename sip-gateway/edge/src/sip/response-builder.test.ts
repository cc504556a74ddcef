import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipMessage } from './message.js';
import { buildResponse, reasonPhrase } from './response-builder.js';

function request(to = 'Bob <sip:bob@example.com>'): SipMessage {
  return SipMessage.request('INVITE', 'sip:bob@example.com', [
    { name: 'Via', value: 'SIP/2.0/UDP proxy.example;branch=z9hG4bK2' },
    { name: 'v', value: 'SIP/2.0/UDP a.example;branch=z9hG4bK1, SIP/2.0/UDP b.example;branch=z9hG4bK0' },
    { name: 'Max-Forwards', value: '69' },
    { name: 'To', value: to },
    { name: 'From', value: 'Alice <sip:alice@example.com>;tag=88' },
    { name: 'Call-ID', value: 'cid' },
    { name: 'CSeq', value: '1 INVITE' },
    { name: 'Timestamp', value: '54' },
    { name: 'Contact', value: '<sip:alice@a.example>' },
    { name: 'Content-Length', value: '0' },
  ]);
}

test('copies Via lines in order, From, To, Call-ID, CSeq and nothing else', () => {
  const r = buildResponse(request(), 486);
  assert.equal(r.status, 486);
  assert.equal(r.reason, 'Busy Here');
  assert.deepEqual(r.headers.map((h) => h.name), ['Via', 'v', 'To', 'From', 'Call-ID', 'CSeq']);
  assert.deepEqual(r.getAll('via'), ['SIP/2.0/UDP proxy.example;branch=z9hG4bK2', 'SIP/2.0/UDP a.example;branch=z9hG4bK1, SIP/2.0/UDP b.example;branch=z9hG4bK0']);
});

test('adds a To tag only when absent', () => {
  assert.equal(buildResponse(request(), 200, undefined, { toTag: 'xyz' }).get('to'), 'Bob <sip:bob@example.com>;tag=xyz');
  assert.equal(buildResponse(request('<sip:bob@example.com>;tag=old'), 200, undefined, { toTag: 'xyz' }).get('to'), '<sip:bob@example.com>;tag=old');
  assert.equal(buildResponse(request('sip:bob@example.com'), 200, undefined, { toTag: 't' }).get('to'), 'sip:bob@example.com;tag=t');
  assert.equal(buildResponse(request(), 200).get('to'), 'Bob <sip:bob@example.com>');
});

test('100 Trying copies Timestamp; custom reason, extra headers and body', () => {
  assert.equal(buildResponse(request(), 100).get('timestamp'), '54');
  assert.equal(buildResponse(request(), 180).has('timestamp'), false);
  const r = buildResponse(request(), 200, 'Fine', { headers: [{ name: 'Contact', value: '<sip:edge@example.com>' }], body: Buffer.from('v=0') });
  assert.equal(r.reason, 'Fine');
  assert.equal(r.get('contact'), '<sip:edge@example.com>');
  assert.equal(r.body.toString(), 'v=0');
});

test('reason phrases and invalid statuses', () => {
  assert.equal(reasonPhrase(200), 'OK');
  assert.equal(reasonPhrase(481), 'Call/Transaction Does Not Exist');
  assert.equal(reasonPhrase(505), 'Version Not Supported');
  assert.equal(reasonPhrase(499), 'Client Error');
  assert.equal(reasonPhrase(42), '');
  assert.throws(() => buildResponse(request(), 700), RangeError);
});
