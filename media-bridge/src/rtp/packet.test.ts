import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parseRtp, serializeRtp } from './packet.js';

test('a minimal packet round-trips', () => {
  const payload = Buffer.alloc(160, 0xff);
  const buf = serializeRtp({ marker: true, payloadType: 0, sequenceNumber: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, payload });
  assert.equal(buf.length, 172);
  assert.equal(buf[0], 0x80);
  assert.equal(buf[1], 0x80);
  const p = parseRtp(buf);
  assert.ok(p);
  assert.equal(p.marker, true);
  assert.equal(p.payloadType, 0);
  assert.equal(p.sequenceNumber, 65535);
  assert.equal(p.timestamp, 0xfffffff0);
  assert.equal(p.ssrc, 0xdeadbeef);
  assert.deepEqual(p.csrc, []);
  assert.equal(p.extension, undefined);
  assert.equal(p.paddingLength, 0);
  assert.deepEqual(p.payload, payload);
});

test('CSRCs, a header extension and padding round-trip', () => {
  const init = {
    marker: false,
    payloadType: 101,
    sequenceNumber: 7,
    timestamp: 1234,
    ssrc: 42,
    csrc: [1, 2, 0xffffffff],
    extension: { profile: 0xbede, data: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]) },
    payload: Buffer.from([9, 9, 9]),
    paddingLength: 5,
  };
  const buf = serializeRtp(init);
  assert.equal(buf[0]! & 0x3f, 0x30 | 3, 'P, X and CC=3');
  assert.equal(buf[buf.length - 1], 5);
  const p = parseRtp(buf);
  assert.ok(p);
  assert.deepEqual({ ...p, payload: Buffer.from(p.payload), extension: { ...p.extension!, data: Buffer.from(p.extension!.data) } }, init);
});

test('malformed datagrams yield undefined, never an exception', () => {
  const good = serializeRtp({ marker: false, payloadType: 0, sequenceNumber: 1, timestamp: 1, ssrc: 1, payload: Buffer.alloc(4) });
  const cases: Buffer[] = [
    Buffer.alloc(0),
    Buffer.alloc(11, 0x80),
    Buffer.from([0x40, ...good.subarray(1)]), // version 1
    Buffer.from([0x00, ...good.subarray(1)]), // version 0 (e.g. STUN)
    Buffer.from([0x8f, ...good.subarray(1, 12)]), // 15 CSRCs announced, none present
    Buffer.from([0x90, ...good.subarray(1, 12), 0xbe, 0xde, 0x00, 0x10]), // extension longer than the packet
    Buffer.from([0x90, ...good.subarray(1, 12), 0xbe]), // truncated extension header
    Buffer.from([0xa0, ...good.subarray(1, 12), 1, 2, 0]), // padding count 0
    Buffer.from([0xa0, ...good.subarray(1, 12), 1, 2, 200]), // padding longer than the packet
  ];
  for (const c of cases) assert.equal(parseRtp(c), undefined, c.toString('hex'));
});

test('random bytes never throw', () => {
  for (let i = 0; i < 5000; i++) {
    const buf = randomBytes(i % 64);
    if (i % 2 === 0 && buf.length > 0) buf[0] = 0x80 | (buf[0]! & 0x3f); // half of them look like version 2
    assert.doesNotThrow(() => parseRtp(buf));
  }
});

test('serializing out-of-range fields throws a RangeError', () => {
  const base = { marker: false, sequenceNumber: 0, timestamp: 0, ssrc: 0, payload: Buffer.alloc(0) };
  assert.throws(() => serializeRtp({ ...base, payloadType: 128 }), RangeError);
  assert.throws(() => serializeRtp({ ...base, payloadType: 0, csrc: new Array(16).fill(0) }), RangeError);
  assert.throws(() => serializeRtp({ ...base, payloadType: 0, extension: { profile: 1, data: Buffer.alloc(3) } }), RangeError);
});
