import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pcm16Decoder, WavStreamDecoder, wavHeader } from './pcm-decode.js';
import { SseParser } from './sse.js';

function le(samples: number[]): Uint8Array {
  const b = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => b.writeInt16LE(s, 2 * i));
  return new Uint8Array(b);
}

function concat(parts: Int16Array[]): number[] {
  return parts.flatMap((p) => [...p]);
}

test('Pcm16Decoder reassembles samples split across pieces at odd byte offsets', () => {
  const samples = [0, 1, -1, 32767, -32768, 1234, -4321];
  const bytes = le(samples);
  const d = new Pcm16Decoder();
  const out = [d.push(bytes.subarray(0, 3)), d.push(bytes.subarray(3, 4)), d.push(bytes.subarray(4, 11)), d.push(bytes.subarray(11))];
  assert.deepEqual(concat(out), samples);
  assert.equal(d.pending, 0);
});

test('Pcm16Decoder averages stereo to mono', () => {
  const d = new Pcm16Decoder(2);
  assert.deepEqual([...d.push(le([100, 300, -50, -150]))], [200, -100]);
});

test('WavStreamDecoder parses a header fed byte by byte, skips unknown chunks and reads the rate', () => {
  const header = wavHeader(16_000, 1, 8);
  // insert a LIST chunk between fmt and data, as some encoders do
  const list = new Uint8Array([0x4c, 0x49, 0x53, 0x54, 3, 0, 0, 0, 1, 2, 3, 0]);
  const file = new Uint8Array([...header.subarray(0, 36), ...list, ...header.subarray(36), ...le([10, 20, 30, 40]), 9, 9]);
  const d = new WavStreamDecoder();
  const out: Int16Array[] = [];
  for (let i = 0; i < file.length; i++) out.push(d.push(file.subarray(i, i + 1)));
  assert.equal(d.format?.sampleRate, 16_000);
  assert.equal(d.format?.channels, 1);
  // bytes past the announced data size are ignored
  assert.deepEqual(concat(out), [10, 20, 30, 40]);
  assert.equal(d.complete, true);
});

test('WavStreamDecoder accepts a streamed header (unknown size) and rejects non-PCM16', () => {
  const d = new WavStreamDecoder();
  const out = d.push(new Uint8Array([...wavHeader(24_000), ...le([5, -5])]));
  assert.deepEqual([...out], [5, -5]);
  assert.equal(d.format?.dataBytes, undefined);
  assert.equal(d.complete, false);

  const bad = wavHeader(8000);
  new DataView(bad.buffer).setUint16(34, 8, true); // 8-bit
  assert.throws(() => new WavStreamDecoder().push(bad), /16-bit/);
  assert.throws(() => new WavStreamDecoder().push(new TextEncoder().encode('ID3\u0004 not a wav file')), /RIFF/);
});

test('SseParser: events split anywhere, CRLF, comments, multi-line data, last event without blank line', () => {
  const text = ': keep-alive\r\ndata: {"a":1}\r\n\r\ndata:{"b":"é"}\n\nevent: x\ndata: line1\ndata: line2\n\ndata: [DONE]';
  const bytes = new TextEncoder().encode(text);
  const p = new SseParser();
  const got: string[] = [];
  for (let i = 0; i < bytes.length; i += 3) got.push(...p.push(bytes.subarray(i, i + 3)));
  got.push(...p.end());
  assert.deepEqual(got, ['{"a":1}', '{"b":"é"}', 'line1\nline2', '[DONE]']);
});
