import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage, type ParseResult } from './parser.js';
import type { SipMessage } from './message.js';

const HEADERS = [
  'Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@example.com>',
  'From: Alice <sip:alice@example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.example.com',
  'CSeq: 314159 INVITE',
];

function wire(lines: string[], body = '', eol = '\r\n'): Buffer {
  return Buffer.from(lines.join(eol) + eol + eol + body, 'utf8');
}

function invite(extra: string[] = [], body = ''): Buffer {
  return wire(['INVITE sip:bob@example.com SIP/2.0', ...HEADERS, ...extra], body);
}

function ok(r: ParseResult): SipMessage {
  if (!r.ok) assert.fail(`expected ok, got: ${r.error}`);
  return r.message;
}

function notOk(r: ParseResult, pattern?: RegExp): Extract<ParseResult, { ok: false }> {
  if (r.ok) assert.fail('expected a parse failure');
  if (pattern) assert.match(r.error, pattern);
  return r;
}

test('plain request with body', () => {
  const m = ok(parseMessage(invite(['Content-Type: application/sdp', 'Content-Length: 4'], 'v=0\n')));
  assert.equal(m.method, 'INVITE');
  assert.equal(m.uri, 'sip:bob@example.com');
  assert.equal(m.get('call-id'), 'a84b4c76e66710@pc33.example.com');
  assert.equal(m.body.toString(), 'v=0\n');
});

test('response status line', () => {
  const m = ok(parseMessage(wire(['SIP/2.0 180 Ringing Now', ...HEADERS, 'Content-Length: 0'])));
  assert.equal(m.status, 180);
  assert.equal(m.reason, 'Ringing Now');
  assert.equal(ok(parseMessage(wire(['SIP/2.0 200 ', ...HEADERS]))).reason, '');
  assert.equal(ok(parseMessage(wire(['sip/2.0 200', ...HEADERS]))).status, 200);
});

test('compact forms, any case, odd white space, folding, unknown headers in order', () => {
  const m = ok(parseMessage(wire([
    'OPTIONS sip:x@example.com SIP/2.0',
    'v   :SIP/2.0/UDP h.example;branch=z9hG4bK1',
    'T:\t<sip:x@example.com>',
    'f: <sip:y@example.com>;tag=9',
    'i: abc',
    'cseq: 8',
    '   OPTIONS',
    'X-First: 1',
    'Subject: a long',
    '\t subject',
    'x-first: 2',
    'Content-Length :   0',
  ])));
  assert.equal(m.get('Via'), 'SIP/2.0/UDP h.example;branch=z9hG4bK1');
  assert.equal(m.get('to'), '<sip:x@example.com>');
  assert.equal(m.get('cseq'), '8 OPTIONS');
  assert.equal(m.get('subject'), 'a long subject');
  assert.deepEqual(m.getAll('x-first'), ['1', '2']);
  assert.deepEqual(m.headers.map((h) => h.name).slice(5), ['X-First', 'Subject', 'x-first', 'Content-Length']);
});

test('leading CRLFs and bare LF line endings', () => {
  const lf = wire(['BYE sip:bob@example.com SIP/2.0', ...HEADERS.map((h) => h.replace('INVITE', 'BYE'))], '', '\n');
  assert.equal(ok(parseMessage(Buffer.concat([Buffer.from('\r\n\r\n'), lf]))).method, 'BYE');
});

test('unknown method and odd but valid request URIs', () => {
  const lines = (method: string, uri: string): string[] => [`${method} ${uri} SIP/2.0`, ...HEADERS.map((h) => h.replace('INVITE', method))];
  assert.equal(ok(parseMessage(wire(lines('NEWMETHOD', 'sip:%61lice@example.com;x=%20y?h=1')))).method, 'NEWMETHOD');
  ok(parseMessage(wire(lines('INVITE', 'sip:[2001:db8::1]:5060;transport=udp'))));
  ok(parseMessage(wire(lines('INVITE', 'tel:+1-201-555-0123'))));
  ok(parseMessage(wire(lines('INVITE', 'urn:service:sos'))));
  notOk(parseMessage(wire(lines('INVITE', 'sip:bob@exa%mple.com'))), /Request-URI/);
});

test('body by Content-Length: short, long (UDP truncates), missing (rest of datagram)', () => {
  notOk(parseMessage(invite(['Content-Length: 10'], 'short')), /shorter/);
  assert.equal(ok(parseMessage(invite(['Content-Length: 3'], 'abcdef'))).body.toString(), 'abc');
  assert.equal(ok(parseMessage(invite([], 'whole rest'))).body.toString(), 'whole rest');
  notOk(parseMessage(invite(['Content-Length: 3'], 'abcdef'), { stream: true }), /longer/);
  notOk(parseMessage(invite([], 'x'), { stream: true }), /missing Content-Length/);
  assert.equal(ok(parseMessage(invite(['l: 3'], 'abc'), { stream: true })).body.toString(), 'abc');
});

