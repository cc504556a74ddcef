/** Unit tests of the SIPp harness itself (no appliance, no SIPp needed). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import alawmulaw from 'alawmulaw';
import { linearToMulaw, mulawToLinear, toneUlaw } from './harness/tone.js';
import { parseSippMessages, header, cseqMethod } from './harness/sip-trace.js';
import { parseMetrics, metricSum } from './harness/metrics.js';
import { parseRtp, summarise } from './harness/rtp.js';
import { splitStream } from './harness/raw-sip.js';
import { percentile } from '../bench/sip.js';

describe('harness: G.711 μ-law', () => {
  it('encodes like the reference implementation over the whole 16-bit range', () => {
    const samples = new Int16Array(65536 / 16);
    for (let i = 0; i < samples.length; i++) samples[i] = -32768 + i * 16;
    const ref = alawmulaw.mulaw.encode(samples);
    for (let i = 0; i < samples.length; i++) assert.equal(linearToMulaw(samples[i]!), ref[i], `sample ${samples[i]}`);
  });
  it('decodes back within the segment step', () => {
    for (const s of [0, 100, -100, 1000, -5000, 30000]) assert.ok(Math.abs(mulawToLinear(linearToMulaw(s)) - s) <= Math.max(8, Math.abs(s) / 16));
  });
  it('writes 8000 bytes per second of tone', () => {
    assert.equal(toneUlaw(2).length, 16000);
  });
});

describe('harness: parsers', () => {
  it('parses a SIPp message trace', () => {
    const text = [
      '----------------------------------------------- 2026-11-23 21:42:37.054739',
      'UDP message sent (10 bytes):',
      '',
      'OPTIONS sip:1000@127.0.0.1 SIP/2.0\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
      '----------------------------------------------- 2026-11-23 21:42:37.154739',
      'UDP message received [10] bytes :',
      '',
      'SIP/2.0 200 OK\r\nCSeq: 1 OPTIONS\r\nv: SIP/2.0/UDP x\r\nContent-Length: 0\r\n\r\n',
    ].join('\n');
    const msgs = parseSippMessages(text);
    assert.equal(msgs.length, 2);
    assert.equal(msgs[0]!.method, 'OPTIONS');
    assert.equal(msgs[1]!.status, 200);
    assert.equal(cseqMethod(msgs[1]!), 'OPTIONS');
    assert.equal(header(msgs[1]!, 'Via'), 'SIP/2.0/UDP x');
    assert.equal(Math.round(msgs[1]!.at - msgs[0]!.at), 100);
  });
  it('parses Prometheus text', () => {
    const m = parseMetrics('# HELP x\ncallgate_sip_responses_total{code="200"} 3\ncallgate_sip_responses_total{code="404"} 1\ncallgate_active_calls 0\n');
    assert.equal(metricSum(m, 'callgate_sip_responses_total'), 4);
    assert.equal(metricSum(m, 'callgate_sip_responses_total', { code: '404' }), 1);
    assert.equal(metricSum(m, 'nope'), undefined);
  });
  it('parses RTP and spots sequence gaps', () => {
    const pkt = (seq: number): Buffer => {
      const b = Buffer.alloc(172);
      b[0] = 0x80;
      b.writeUInt16BE(seq, 2);
      b.writeUInt32BE(7, 8);
      return b;
    };
    const ps = [1, 2, 4].map((s, i) => parseRtp(pkt(s), 'a:1', i * 20)!);
    const s = summarise(ps);
    assert.deepEqual(s.payloadSizes, [160]);
    assert.equal(s.seqDiscontinuities, 1);
  });
  it('frames a TCP byte stream by Content-Length', () => {
    const one = 'SIP/2.0 200 OK\r\nContent-Length: 3\r\n\r\nabc';
    const { messages, rest } = splitStream(Buffer.from(`\r\n${one}${one}SIP/2.0 1`));
    assert.equal(messages.length, 2);
    assert.equal(messages[1]!.body, 'abc');
    assert.equal(rest.toString(), 'SIP/2.0 1');
  });
  it('computes percentiles', () => {
    assert.equal(percentile([5, 1, 3, 2, 4], 50), 3);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95), 10);
  });
});
