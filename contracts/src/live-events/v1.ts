/**
 * Live call events, version 1: what agent-core (and later the media bridge) publishes for supervisors while a
 * call runs (Redis pub/sub, the dashboard, `npm run call`). Every text field here is already PII-redacted at
 * ingestion: no raw transcript ever travels as a live event. Times: `at` is wall-clock epoch ms; the `*Ms`
 * fields of `turn_timing` are ms since the caller's speech ended (the turn's zero), so a waterfall reads directly.
 */
import { z } from 'zod';

export const LIVE_EVENTS_VERSION = 1 as const;
/** the Redis pub/sub channel the live events travel on */
export const LIVE_EVENTS_CHANNEL = 'callgate:live:v1';

const base = {
  v: z.literal(LIVE_EVENTS_VERSION),
  sessionId: z.string().min(1).max(200),
  /** per session, from 1: a consumer spots gaps and duplicates */
  seq: z.number().int().positive(),
  at: z.number().int().nonnegative(),
};
const turnId = z.string().min(1).max(64);
const msOrNull = z.number().nonnegative().nullable();

export const liveEventSchema = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('call_started'), agent: z.string(), callId: z.string(), from: z.string().optional(), to: z.string().optional() }).strict(),
  z
    .object({
      ...base,
      type: z.literal('transcript'),
      turnId,
      speaker: z.enum(['caller', 'agent']),
      /** partial (caller, while speaking) or final */
      final: z.boolean(),
      /** redacted text */
      text: z.string().max(4000),
      /** agent text cut short by a barge-in (only what the caller heard) */
      interrupted: z.boolean().optional(),
      dtmf: z.boolean().optional(),
    })
    .strict(),
  z
    .object({
      ...base,
      type: z.literal('turn_timing'),
      turnId,
      /** the recogniser's first partial after the caller's speech onset */
      sttFirstPartialMs: msOrNull,
      /** STT final after speech end */
      sttFinalMs: msOrNull,
      /** the dialogue model's first output after speech end */
      firstTokenMs: msOrNull,
      /** first synthesised audio after speech end */
      firstAudioMs: msOrNull,
      /** first agent RTP packet on the wire after speech end: the caller's voice-to-voice latency */
      firstRtpOutMs: msOrNull,
      /** caller barged in this long after speech end; playback stopped at `playbackStoppedMs` */
      bargeInMs: msOrNull,
      playbackStoppedMs: msOrNull,
      /** a filler was spoken because the first output was late */
      filler: z.boolean(),
    })
    .strict(),
  z.object({ ...base, type: z.literal('barge_in'), turnId, heardMs: z.number().nonnegative() }).strict(),
  z
    .object({
      ...base,
      type: z.literal('tool'),
      turnId,
      tool: z.string(),
      status: z.enum(['started', 'ok', 'failed']),
      ms: z.number().nonnegative().optional(),
      error: z.string().max(200).optional(),
    })
    .strict(),
  z.object({ ...base, type: z.literal('provider'), stage: z.enum(['stt', 'dialogue', 'tts']), provider: z.string(), state: z.string(), detail: z.string().max(300).optional() }).strict(),
  /** the media bridge's periodic call-quality estimate */
  z.object({ ...base, type: z.literal('quality'), mos: z.number().min(1).max(5), jitterMs: z.number().nonnegative(), lossPct: z.number().min(0).max(100) }).strict(),
  z.object({ ...base, type: z.literal('call_ended'), reason: z.string().max(200), turns: z.number().int().nonnegative() }).strict(),
]);

export type LiveEvent = z.infer<typeof liveEventSchema>;
/** a live event before the publisher stamps it */
export type LiveEventBody = LiveEvent extends infer E ? (E extends LiveEvent ? Omit<E, 'v' | 'sessionId' | 'seq' | 'at'> : never) : never;

/** one turn's stage timings, as a turn_timing event carries them (ms after the caller's speech ended) */
export type TurnTiming = Omit<Extract<LiveEvent, { type: 'turn_timing' }>, 'v' | 'sessionId' | 'seq' | 'at' | 'type'>;

/**
 * The caller as live views show it: a number keeps its last four digits (`********0198`); a SIP user name shows
 * nothing of itself (`****`).
 */
export function maskCaller(uri: string): string {
  const user = uri.replace(/^.*?(sips?|tel):/i, '').replace(/[@;].*$/, '');
  if (/[a-z]/i.test(user)) return '****';
  return user.length <= 4 ? '****' : `${'*'.repeat(Math.min(8, user.length - 4))}${user.slice(-4)}`;
}

/** Validates an event read from Redis or a socket; never throws. */
export function parseLiveEvent(raw: unknown): { ok: true; value: LiveEvent } | { ok: false; reason: string } {
  const r = liveEventSchema.safeParse(raw);
  return r.success ? { ok: true, value: r.data } : { ok: false, reason: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
}
