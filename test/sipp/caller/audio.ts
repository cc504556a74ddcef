/**
 * The caller's ear: G.711 frame energy (is this 20 ms frame speech or quiet?) and recordings of what the agent
 * sent, laid out on the RTP timestamp so lost or late packets leave silence where they belong.
 */
import { encodeWav, g711 } from '@callgate/media-bridge';

export const FRAME_MS = 20;
export const SAMPLES_PER_FRAME = 160;
export const SAMPLE_RATE = 8000;

/** frames quieter than this (RMS, dBFS) count as quiet: silence frames, comfort noise, line hum */
export const DEFAULT_VOICE_THRESHOLD_DBFS = -40;

export type G711Name = 'PCMU' | 'PCMA';

export function codecOfPt(pt: number): G711Name | undefined {
  return pt === 0 ? 'PCMU' : pt === 8 ? 'PCMA' : undefined;
}

/** RMS level of linear samples in dBFS (−Infinity for digital silence) */
export function levelDbfs(samples: Int16Array): number {
  if (samples.length === 0) return -Infinity;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  const rms = Math.sqrt(sum / samples.length);
  return rms === 0 ? -Infinity : 20 * Math.log10(rms / 32768);
}

/** level of one G.711 payload */
export function payloadDbfs(payload: Uint8Array, codec: G711Name = 'PCMU'): number {
  return levelDbfs(g711(codec).decode(payload));
}

export function isVoiced(payload: Uint8Array, codec: G711Name = 'PCMU', thresholdDbfs = DEFAULT_VOICE_THRESHOLD_DBFS): boolean {
  return payloadDbfs(payload, codec) > thresholdDbfs;
}

/** one received audio frame as the recorder keeps it */
export interface AudioFrame {
  /** monotonic arrival time (performance.now() ms) */
  at: number;
  ssrc: number;
  ts: number;
  codec: G711Name;
  payload: Uint8Array;
  voiced: boolean;
}

/**
 * Decodes frames into one PCM track. Consecutive frames of one SSRC go where their RTP timestamps put them
 * (gaps become silence, duplicates and late frames overwrite); a new SSRC or a timestamp jump over 10 s
 * continues from the arrival time instead.
 */
export function renderTrack(frames: readonly AudioFrame[]): Int16Array {
  if (frames.length === 0) return new Int16Array(0);
  const placed: Array<{ offset: number; pcm: Int16Array }> = [];
  const t0 = frames[0]!.at;
  let anchor: { ssrc: number; ts: number; offset: number } | undefined;
  let end = 0;
  for (const f of frames) {
    let offset: number;
    const d = anchor && anchor.ssrc === f.ssrc ? (f.ts - anchor.ts) | 0 : NaN;
    if (anchor && Number.isFinite(d) && Math.abs(d) <= 10 * SAMPLE_RATE) offset = anchor.offset + d;
    else {
      offset = Math.max(end, Math.round(((f.at - t0) * SAMPLE_RATE) / 1000));
      anchor = { ssrc: f.ssrc, ts: f.ts, offset };
    }
    if (offset < 0) continue;
    const pcm = g711(f.codec).decode(f.payload);
    placed.push({ offset, pcm });
    end = Math.max(end, offset + pcm.length);
  }
  const out = new Int16Array(end);
  for (const p of placed) out.set(p.pcm, p.offset);
  return out;
}

export function wavOf(frames: readonly AudioFrame[]): Buffer {
  return encodeWav(renderTrack(frames), SAMPLE_RATE);
}

/** splits μ-law into 160-byte frames, padding the last with silence */
export function ulawFrames(ulaw: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < ulaw.length; i += SAMPLES_PER_FRAME) {
    const f = Buffer.alloc(SAMPLES_PER_FRAME, 0xff);
    ulaw.copy(f, 0, i, Math.min(ulaw.length, i + SAMPLES_PER_FRAME));
    out.push(f);
  }
  return out;
}
