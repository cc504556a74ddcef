/**
 * media-bridge ↔ agent-core streaming contract, version 1. One WebSocket per call: the media bridge is the
 * client, agent-core the server. Text frames carry JSON messages (validated with these schemas wherever they
 * enter, on both sides); binary frames carry audio behind a fixed 16-byte header (`encodeAudioFrame`,
 * `decodeAudioFrame`). Times are media-clock ms since the call's media start.
 *
 * Every object is strict: an unknown field is refused (v1 is closed; additions bump the version). In
 * particular no message in either direction carries transcript text: the agent's words travel as audio only.
 *
 * Binary frame, header in network byte order (big-endian):
 *
 *   offset  size  field
 *        0     2  magic     0x43 0x47 ("CG")
 *        2     1  version   1
 *        3     1  kind      1 = caller_audio (bridge→agent), 2 = tts_audio (agent→bridge)
 *        4     4  seq       u32; caller_audio: per call, counts every frame the bridge produced, so a gap
 *                           means the bridge dropped frames; tts_audio: per reply, from 0
 *        8     4  timeMs    u32; caller_audio: media-clock ms of the first sample;
 *                           tts_audio: ms offset of the first sample within its reply
 *       12     4  replyTag  u32; 0 for caller_audio; for tts_audio `replyTag(replyId)` of a reply the agent
 *                           announced with `reply_start` (and has not ended with `reply_end`)
 *       16     n  payload   PCM16 little-endian, mono, 8 kHz; n even, 2 ≤ n ≤ MAX_AUDIO_PAYLOAD_BYTES
 */
import { z } from 'zod';
import { formatIssues } from '../config/load.js';

export const AGENT_STREAM_VERSION = 1 as const;

/** Largest JSON text message either side accepts, in characters. */
export const MAX_CONTROL_MESSAGE_CHARS = 8192;

const id = (max: number) => z.string().min(1).max(max);
const ms = z.number().int().nonnegative();
const replyId = id(64);

/** First message on every connection, and again (with `resume: true`) on each reconnect mid-call. */
export const agentStreamStartSchema = z
  .object({
    v: z.literal(AGENT_STREAM_VERSION),
    type: z.literal('start'),
    sessionId: id(200),
    callId: id(200),
    endpointId: id(200),
    /** the agent name from the number plan */
    agent: id(100),
    from: z.string().max(200).optional(),
    to: z.string().max(200).optional(),
    /** the codec on the phone leg (the audio on this link is always PCM16) */
    codec: z.enum(['PCMU', 'PCMA']),
    sampleRate: z.literal(8000),
    frameMs: z.literal(20),
    /** true when the link reconnects mid-call */
    resume: z.boolean().optional(),
  })
  .strict();
export type AgentStreamStart = z.infer<typeof agentStreamStartSchema>;

