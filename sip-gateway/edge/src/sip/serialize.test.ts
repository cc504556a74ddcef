import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipMessage } from './message.js';
import { parseMessage } from './parser.js';
import { serializeMessage } from './serialize.js';

const BASE = [
  { name: 'Via', value: 'SIP/2.0/UDP h.example;branch=z9hG4bK1' },
  { name: 'f', value: '<sip:a@example.com>;tag=1' },
  { name: 'To', value: '<sip:b@example.com>' },
  { name: 'Call-ID', value: 'cid-1' },
  { name: 'CSeq', value: '1 MESSAGE' },
  { name: 'X-Unknown', value: 'kept' },
];

test('writes start line, headers, blank line and a correct Content-Length', () => {
  const msg = SipMessage.request('MESSAGE', 'sip:b@example.com', BASE.map((h) => ({ ...h })), Buffer.from('héllo'));
  const text = serializeMessage(msg).toString('utf8');
  assert.ok(text.startsWith('MESSAGE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h.example;branch=z9hG4bK1\r\nf: <sip:a@example.com>;tag=1\r\n'));
  assert.ok(text.endsWith('X-Unknown: kept\r\nContent-Length: 6\r\n\r\nhéllo'));
});

test('replaces a wrong Content-Length in place and drops duplicates', () => {
  const msg = SipMessage.request('MESSAGE', 'sip:b@example.com', [...BASE, { name: 'l', value: '99' }, { name: 'X-After', value: '1' }, { name: 'Content-Length', value: '5' }], Buffer.from('abc'));
  const text = serializeMessage(msg).toString();
  assert.match(text, /\r\nl: 3\r\nX-After: 1\r\n\r\nabc$/);
  assert.equal(text.match(/Content-Length|\nl:/g)?.length, 1);
});

test('response status line and empty reason', () => {
  assert.ok(serializeMessage(SipMessage.response(200, 'OK', [])).toString().startsWith('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'));
  assert.ok(serializeMessage(SipMessage.response(200, '', [])).toString().startsWith('SIP/2.0 200 \r\n'));
});

test('CR/LF in values cannot inject headers', () => {
  const msg = SipMessage.request('MESSAGE', 'sip:b@example.com', [...BASE, { name: 'Subject', value: 'hi\r\nX-Injected: 1' }]);
  const parsed = parseMessage(serializeMessage(msg));
  assert.ok(parsed.ok);
  assert.equal(parsed.message.has('x-injected'), false);
  assert.equal(parsed.message.get('subject'), 'hi X-Injected: 1');
});

test('round trip: parse(serialize(m)) equals m apart from Content-Length', () => {
  const msg = SipMessage.request('MESSAGE', 'sip:b@example.com', BASE.map((h) => ({ ...h })), Buffer.from('\r\n\r\nbinary\x00body'));
  const again = parseMessage(serializeMessage(msg));
  assert.ok(again.ok);
  assert.deepEqual(again.message.startLine, msg.startLine);
  assert.deepEqual(again.message.headers.slice(0, -1), msg.headers);
  assert.equal(again.message.get('content-length'), String(msg.body.length));
  assert.deepEqual(again.message.body, msg.body);
  const wire = serializeMessage(again.message);
  const third = parseMessage(wire);
  assert.ok(third.ok);
  assert.deepEqual(serializeMessage(third.message), wire);
});
