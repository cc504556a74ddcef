import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AUDIO_FRAME_HEADER_BYTES,
  MAX_AUDIO_PAYLOAD_BYTES,
  MAX_CONTROL_MESSAGE_CHARS,
  decodeAudioFrame,
  encodeAudioFrame,
  parseAgentMessage,
  parseBridgeMessage,
  replyTag,
  type AgentMessage,
  type AgentStreamParsed,
  type AudioFrame,
  type BridgeMessage,
} from './v1.js';

const start: BridgeMessage = {
  v: 1,
  type: 'start',
  sessionId: 's-1',
  callId: 'c-1',
  endpointId: 'ep-1',
  agent: 'demo',
  from: '+15550100',
  to: '1000',
  codec: 'PCMU',
  sampleRate: 8000,
  frameMs: 20,
};

function value<T>(r: AgentStreamParsed<T>): T {
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.value;
}

function reason<T>(r: AgentStreamParsed<T>): string {
  assert.ok(!r.ok, 'expected a refusal');
  return r.reason;
}

describe('agent-stream v1 text messages', () => {
  it('every bridge message round-trips through JSON', () => {
    const all: BridgeMessage[] = [
      start,
      { ...start, resume: true },
      { v: 1, type: 'control_event', event: { type: 'speech_start', atMs: 1200 } },
      { v: 1, type: 'control_event', event: { type: 'speech_end', atMs: 2400, speechMs: 1200 } },
      { v: 1, type: 'control_event', event: { type: 'barge_in', atMs: 3000, replyId: 'r1', heardMs: 640 } },
      { v: 1, type: 'control_event', event: { type: 'dtmf', digit: '#', durationMs: 120, source: 'rfc4733' } },
      { v: 1, type: 'control_event', event: { type: 'playback_done', replyId: 'r1', playedMs: 1800 } },
      { v: 1, type: 'control_event', event: { type: 'end', reason: 'caller hung up' } },
      { v: 1, type: 'ping', id: 7 },
      { v: 1, type: 'pong' },
    ];
    for (const m of all) assert.deepEqual(value(parseBridgeMessage(JSON.stringify(m))), m);
  });

  it('every agent message round-trips through JSON', () => {
    const all: AgentMessage[] = [
      { v: 1, type: 'control_event', event: { type: 'reply_start', replyId: 'r1' } },
      { v: 1, type: 'control_event', event: { type: 'reply_end', replyId: 'r1' } },
      { v: 1, type: 'control_event', event: { type: 'clear' } },
      { v: 1, type: 'control_event', event: { type: 'clear', replyId: 'r1' } },
      { v: 1, type: 'control_event', event: { type: 'transfer', target: 'sip:desk@example.net' } },
      { v: 1, type: 'control_event', event: { type: 'hangup', reason: 'done' } },
      { v: 1, type: 'control_event', event: { type: 'play_prompt', promptId: 'demo' } },
      { v: 1, type: 'error', code: 'overloaded', message: 'try later' },
      { v: 1, type: 'pong', id: 7 },
    ];
    for (const m of all) assert.deepEqual(value(parseAgentMessage(JSON.stringify(m))), m);
  });

  it('refuses invalid JSON and oversize text', () => {
    assert.equal(reason(parseAgentMessage('{nope')), 'invalid JSON');
    assert.match(reason(parseBridgeMessage(' '.repeat(MAX_CONTROL_MESSAGE_CHARS + 1))), /too large/);
  });

  it('names the wrong field', () => {
    assert.match(reason(parseBridgeMessage(JSON.stringify({ ...start, v: 2 }))), /^v: /);
    assert.match(reason(parseBridgeMessage(JSON.stringify({ ...start, codec: 'G729' }))), /^codec: /);
    assert.match(reason(parseBridgeMessage(JSON.stringify({ ...start, sampleRate: 16000 }))), /^sampleRate: /);
    assert.match(reason(parseBridgeMessage(JSON.stringify({ ...start, callId: undefined }))), /^callId: expected string, got undefined/);
    assert.match(reason(parseBridgeMessage(JSON.stringify({ v: 1, type: 'hello' }))), /^type: /);
    const dtmf = { v: 1, type: 'control_event', event: { type: 'dtmf', digit: 'x', durationMs: 100, source: 'rfc4733' } };
    assert.match(reason(parseBridgeMessage(JSON.stringify(dtmf))), /^event\.digit: /);
    const barge = { v: 1, type: 'control_event', event: { type: 'barge_in', atMs: 5, replyId: 'r1', heardMs: -1 } };
    assert.match(reason(parseBridgeMessage(JSON.stringify(barge))), /^event\.heardMs: /);
    assert.match(reason(parseAgentMessage(JSON.stringify({ v: 1, type: 'control_event', event: { type: 'reply_end' } }))), /^event\.replyId: /);
  });

  it('refuses unknown fields, so no transcript text can ride along', () => {
    const withText = { v: 1, type: 'control_event', event: { type: 'reply_start', replyId: 'r1', text: 'hello there' } };
    assert.match(reason(parseAgentMessage(JSON.stringify(withText))), /^event: unknown field\(s\) text/);
    const bargeText = { v: 1, type: 'control_event', event: { type: 'barge_in', atMs: 5, replyId: 'r1', heardMs: 0, heardText: 'x' } };
    assert.match(reason(parseBridgeMessage(JSON.stringify(bargeText))), /unknown field\(s\) heardText/);
    assert.match(reason(parseBridgeMessage(JSON.stringify({ ...start, transcript: 'x' }))), /^\(root\): unknown field\(s\) transcript/);
  });

  it('keeps the two directions apart', () => {
    const bridgeEvent = { v: 1, type: 'control_event', event: { type: 'speech_start', atMs: 1 } };
    assert.match(reason(parseAgentMessage(JSON.stringify(bridgeEvent))), /^event\.type: /);
    assert.match(reason(parseAgentMessage(JSON.stringify(start))), /^type: /);
  });
});