/** Events the media bridge reports to the agent. */
export const bridgeControlEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('speech_start'), atMs: ms }).strict(),
  z.object({ type: z.literal('speech_end'), atMs: ms, speechMs: ms }).strict(),
  /** the caller spoke over a reply; `heardMs` is how much of that reply the caller actually heard */
  z.object({ type: z.literal('barge_in'), atMs: ms, replyId, heardMs: ms }).strict(),
  z.object({ type: z.literal('dtmf'), digit: z.string().regex(/^[0-9*#A-D]$/), durationMs: z.number().nonnegative(), source: z.enum(['rfc4733', 'sip-info']) }).strict(),
  /** the reply's first packet went out on the phone leg (agent-core's "first RTP out" timestamp) */
  z.object({ type: z.literal('playback_start'), replyId, atMs: ms }).strict(),
  /** the reply's audio finished playing to the caller */
  z.object({ type: z.literal('playback_done'), replyId, playedMs: ms }).strict(),
  /** the call is over; the bridge closes the link after this */
  z.object({ type: z.literal('end'), reason: id(200) }).strict(),
  /** periodic call quality (G.107 E-model MOS from the jitter buffer's delay, loss and late discards) */
  z
    .object({
      type: z.literal('quality'),
      mos: z.number().min(1).max(5),
      jitterMs: z.number().nonnegative(),
      lossPct: z.number().min(0).max(100),
      packetsReceived: z.number().int().nonnegative(),
      packetsLost: z.number().int().nonnegative(),
    })
    .strict(),
]);
export type BridgeControlEvent = z.infer<typeof bridgeControlEventSchema>;

/** Events the agent sends to the media bridge. None carries text: the reply itself travels as audio. */
export const agentControlEventSchema = z.discriminatedUnion('type', [
  /** announces a reply; its tts_audio frames carry `replyTag(replyId)` */
  z.object({ type: z.literal('reply_start'), replyId }).strict(),
  /** no more audio for this reply */
  z.object({ type: z.literal('reply_end'), replyId }).strict(),
  /** the agent cancels what it queued: one reply, or every reply when `replyId` is absent */
  z.object({ type: z.literal('clear'), replyId: replyId.optional() }).strict(),
  z.object({ type: z.literal('transfer'), target: z.string().min(1).max(256).optional() }).strict(),
  z.object({ type: z.literal('hangup'), reason: id(200) }).strict(),
  z.object({ type: z.literal('play_prompt'), promptId: id(64) }).strict(),
]);
export type AgentControlEvent = z.infer<typeof agentControlEventSchema>;

const v = z.literal(AGENT_STREAM_VERSION);
const pingSchema = z.object({ v, type: z.literal('ping'), id: z.number().int().nonnegative().optional() }).strict();
const pongSchema = z.object({ v, type: z.literal('pong'), id: z.number().int().nonnegative().optional() }).strict();

/** Every text message the media bridge sends. */
export const bridgeMessageSchema = z.discriminatedUnion('type', [
  agentStreamStartSchema,
  z.object({ v, type: z.literal('control_event'), event: bridgeControlEventSchema }).strict(),
  pingSchema,
  pongSchema,
]);
export type BridgeMessage = z.infer<typeof bridgeMessageSchema>;

/** Every text message agent-core sends. */
export const agentMessageSchema = z.discriminatedUnion('type', [
  z.object({ v, type: z.literal('control_event'), event: agentControlEventSchema }).strict(),
  z.object({ v, type: z.literal('error'), code: id(64), message: z.string().max(1000) }).strict(),
  pingSchema,
  pongSchema,
]);
export type AgentMessage = z.infer<typeof agentMessageSchema>;

/** Outcome of reading something off the wire: the value, or why it was refused (naming the field). */
export type AgentStreamParsed<T> = { ok: true; value: T } | { ok: false; reason: string };

function parseText<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, text: string): AgentStreamParsed<T> {
  if (text.length > MAX_CONTROL_MESSAGE_CHARS) return { ok: false, reason: `message too large (${text.length} > ${MAX_CONTROL_MESSAGE_CHARS} chars)` };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'invalid JSON' };
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: formatIssues(parsed.error).join('; ') };
}

/** Validates a text frame received by agent-core. */
export function parseBridgeMessage(text: string): AgentStreamParsed<BridgeMessage> {
  return parseText(bridgeMessageSchema, text);
}

/** Validates a text frame received by the media bridge. */
export function parseAgentMessage(text: string): AgentStreamParsed<AgentMessage> {
  return parseText(agentMessageSchema, text);
}

/** Bytes before the PCM payload in every binary frame. */
export const AUDIO_FRAME_HEADER_BYTES = 16;
/** "CG" */
export const AUDIO_FRAME_MAGIC = 0x4347;
/** Largest payload: one second of 8 kHz PCM16. */
export const MAX_AUDIO_PAYLOAD_BYTES = 16000;

/** Wire value of the `kind` byte. */
export const AUDIO_FRAME_KIND = { caller_audio: 1, tts_audio: 2 } as const;
export type AudioFrameKind = keyof typeof AUDIO_FRAME_KIND;

/** One binary frame, decoded. */
export interface AudioFrame {
  kind: AudioFrameKind;
  seq: number;
  timeMs: number;
  /** 0 for caller audio */
  replyTag: number;
  /** PCM16 mono 8 kHz, host order */
  pcm: Int16Array;
}

