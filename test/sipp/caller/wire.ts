/**
 * Latency as the caller experiences it, measured on the caller's own socket: voice-to-voice (the caller's last
 * voiced packet sent → the agent's first voiced packet received) and barge-in (the caller starts talking over
 * the agent → the agent's last voiced packet). All times are monotonic ms (performance.now()).
 */
import type { AudioFrame } from './audio.js';
import { ReplyDetector, type ReplyDetectorOptions } from './turn-detector.js';

export interface SpokenSpan {
  /** first and last voiced packet the caller sent (send time) */
  firstVoicedAt: number;
  lastVoicedAt: number;
}

export interface WireReply {
  /** the agent's first voiced packet of its answer (arrival), if it answered */
  onsetAt: number | undefined;
  /** caller speech end → agent onset, ms */
  v2vMs: number | null;
  /** the agent was still talking when the caller stopped (its answer may be the old reply going on) */
  overlap: boolean;
  /** voiced agent audio in the answer, ms */
  agentSpeechMs: number;
}

/**
 * What the frames show of the agent's answer to speech that ended at `speechEndAt`, looking at frames that
 * arrived until `until`: the same detector the live turn-taking uses, replayed.
 */
export function measureReply(frames: readonly Pick<AudioFrame, 'at' | 'voiced'>[], speechEndAt: number, until: number, o: ReplyDetectorOptions & { overlapWindowMs?: number } = {}): WireReply {
  const d = new ReplyDetector(speechEndAt, o);
  const overlapWindow = o.overlapWindowMs ?? 200;
  let overlap = false;
  for (const f of frames) {
    if (f.at > until) break;
    if (f.voiced && f.at >= speechEndAt - overlapWindow && f.at <= speechEndAt + 40) overlap = true;
    d.push(f.voiced, f.at);
  }
  return {
    onsetAt: d.onsetAt,
    v2vMs: d.onsetAt === undefined ? null : Math.max(0, d.onsetAt - speechEndAt),
    overlap,
    agentSpeechMs: d.voicedMs,
  };
}

export interface BargeIn {
  /** the caller's first voiced packet (send time) */
  callerOnsetAt: number;
  /** was the agent talking when the caller started (in the 300 ms before)? */
  agentWasTalking: boolean;
  /** the agent's last voiced packet while the caller talked (arrival), if any */
  agentStoppedAt: number | undefined;
  /** caller onset → end of the agent's last voiced packet; null when the agent talked on to the end */
  stopMs: number | null;
}

/**
 * The caller talked over the agent during `caller`: when did the agent's audio stop? The agent "stopped" at its
 * last voiced frame before the caller's speech ended; if it was still voiced within `talkedOnMs` of the end, it
 * never stopped (null).
 */
export function measureBargeIn(frames: readonly Pick<AudioFrame, 'at' | 'voiced'>[], caller: SpokenSpan, o: { frameMs?: number; talkedOnMs?: number } = {}): BargeIn {
  const frameMs = o.frameMs ?? 20;
  const talkedOn = o.talkedOnMs ?? 100;
  let wasTalking = false;
  let last: number | undefined;
  for (const f of frames) {
    if (!f.voiced) continue;
    if (f.at >= caller.firstVoicedAt - 300 && f.at < caller.firstVoicedAt) wasTalking = true;
    if (f.at >= caller.firstVoicedAt && f.at <= caller.lastVoicedAt) last = f.at;
  }
  let stopMs: number | null;
  if (last === undefined) stopMs = 0;
  else if (caller.lastVoicedAt - last <= talkedOn) stopMs = null;
  else stopMs = Math.round(last + frameMs - caller.firstVoicedAt);
  return { callerOnsetAt: caller.firstVoicedAt, agentWasTalking: wasTalking, agentStoppedAt: last, stopMs };
}

/** frames of one agent turn for its WAV: from `preMs` before its first voiced frame to `postMs` after its last */
export function trimToVoice<F extends Pick<AudioFrame, 'at' | 'voiced'>>(frames: readonly F[], from: number, to: number, preMs = 100, postMs = 300): F[] {
  const inside = frames.filter((f) => f.at >= from && f.at < to);
  const voiced = inside.filter((f) => f.voiced);
  if (voiced.length === 0) return [];
  const a = voiced[0]!.at - preMs;
  const b = voiced[voiced.length - 1]!.at + postMs;
  return inside.filter((f) => f.at >= a && f.at <= b);
}

/** nearest-rank percentile (p in 0..100) of the values, or null when there are none */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}
