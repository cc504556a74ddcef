/**
 * Per-call analytics of an ended call, computed from its stored turns and session only (pure and
 * deterministic, so a retried analytics step computes the same record):
 *   talk/listen — the caller's and the agent's summed speaking time (turns with startedAt and endedAt) and
 *     their ratio;
 *   interruptions — exchanges the caller spoke over: distinct turn ids with an `interrupted` turn or a barge-in
 *     timing (the caller's turn and the agent's reply to it may share a turn id; they count once);
 *   latency — p50/p95/max per stage (STT final, first token, first audio, first RTP out) over the call's turns;
 *   tools — calls, successes, failures, success rate;
 *   MOS — min/mean/last of the bridge's quality samples;
 *   turn counts, duration and outcome.
 */
import type { CallAnalytics, LatencyStats, SessionRecord, TurnRecord, TurnTimings } from './store-port.js';

/** nearest-rank percentile of sorted values (p in 0..100); undefined for no values */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** count, p50, p95 and max of the values (null for none); NaN and infinite values are ignored */
export function latencyStats(values: ReadonlyArray<number | null | undefined>): LatencyStats | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  const max = v[v.length - 1];
  if (max === undefined) return null;
  return { count: v.length, p50: percentile(v, 50) ?? max, p95: percentile(v, 95) ?? max, max };
}

function speakingMs(turns: readonly TurnRecord[], speaker: TurnRecord['speaker']): number {
  let ms = 0;
  for (const t of turns) {
    if (t.speaker !== speaker || t.startedAt === undefined || t.endedAt === undefined) continue;
    if (Number.isFinite(t.startedAt) && Number.isFinite(t.endedAt) && t.endedAt > t.startedAt) ms += t.endedAt - t.startedAt;
  }
  return ms;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function stage(turns: readonly TurnRecord[], key: keyof TurnTimings): LatencyStats | null {
  return latencyStats(turns.map((t) => t.timings?.[key]));
}

export function callAnalytics(turns: readonly TurnRecord[], session: SessionRecord): CallAnalytics {
  const callerSpeakingMs = speakingMs(turns, 'caller');
  const agentSpeakingMs = speakingMs(turns, 'agent');
  const calls = turns.flatMap((t) => t.toolCalls ?? []);
  const ok = calls.filter((c) => c.ok).length;
  const samples = [...(session.quality ?? [])].filter((q) => Number.isFinite(q.mos)).sort((a, b) => a.at - b.at);
  const last = samples[samples.length - 1];
  const durationMs =
    session.endedAt !== undefined && session.endedAt >= session.startedAt ? session.endedAt - session.startedAt : null;
  return {
    turnCount: turns.length,
    callerTurns: turns.filter((t) => t.speaker === 'caller').length,
    agentTurns: turns.filter((t) => t.speaker === 'agent').length,
    durationMs,
    callerSpeakingMs,
    agentSpeakingMs,
    talkListenRatio: agentSpeakingMs > 0 ? round3(callerSpeakingMs / agentSpeakingMs) : null,
    interruptions: new Set(
      turns.filter((t) => t.interrupted === true || typeof t.timings?.bargeInMs === 'number').map((t) => t.turnId),
    ).size,
    latency: {
      sttFinalMs: stage(turns, 'sttFinalMs'),
      firstTokenMs: stage(turns, 'firstTokenMs'),
      firstAudioMs: stage(turns, 'firstAudioMs'),
      firstRtpOutMs: stage(turns, 'firstRtpOutMs'),
    },
    tools: { calls: calls.length, ok, failed: calls.length - ok, successRate: calls.length > 0 ? round3(ok / calls.length) : null },
    mos: last
      ? {
          samples: samples.length,
          min: Math.min(...samples.map((q) => q.mos)),
          mean: round3(samples.reduce((a, q) => a + q.mos, 0) / samples.length),
          last: last.mos,
        }
      : null,
    outcome: session.outcome ?? 'unknown',
  };
}