/** The u32 that stands for `replyId` in tts_audio headers: FNV-1a 32-bit of its UTF-8 bytes, never 0. */
export function replyTag(replyId: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(replyId, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h === 0 ? 1 : h;
}

const isU32 = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;

/** Builds a binary frame; throws RangeError on a value that does not fit the header or payload rules. */
export function encodeAudioFrame(frame: AudioFrame): Uint8Array {
  const bytes = frame.pcm.length * 2;
  if (bytes < 2 || bytes > MAX_AUDIO_PAYLOAD_BYTES) throw new RangeError(`audio frame payload must be 2..${MAX_AUDIO_PAYLOAD_BYTES} bytes, got ${bytes}`);
  if (!isU32(frame.seq)) throw new RangeError('audio frame seq must be a u32');
  if (!isU32(frame.timeMs)) throw new RangeError('audio frame timeMs must be a u32');
  if (!isU32(frame.replyTag) || (frame.kind === 'caller_audio') !== (frame.replyTag === 0)) {
    throw new RangeError('audio frame replyTag must be 0 for caller_audio and a non-zero u32 for tts_audio');
  }
  const out = new Uint8Array(AUDIO_FRAME_HEADER_BYTES + bytes);
  const view = new DataView(out.buffer);
  view.setUint16(0, AUDIO_FRAME_MAGIC);
  view.setUint8(2, AGENT_STREAM_VERSION);
  view.setUint8(3, AUDIO_FRAME_KIND[frame.kind]);
  view.setUint32(4, frame.seq);
  view.setUint32(8, frame.timeMs);
  view.setUint32(12, frame.replyTag);
  for (let i = 0; i < frame.pcm.length; i++) view.setInt16(AUDIO_FRAME_HEADER_BYTES + i * 2, frame.pcm[i]!, true);
  return out;
}

/** Validates and decodes a binary frame; `expect` refuses the other direction's kind. Never throws. */
export function decodeAudioFrame(data: Uint8Array, expect?: AudioFrameKind): AgentStreamParsed<AudioFrame> {
  if (data.length < AUDIO_FRAME_HEADER_BYTES) return { ok: false, reason: `frame: ${data.length} bytes is shorter than the header` };
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint16(0) !== AUDIO_FRAME_MAGIC) return { ok: false, reason: 'magic: not a Callgate audio frame' };
  const version = view.getUint8(2);
  if (version !== AGENT_STREAM_VERSION) return { ok: false, reason: `version: expected ${AGENT_STREAM_VERSION}, got ${version}` };
  const kindByte = view.getUint8(3);
  const kind = kindByte === 1 ? 'caller_audio' : kindByte === 2 ? 'tts_audio' : undefined;
  if (!kind) return { ok: false, reason: `kind: unknown value ${kindByte}` };
  if (expect && kind !== expect) return { ok: false, reason: `kind: expected ${expect}, got ${kind}` };
  const tag = view.getUint32(12);
  if ((kind === 'caller_audio') !== (tag === 0)) return { ok: false, reason: `replyTag: must be ${kind === 'caller_audio' ? '0' : 'non-zero'} for ${kind}` };
  const bytes = data.length - AUDIO_FRAME_HEADER_BYTES;
  if (bytes === 0) return { ok: false, reason: 'payload: empty' };
  if (bytes % 2 !== 0) return { ok: false, reason: `payload: odd length ${bytes}` };
  if (bytes > MAX_AUDIO_PAYLOAD_BYTES) return { ok: false, reason: `payload: ${bytes} bytes exceeds ${MAX_AUDIO_PAYLOAD_BYTES}` };
  const pcm = new Int16Array(bytes / 2);
  for (let i = 0; i < pcm.length; i++) pcm[i] = view.getInt16(AUDIO_FRAME_HEADER_BYTES + i * 2, true);
  return { ok: true, value: { kind, seq: view.getUint32(4), timeMs: view.getUint32(8), replyTag: tag, pcm } };
}
