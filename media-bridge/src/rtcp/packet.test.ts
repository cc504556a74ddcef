import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clampCumulativeLost,
  fractionLost,
  ntpFromUnixMs,
  ntpMiddle32,
  ntpToUnixMs,
  parseRtcp,
  serializeRtcp,
  type ReceiverReport,
  type ReportBlock,
  type RtcpPacket,
  type SenderReport,
} from './packet.js';

const block: ReportBlock = { ssrc: 0x55667788, fractionLost: 25, cumulativeLost: 10, highestSeq: 0x00010005, jitter: 80, lsr: 0x12345678, dlsr: 98304 };
const rr: ReceiverReport = { type: 'rr', ssrc: 0x11223344, reports: [] };

/** Deterministic bytes (xorshift32). */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

test('NTP timestamps: Unix ms in, seconds since 1900 and a binary fraction out, and back', () => {
  // 2023-11-14T22:13:20.5Z: 1 700 000 000 s + 2 208 988 800 s = 3 908 988 800 = 0xE8FE6F80; .5 s = 0x80000000
  const ntp = ntpFromUnixMs(1_700_000_000_500);
  assert.deepEqual(ntp, { seconds: 0xe8fe6f80, fraction: 0x80000000 });
  assert.equal(ntpMiddle32(ntp), 0x6f808000);
  assert.equal(ntpToUnixMs(ntp), 1_700_000_000_500);
  // after 2036-02-07T06:28:16Z the seconds wrap (NTP era 1) and still convert back
  const era1 = ntpFromUnixMs(2_085_978_496_000 + 1_000);
  assert.equal(era1.seconds, 1);
  assert.equal(ntpToUnixMs(era1), 2_085_978_497_000);
});

test('an SR serializes to the hand-computed bytes', () => {
  const sr: SenderReport = {
    type: 'sr',
    ssrc: 0x11223344,
    ntp: ntpFromUnixMs(1_700_000_000_500),
    rtpTimestamp: 0xaabbccdd,
    packetCount: 1000,
    octetCount: 160000,
    reports: [],
  };
  const expected = Buffer.from(
    [
      '80c80006', // V=2, P=0, RC=0, PT=200, length 6 (7 words)
      '11223344',
      'e8fe6f80', // NTP seconds
      '80000000', // NTP fraction
      'aabbccdd',
      '000003e8', // 1000 packets
      '00027100', // 160000 octets
    ].join(''),
    'hex',
  );
  assert.deepEqual(serializeRtcp([sr]), expected);
  assert.deepEqual(parseRtcp(expected), { packets: [sr], skipped: 0 });
});

test('a report block serializes to the hand-computed bytes, with a negative cumulative loss sign-extended', () => {
  const buf = serializeRtcp([{ ...rr, reports: [block, { ...block, ssrc: 1, fractionLost: 0, cumulativeLost: -1 }] }]);
  assert.equal(buf.toString('hex', 0, 4), '82c9000d'); // RC=2, PT=201, length 13 (14 words: header, SSRC, 2 × 6)
  assert.equal(buf.toString('hex', 8, 32), '55667788' + '1900000a' + '00010005' + '00000050' + '12345678' + '00018000');
  assert.equal(buf.toString('hex', 36, 40), '00ffffff');
  const parsed = parseRtcp(buf);
  assert.equal((parsed?.packets[0] as ReceiverReport).reports[1]!.cumulativeLost, -1);
});

test('each packet type round-trips inside a compound packet', () => {
  const sr: SenderReport = {
    type: 'sr',
    ssrc: 0xfedcba98,
    ntp: { seconds: 0xe8fe6f80, fraction: 0x12345678 },
    rtpTimestamp: 4_000_000_000,
    packetCount: 0xffffffff,
    octetCount: 7,
    reports: [block, { ...block, ssrc: 2, cumulativeLost: -0x800000, highestSeq: 0xffffffff }],
  };
  const compounds: RtcpPacket[][] = [
    [sr],
    [rr],
    [{ ...rr, reports: [block] }],
    [
      sr,
      {
        type: 'sdes',
        chunks: [
          { ssrc: 0xfedcba98, items: [{ type: 1, text: 'callgate@example.test' }] },
          { ssrc: 5, items: [{ type: 1, text: 'abc' }, { type: 2, text: 'Zoë' }, { type: 6, text: 'x'.repeat(255) }] },
          { ssrc: 6, items: [] },
        ],
      },
    ],
    [rr, { type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, text: '' }] }] }, { type: 'bye', ssrcs: [1] }],
    [rr, { type: 'bye', ssrcs: [1, 2, 3], reason: 'call ended' }],
    [rr, { type: 'bye', ssrcs: [], reason: 'abc' }],
  ];
  for (const packets of compounds) {
    const buf = serializeRtcp(packets);
    assert.equal(buf.length % 4, 0);
    assert.deepEqual(parseRtcp(buf), { packets, skipped: 0 }, JSON.stringify(packets).slice(0, 80));
  }
});

