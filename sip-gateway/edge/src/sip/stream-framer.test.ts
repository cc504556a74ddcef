import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipStreamFramer } from './stream-framer.js';

function message(body: string, lengthHeader = `Content-Length: ${String(Buffer.byteLength(body))}`): Buffer {
  return Buffer.from(`OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n${lengthHeader}\r\n\r\n${body}`);
}

function collect(framer: SipStreamFramer): { messages: string[]; pings: number; errors: string[]; partials: (Buffer | undefined)[] } {
  const out = { messages: [] as string[], pings: 0, errors: [] as string[], partials: [] as (Buffer | undefined)[] };
  framer.onMessage((m) => out.messages.push(m.toString()));
  framer.onPing(() => out.pings++);
  framer.onError((e, p) => {
    out.errors.push(e);
    out.partials.push(p);
  });
  return out;
}

test('several messages in one chunk, and split at every byte', () => {
  const data = Buffer.concat([message('hello'), message(''), message('x\r\n\r\ny')]);
  const whole = new SipStreamFramer();
  const a = collect(whole);
  whole.push(data);
  assert.deepEqual(a.messages, [message('hello').toString(), message('').toString(), message('x\r\n\r\ny').toString()]);
  for (let size = 1; size <= 7; size++) {
    const f = new SipStreamFramer();
    const b = collect(f);
    for (let i = 0; i < data.length; i += size) f.push(data.subarray(i, i + size));
    assert.deepEqual(b.messages, a.messages, `chunk size ${String(size)}`);
    assert.equal(f.bufferedBytes, 0);
  }
});

test('double CRLF is a ping, single CRLF a keep-alive, even when split', () => {
  const f = new SipStreamFramer();
  const out = collect(f);
  f.push(Buffer.from('\r\n\r\n'));
  assert.equal(out.pings, 1);
  f.push(Buffer.from('\r'));
  f.push(Buffer.from('\n\r'));
  f.push(Buffer.from('\n'));
  assert.equal(out.pings, 2);
  f.push(Buffer.concat([Buffer.from('\r\n'), message('a')]));
  assert.equal(out.pings, 2);
  assert.equal(out.messages.length, 1);
  assert.deepEqual(out.errors, []);
});

test('compact and folded Content-Length, bare LF header end', () => {
  const f = new SipStreamFramer();
  const out = collect(f);
  f.push(message('abc', 'l : 3'));
  f.push(message('abcd', 'Content-Length:\r\n 4'));
  f.push(Buffer.from('OPTIONS sip:a SIP/2.0\nl: 2\n\nhi'));
  assert.equal(out.messages.length, 3);
  assert.ok(out.messages[0]?.endsWith('\r\n\r\nabc'));
  assert.ok(out.messages[1]?.endsWith('\r\n\r\nabcd'));
  assert.equal(out.messages[2], 'OPTIONS sip:a SIP/2.0\nl: 2\n\nhi');
});

test('missing, invalid and conflicting Content-Length are errors with the header bytes', () => {
  for (const header of ['X-None: 1', 'Content-Length: -1', 'Content-Length: abc', 'Content-Length: 1\r\nl: 2']) {
    const f = new SipStreamFramer();
    const out = collect(f);
    f.push(message('', header));
    assert.equal(out.errors.length, 1, header);
    assert.ok(out.partials[0]?.toString().startsWith('OPTIONS sip:a@example.com SIP/2.0'));
    assert.equal(f.hasFailed, true);
    f.push(message(''));
    assert.equal(out.messages.length, 0);
    f.reset();
    f.push(message(''));
    assert.equal(out.messages.length, 1);
  }
});

test('buffer cap: endless headers and oversized Content-Length', () => {
  const f = new SipStreamFramer({ maxMessageBytes: 1024 });
  const out = collect(f);
  f.push(Buffer.from('OPTIONS sip:a SIP/2.0\r\n'));
  for (let i = 0; i < 100 && out.errors.length === 0; i++) f.push(Buffer.from('X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'));
  assert.equal(out.errors.length, 1);
  assert.ok(f.bufferedBytes <= 1024);
  const g = new SipStreamFramer({ maxMessageBytes: 1024 });
  const out2 = collect(g);
  g.push(message('', 'Content-Length: 5000'));
  assert.match(out2.errors[0] ?? '', /size limit/);
});

test('endless CRLFs do not accumulate', () => {
  const f = new SipStreamFramer({ maxMessageBytes: 64 });
  const out = collect(f);
  for (let i = 0; i < 1000; i++) f.push(Buffer.from('\r\n'));
  assert.ok(f.bufferedBytes <= 4);
  assert.equal(out.pings, 500);
  assert.deepEqual(out.errors, []);
});
