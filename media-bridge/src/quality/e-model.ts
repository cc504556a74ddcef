/**
 * A MOS estimate for a G.711 call from the ITU-T G.107 E-model, reduced to what the media bridge measures:
 * one-way delay and packet loss (late discards count as loss). Everything else keeps G.107's default values,
 * so R = 93.2 − Idd(Ta) − Ie,eff:
 *
 *   Idd = 0 for Ta ≤ 100 ms, else 25·((1 + X⁶)^⅙ − 3·(1 + (X/3)⁶)^⅙ + 2) with X = log2(Ta / 100)
 *   Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl)      (G.711: Ie = 0; Bpl 4.3 without PLC, 25.1 with)
 *   MOS = 1 for R < 0, 4.5 for R > 100, else 1 + 0.035·R + R·(R − 60)·(100 − R)·7·10⁻⁶
 *
 * Simplifications (documented, not hidden): talker echo (Idte) and listener echo (Idle) are taken at their
 * defaults (well-cancelled echo), the advantage factor A is 0, and loss is treated as random (BurstR = 1)
 * unless a burst ratio is given.
 */

/** G.107 default Ro − Is with all other parameters at their defaults */
export const R_DEFAULT = 93.2;

export interface EModelInput {
  /** one-way mouth-to-ear delay estimate in ms (network + jitter buffer + packetization) */
  delayMs: number;
  /** packets lost or discarded late, in percent (0–100) */
  lossPct: number;
  /** packet loss concealment in use (G.113 Appendix I: Bpl 25.1 with PLC, 4.3 without) */
  plc: boolean;
  /** burst ratio (1 = random loss) */
  burstRatio?: number;
}

/** delay impairment Idd (G.107 §7.4, absolute delay part) */
export function delayImpairment(delayMs: number): number {
  if (!(delayMs > 100)) return 0;
  const x = Math.log2(delayMs / 100);
  return 25 * (Math.pow(1 + Math.pow(x, 6), 1 / 6) - 3 * Math.pow(1 + Math.pow(x / 3, 6), 1 / 6) + 2);
}

/** effective equipment impairment Ie,eff for G.711 (Ie = 0) */
export function lossImpairment(lossPct: number, plc: boolean, burstRatio = 1): number {
  const ppl = Math.min(100, Math.max(0, lossPct));
  const bpl = plc ? 25.1 : 4.3;
  return (95 * ppl) / (ppl / burstRatio + bpl);
}

export function rFactor(i: EModelInput): number {
  return R_DEFAULT - delayImpairment(i.delayMs) - lossImpairment(i.lossPct, i.plc, i.burstRatio);
}

/** G.107 Annex B: R → MOS (conversational quality estimate) */
export function mosFromR(r: number): number {
  if (r < 0) return 1;
  if (r > 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

export function estimateMos(i: EModelInput): { r: number; mos: number } {
  const r = rFactor(i);
  return { r, mos: mosFromR(r) };
}