describe('agent-stream v1 audio frames', () => {
  const pcm = Int16Array.from([0, 1, -1, 32767, -32768, 1234]);

  it('round-trips both kinds with the documented header', () => {
    const caller: AudioFrame = { kind: 'caller_audio', seq: 0xfffffffe, timeMs: 123456, replyTag: 0, pcm };
    const bytes = encodeAudioFrame(caller);
    assert.equal(bytes.length, AUDIO_FRAME_HEADER_BYTES + pcm.length * 2);
    assert.deepEqual([...bytes.subarray(0, 4)], [0x43, 0x47, 1, 1]);
    assert.deepEqual([...bytes.subarray(4, 8)], [0xff, 0xff, 0xff, 0xfe], 'seq big-endian');
    assert.deepEqual([...bytes.subarray(18, 20)], [1, 0], 'PCM little-endian');
    assert.deepEqual(value(decodeAudioFrame(bytes, 'caller_audio')), caller);

    const tts: AudioFrame = { kind: 'tts_audio', seq: 3, timeMs: 60, replyTag: replyTag('r1'), pcm };
    const decoded = value(decodeAudioFrame(encodeAudioFrame(tts)));
    assert.deepEqual(decoded, tts);
  });

  it('decodes from an unaligned slice of a larger buffer', () => {
    const frame = encodeAudioFrame({ kind: 'tts_audio', seq: 1, timeMs: 20, replyTag: 9, pcm });
    const big = Buffer.alloc(frame.length + 3);
    big.set(frame, 3);
    assert.deepEqual(value(decodeAudioFrame(big.subarray(3))).pcm, pcm);
  });

  it('replyTag is stable, non-zero and tells ids apart', () => {
    assert.equal(replyTag('r1'), replyTag('r1'));
    assert.notEqual(replyTag('r1'), replyTag('r2'));
    assert.ok(replyTag('') > 0);
  });

  it('refuses bad headers, naming the field', () => {
    const good = encodeAudioFrame({ kind: 'caller_audio', seq: 1, timeMs: 20, replyTag: 0, pcm });
    const mutate = (fn: (b: Uint8Array) => void, body = good) => {
      const b = Uint8Array.from(body);
      fn(b);
      return b;
    };
    assert.match(reason(decodeAudioFrame(good.subarray(0, 10))), /shorter than the header/);
    assert.match(reason(decodeAudioFrame(mutate((b) => (b[0] = 0x00)))), /^magic: /);
    assert.match(reason(decodeAudioFrame(mutate((b) => (b[2] = 2)))), /^version: expected 1, got 2/);
    assert.match(reason(decodeAudioFrame(mutate((b) => (b[3] = 7)))), /^kind: unknown value 7/);
    assert.match(reason(decodeAudioFrame(good, 'tts_audio')), /^kind: expected tts_audio, got caller_audio/);
    assert.match(reason(decodeAudioFrame(mutate((b) => (b[15] = 1)))), /^replyTag: /);
    assert.match(reason(decodeAudioFrame(good.subarray(0, AUDIO_FRAME_HEADER_BYTES))), /^payload: empty/);
    assert.match(reason(decodeAudioFrame(good.subarray(0, good.length - 1))), /^payload: odd length/);
    const huge = new Uint8Array(AUDIO_FRAME_HEADER_BYTES + MAX_AUDIO_PAYLOAD_BYTES + 2);
    huge.set(good.subarray(0, AUDIO_FRAME_HEADER_BYTES));
    assert.match(reason(decodeAudioFrame(huge)), /^payload: .* exceeds/);
  });

  it('encode refuses what decode would refuse', () => {
    assert.throws(() => encodeAudioFrame({ kind: 'caller_audio', seq: 0, timeMs: 0, replyTag: 0, pcm: new Int16Array(0) }), RangeError);
    assert.throws(() => encodeAudioFrame({ kind: 'caller_audio', seq: 0, timeMs: 0, replyTag: 0, pcm: new Int16Array(MAX_AUDIO_PAYLOAD_BYTES) }), RangeError);
    assert.throws(() => encodeAudioFrame({ kind: 'caller_audio', seq: -1, timeMs: 0, replyTag: 0, pcm }), /seq/);
    assert.throws(() => encodeAudioFrame({ kind: 'caller_audio', seq: 0, timeMs: 2 ** 32, replyTag: 0, pcm }), /timeMs/);
    assert.throws(() => encodeAudioFrame({ kind: 'tts_audio', seq: 0, timeMs: 0, replyTag: 0, pcm }), /replyTag/);
    assert.throws(() => encodeAudioFrame({ kind: 'caller_audio', seq: 0, timeMs: 0, replyTag: 5, pcm }), /replyTag/);
  });
});
