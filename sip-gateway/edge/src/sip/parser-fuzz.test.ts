/**
 * Robustness: random bytes and random mutations of valid messages (fixed seed, so failures reproduce)
 * must never make the parser, the header parsers or the stream framer throw, and whatever parses must
 * survive serialize → parse.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from './parser.js';
import { serializeMessage } from './serialize.js';
import { SipStreamFramer } from './stream-framer.js';
import { parseAuthHeader } from './headers/auth.js';
import { parseCSeq } from './headers/cseq.js';
import { parseNameAddr, parseNameAddrList } from './headers/name-addr.js';
import { parseParams } from './headers/params.js';
import { parseUri } from './headers/uri.js';
import { parseViaList } from './headers/via.js';

/** mulberry32: small deterministic PRNG */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS = [
  'INVITE sip:bob@example.com;transport=udp SIP/2.0\r\nVia: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1;rport, SIP/2.0/TCP b.example;branch=z9hG4bK0\r\nMax-Forwards: 70\r\nTo: "Bob \\"B\\"" <sip:bob@example.com>\r\nf: Alice <sip:alice@example.com>;tag=1\r\ni: abc@def\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@192.0.2.1:5060;ob>;expires=60, <sip:x@y>\r\nAuthorization: Digest username="a", realm="r", nonce="n", uri="sip:b", response="00"\r\nSubject: folded\r\n  value\r\nContent-Type: application/sdp\r\nl: 14\r\n\r\nv=0\r\no=- 1 1 IN\r\n',
  'SIP/2.0 200 OK\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1;received=192.0.2.9\r\nt: <sip:b@c>;tag=2\r\nf: <sip:a@c>;tag=1\r\ni: x\r\nCSeq: 7 REGISTER\r\nContent-Length: 0\r\n\r\n',
  'OPTIONS tel:+1-555-0100 SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK9\nTo: tel:+1-555-0100\nFrom: sip:x@y;tag=3\nCall-ID: q\nCSeq: 4294967295 OPTIONS\n\n',
];

const TOKENS = ['\r\n', '\n', ' ', '\t', ':', ';', ',', '"', '\\', '<', '>', '@', '[', ']', '=', '%', '%zz', '\r\n ', '\x00', '\xff', 'SIP/2.0', 'Content-Length: ', '-1', '99999999999', '\r\n\r\n', 'v: ', 'l: 5'];

function mutate(seed: Buffer, r: () => number): Buffer {
  let b = Buffer.from(seed);
  const edits = 1 + Math.floor(r() * 6);
  for (let e = 0; e < edits; e++) {
    const pos = Math.floor(r() * (b.length + 1));
    const kind = Math.floor(r() * 6);
    if (kind === 0 && b.length > 0) b[Math.min(pos, b.length - 1)] = Math.floor(r() * 256);
    else if (kind === 1) b = Buffer.concat([b.subarray(0, pos), b.subarray(pos + 1 + Math.floor(r() * 8))]);
    else if (kind === 2) b = Buffer.concat([b.subarray(0, pos), Buffer.from(TOKENS[Math.floor(r() * TOKENS.length)] ?? '', 'latin1'), b.subarray(pos)]);
    else if (kind === 3) b = b.subarray(0, pos);
    else if (kind === 4) b = Buffer.concat([b.subarray(0, pos), b.subarray(Math.floor(r() * b.length))]);
    else b = Buffer.concat([b.subarray(pos), b.subarray(0, pos)]);
  }
  return b;
}

function checkParse(data: Buffer): boolean {
  const result = parseMessage(data);
  if (!result.ok) {
    assert.equal(typeof result.error, 'string');
    return false;
  }
  const again = parseMessage(serializeMessage(result.message));
  assert.ok(again.ok, `re-parse failed: ${again.ok ? '' : again.error} for ${JSON.stringify(data.toString('latin1'))}`);
  return true;
}

test('random bytes never throw', () => {
  const r = rng(0x5eed);
  for (let i = 0; i < 3000; i++) {
    const len = Math.floor(r() * 600);
    const data = Buffer.alloc(len);
    for (let j = 0; j < len; j++) data[j] = Math.floor(r() * 256);
    checkParse(data);
  }
});

test('mutations of valid messages never throw and round-trip when accepted', () => {
  const r = rng(20250101);
  let accepted = 0;
  for (const s of SEEDS) assert.ok(checkParse(Buffer.from(s, 'latin1')), 'seed message must parse');
  for (let i = 0; i < 15000; i++) {
    const seed = Buffer.from(SEEDS[i % SEEDS.length] ?? '', 'latin1');
    if (checkParse(mutate(seed, r))) accepted++;
  }
  assert.ok(accepted > 100, `only ${String(accepted)} mutants parsed; mutations too destructive to be useful`);
});

test('header parsers never throw on mutated values', () => {
  const r = rng(42);
  const values = ['SIP/2.0/UDP [::1]:5060;branch=z9hG4bK1;rport;received=1.2.3.4', '"A \\" B" <sip:a:p@[::1]:5;x=y?h=v>;tag=1, <tel:+1>', 'Digest realm="r", nonce="n", qop="auth,auth-int"', '1 INVITE', ';a=b;c="d;e";f'];
  for (let i = 0; i < 20000; i++) {
    const v = mutate(Buffer.from(values[i % values.length] ?? ''), r).toString('latin1');
    parseViaList(v);
    parseNameAddr(v);
    parseNameAddrList(v);
    parseUri(v);
    parseAuthHeader(v);
    parseCSeq(v);
    parseParams(v);
    parseParams(v, 'uri');
  }
});

test('stream framer never throws and stays bounded on random chunks', () => {
  const r = rng(7);
  for (let round = 0; round < 300; round++) {
    const f = new SipStreamFramer({ maxMessageBytes: 2048 });
    f.onMessage((m) => assert.ok(m.length <= 2048));
    for (let i = 0; i < 20; i++) {
      const chunk = r() < 0.5 ? mutate(Buffer.from(SEEDS[i % SEEDS.length] ?? '', 'latin1'), r) : Buffer.from('\r\n'.repeat(Math.floor(r() * 3)));
      f.push(chunk);
      assert.ok(f.bufferedBytes <= 2048 + chunk.length);
    }
  }
});
