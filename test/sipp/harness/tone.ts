/** G.711 μ-law (ITU-T G.711, segment encoding with the 0x84 bias) and a tone generator for rtp_stream files. */

const BIAS = 0x84;
const CLIP = 32635;

export function linearToMulaw(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function mulawToLinear(code: number): number {
  const u = ~code & 0xff;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + BIAS) << exponent) - BIAS;
  return u & 0x80 ? -magnitude : magnitude;
}

/** `seconds` of a sine tone at 8 kHz, μ-law encoded (raw, no header: what SIPp's rtp_stream plays) */
export function toneUlaw(seconds: number, freqHz = 440, amplitude = 0.3): Buffer {
  const n = Math.round(seconds * 8000);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = linearToMulaw(amplitude * 32767 * Math.sin((2 * Math.PI * freqHz * i) / 8000));
  return out;
}
