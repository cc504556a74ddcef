/**
 * SLO tracking: p95 of each latency over a sliding window, judged against the configured targets. Over target
 * shows amber at once; held over target for `holdMs` it is breached (red, and `callgate_slo_breached` = 1).
 * Samples come from the turn_timing live events:
 *   turn_latency       speech end → first agent RTP out (voice to voice)
 *   barge_in           barge-in detected → agent playback stopped
 *   stt_first_partial  caller speech onset → first STT partial
 *   first_token        speech end → first dialogue output
 *   first_audio        speech end → first synthesised audio
 */
import type { DashboardConfig, LiveEvent } from '@callgate/contracts';
import type { SloStatus } from '../api/types.js';

type TurnTimingEvent = Extract<LiveEvent, { type: 'turn_timing' }>;

interface SloDef {
  name: string;
  label: string;
  target: keyof Omit<DashboardConfig['slo'], 'windowMs' | 'holdMs' | 'minSamples'>;
  value: (e: TurnTimingEvent) => number | null;
}

export const SLOS: readonly SloDef[] = [
  { name: 'turn_latency', label: 'Turn latency (voice to voice)', target: 'turnLatencyP95Ms', value: (e) => e.firstRtpOutMs },
  { name: 'barge_in', label: 'Barge-in stop', target: 'bargeInP95Ms', value: (e) => (e.bargeInMs !== null && e.playbackStoppedMs !== null ? Math.max(0, e.playbackStoppedMs - e.bargeInMs) : null) },
  { name: 'stt_first_partial', label: 'STT first partial', target: 'sttFirstPartialP95Ms', value: (e) => e.sttFirstPartialMs },
  { name: 'first_token', label: 'First token', target: 'firstTokenP95Ms', value: (e) => e.firstTokenMs },
  { name: 'first_audio', label: 'First TTS audio', target: 'firstAudioP95Ms', value: (e) => e.firstAudioMs },
];

/** bound on samples kept per SLO (a busy box makes many turns per window) */
const MAX_SAMPLES = 20_000;

export class SloTracker {
  private readonly samples = new Map<string, { at: number; ms: number }[]>();
  private readonly overSince = new Map<string, number>();

  constructor(
    private readonly config: DashboardConfig['slo'],
    private readonly now: () => number = Date.now,
  ) {
    for (const s of SLOS) this.samples.set(s.name, []);
  }

  observe(e: TurnTimingEvent): void {
    for (const s of SLOS) {
      const v = s.value(e);
      if (v === null || !Number.isFinite(v)) continue;
      const list = this.samples.get(s.name)!;
      list.push({ at: e.at, ms: v });
      if (list.length > MAX_SAMPLES) list.splice(0, list.length - MAX_SAMPLES);
    }
  }

  /** the SLOs now; call it regularly (it also moves the over/breached clocks) */
  evaluate(): SloStatus[] {
    const t = this.now();
    return SLOS.map((s) => {
      const list = this.samples.get(s.name)!;
      const from = t - this.config.windowMs;
      while (list.length && list[0]!.at < from) list.shift();
      const targetMs = this.config[s.target];
      const p95Ms = list.length >= this.config.minSamples ? percentile(list.map((x) => x.ms), 0.95) : null;
      const over = p95Ms !== null && p95Ms > targetMs;
      if (!over) this.overSince.delete(s.name);
      else if (!this.overSince.has(s.name)) this.overSince.set(s.name, t);
      const since = this.overSince.get(s.name) ?? null;
      return { name: s.name, label: s.label, targetMs, p95Ms: p95Ms === null ? null : Math.round(p95Ms), samples: list.length, over, breached: since !== null && t - since >= this.config.holdMs, overSince: since };
    });
  }
}

/** nearest-rank percentile of the values (q in 0..1) */
export function percentile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