test('bad Content-Length values', () => {
  notOk(parseMessage(invite(['Content-Length: -1'])), /Content-Length/);
  notOk(parseMessage(invite(['Content-Length: ten'])), /Content-Length/);
  notOk(parseMessage(invite(['Content-Length: 1', 'l: 2'], 'ab')), /conflicting/);
  ok(parseMessage(invite(['Content-Length: 2', 'l: 2'], 'ab')));
});

test('mandatory headers of a request', () => {
  for (const name of ['Via', 'To', 'From', 'Call-ID', 'CSeq']) {
    const lines = ['INVITE sip:bob@example.com SIP/2.0', ...HEADERS.filter((h) => !h.startsWith(name + ':'))];
    notOk(parseMessage(wire(lines)), new RegExp(`missing ${name}`));
  }
  ok(parseMessage(wire(['INVITE sip:bob@example.com SIP/2.0', ...HEADERS.filter((h) => !h.startsWith('Max-Forwards'))])));
});

test('CSeq checks', () => {
  const withCSeq = (v: string): Buffer => wire(['INVITE sip:bob@example.com SIP/2.0', ...HEADERS.filter((h) => !h.startsWith('CSeq')), `CSeq: ${v}`]);
  notOk(parseMessage(withCSeq('1 BYE')), /does not match/);
  notOk(parseMessage(withCSeq('4294967296 INVITE')), /CSeq/);
  notOk(parseMessage(withCSeq('-5 INVITE')), /CSeq/);
  ok(parseMessage(withCSeq('4294967295 INVITE')));
});

test('start line errors', () => {
  const req = (line: string): ParseResult => parseMessage(wire([line, ...HEADERS]));
  notOk(req('INVITE  sip:bob@example.com SIP/2.0'), /request line/);
  notOk(req('INVITE sip:bob@example.com SIP/2.0 '), /request line/);
  notOk(req('INVITE sip:bob@example.com'), /lacks the SIP version/);
  const v = notOk(req('INVITE sip:bob@example.com SIP/3.0'), /unsupported SIP version/);
  assert.equal(v.status, 505);
  notOk(req('SIP/2.0 20 OK'), /3 digits/);
  notOk(req('SIP/2.0 2000 OK'), /3 digits/);
  notOk(req('SIP/2.0 099 Odd'), /range/);
  notOk(req('SIP/1.0 200 OK'), /version/);
  notOk(req('HELLO'), /request line/);
  notOk(parseMessage(Buffer.from('\r\n\r\n')), /empty/);
});

test('partial request for a 400, none for responses or when Via is unreadable', () => {
  const bad = notOk(parseMessage(invite(['Content-Length: 99'], 'x')));
  assert.equal(bad.status, 400);
  assert.equal(bad.partial?.get('call-id'), 'a84b4c76e66710@pc33.example.com');
  assert.equal(bad.partial?.getAll('via').length, 1);
  const noVia = ['INVITE sip:bob@example.com SIP/2.0', ...HEADERS.filter((h) => !h.startsWith('Via')), 'Content-Length: 99'];
  assert.equal(notOk(parseMessage(wire(noVia))).partial, undefined);
  const resp = notOk(parseMessage(wire(['SIP/2.0 200 OK', ...HEADERS, 'Content-Length: 99'])));
  assert.equal(resp.partial, undefined);
  const badLine = notOk(parseMessage(invite(['this line has no colon'])), /malformed header/);
  assert.ok(badLine.partial);
});

test('size cap and non-Buffer input', () => {
  const big = invite([`X-Big: ${'a'.repeat(70_000)}`]);
  assert.equal(notOk(parseMessage(big), /limit/).status, 513);
  ok(parseMessage(big, { maxSize: 100_000 }));
  notOk(parseMessage(invite(), { maxSize: 50 }));
  notOk(parseMessage('INVITE' as unknown as Buffer));
});

test('control characters are allowed only as quoted-pairs inside a quoted-string', () => {
  ok(parseMessage(invite(['X-Display: "BEL:\\\u0007 NUL:\\\u0000 DEL:\\\u007f" <sip:a@b>'])));
  notOk(parseMessage(invite(['X-Display: "BEL:\u0007" <sip:a@b>'])), /control/);
  notOk(parseMessage(invite(['X-Display: a\\\u0007'])), /control/);
});

test('control characters and duplicate singletons are rejected', () => {
  notOk(parseMessage(invite(['X-Bad: a\u0000b'])), /control/);
  notOk(parseMessage(invite(['Call-ID: second'])), /more than one Call-ID/);
  notOk(parseMessage(invite(['From: <sip:x@y>'])), /more than one From/);
  notOk(parseMessage(wire(['INVITE sip:bob@example.com SIP/2.0', ' folded: start', ...HEADERS])), /continuation/);
});