test('padding goes on the last packet only and is stripped by the parser', () => {
  const packets: RtcpPacket[] = [rr, { type: 'bye', ssrcs: [9], reason: 'bye' }];
  const padded = serializeRtcp(packets, 8);
  const plain = serializeRtcp(packets);
  assert.equal(padded.length, plain.length + 8);
  assert.equal(padded[0]! & 0x20, 0, 'no P bit on the first packet');
  assert.equal(padded[8]! & 0x20, 0x20, 'P bit on the last packet');
  assert.equal(padded.at(-1), 8);
  assert.deepEqual(parseRtcp(padded), { packets, skipped: 0 });
  // padding on a packet that is not the last makes the compound invalid
  const bad = Buffer.from(padded);
  bad[0]! |= 0x20;
  assert.equal(parseRtcp(bad), undefined);
  assert.throws(() => serializeRtcp(packets, 3), RangeError);
});

test('compound rules: the first packet is an SR or RR, unknown types are skipped, malformed ones too', () => {
  assert.throws(() => serializeRtcp([{ type: 'bye', ssrcs: [1] }]), RangeError);
  assert.throws(() => serializeRtcp([]), RangeError);
  const bye = serializeRtcp([rr, { type: 'bye', ssrcs: [1] }]).subarray(8);
  assert.equal(parseRtcp(bye), undefined, 'a BYE alone is not a valid compound');
  // an APP packet (PT 204) in the middle: skipped, the rest still parsed
  const app = Buffer.from('80cc0002' + '00000001' + '6e616d65', 'hex');
  const withApp = Buffer.concat([serializeRtcp([rr]), app, serializeRtcp([rr, { type: 'bye', ssrcs: [1] }]).subarray(8)]);
  assert.deepEqual(parseRtcp(withApp), { packets: [rr, { type: 'bye', ssrcs: [1] }], skipped: 1 });
  // an RR whose count promises more blocks than its length holds: skipped
  const short = serializeRtcp([{ ...rr, reports: [block] }, { type: 'bye', ssrcs: [1] }]);
  short[0] = 0x82;
  assert.deepEqual(parseRtcp(short), { packets: [{ type: 'bye', ssrcs: [1] }], skipped: 1 });
});

test('fraction lost is computed over the interval (RFC 3550 §A.3)', () => {
  assert.equal(fractionLost(100, 90), 25); // 10 of 100: floor(10 × 256 / 100)
  assert.equal(fractionLost(50, 50), 0);
  assert.equal(fractionLost(50, 52), 0, 'duplicates make the interval loss negative: 0');
  assert.equal(fractionLost(0, 0), 0);
  assert.equal(fractionLost(4, 0), 255, 'all lost saturates at 255/256');
  assert.equal(clampCumulativeLost(1e9), 0x7fffff);
  assert.equal(clampCumulativeLost(-1e9), -0x800000);
});

test('every proper prefix of a compound packet is rejected or stops at a packet boundary, never throws', () => {
  const buf = serializeRtcp([
    { ...rr, reports: [block] },
    { type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, text: 'host' }] }] },
    { type: 'bye', ssrcs: [1], reason: 'done' },
  ]);
  const boundaries = new Set([32, 32 + 16]);
  for (let n = 0; n < buf.length; n++) {
    const parsed = parseRtcp(buf.subarray(0, n));
    if (boundaries.has(n)) assert.ok(parsed, `prefix ${n}`);
    else assert.equal(parsed, undefined, `prefix ${n}`);
  }
});

test('the parser survives 10 000 random and 10 000 mutated buffers without throwing', () => {
  const next = prng(0xc0ffee);
  const valid = serializeRtcp([
    { type: 'sr', ssrc: 1, ntp: { seconds: 2, fraction: 3 }, rtpTimestamp: 4, packetCount: 5, octetCount: 6, reports: [block] },
    { type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, text: 'host' }] }] },
    { type: 'bye', ssrcs: [1], reason: 'done' },
  ]);
  let parsedSome = 0;
  for (let i = 0; i < 10_000; i++) {
    const random = Buffer.alloc(next() % 200);
    for (let j = 0; j < random.length; j++) random[j] = next() & 0xff;
    if (i % 2 === 0 && random.length > 2) random[0] = 0x80 | (random[0]! & 0x3f); // often version 2
    assert.doesNotThrow(() => parseRtcp(random));

    const mutated = Buffer.from(valid.subarray(0, next() % (valid.length + 1)));
    for (let k = next() % 4; k >= 0 && mutated.length > 0; k--) mutated[next() % mutated.length] = next() & 0xff;
    let parsed: ReturnType<typeof parseRtcp>;
    assert.doesNotThrow(() => (parsed = parseRtcp(mutated)));
    if (parsed) parsedSome++;
  }
  assert.ok(parsedSome > 0, 'some mutations stay valid');
});
