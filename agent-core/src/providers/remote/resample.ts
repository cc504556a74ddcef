/**
 * Streaming sample-rate conversion for PCM16 mono: band-limited interpolation with a Kaiser-windowed sinc,
 * any rate to any rate (24 kHz, 22.05 kHz, 16 kHz, 48 kHz … → 8 kHz for the phone leg). The low-pass sits
 * just below the lower of the two Nyquist frequencies, so downsampling does not fold the upper band back into
 * the telephone band. State is carried across `push` calls: the output does not depend on how the input was
 * chunked, and `flush()` emits the tail so the output lasts as long as the input.
 *
 * For rates with a small common divisor (all usual ones) the filter is precomputed per phase (polyphase);
 * otherwise the taps are computed per output sample.
 */

export interface ResamplerOptions {
  /** zero crossings of the sinc on each side of the centre (filter length); default 16 */
  zeroCrossings?: number;
  /** cutoff as a fraction of the lower Nyquist frequency; default 0.9 (3.6 kHz when going to 8 kHz) */
  cutoff?: number;
  /** Kaiser window β; default 8.6 (≈ 85 dB stopband) */
  kaiserBeta?: number;
}

const MAX_TABLE_PHASES = 4096;

/** Modified Bessel function of the first kind, order 0 (series). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-16) break;
  }
  return sum;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

export class StreamingResampler {
  /** input samples per period, output samples per period (rates divided by their gcd) */
  private readonly inStep: number;
  private readonly outStep: number;
  /** taps per output sample (2K) and half of it */
  private readonly taps: number;
  private readonly half: number;
  private readonly fc: number;
  private readonly halfWidth: number;
  private readonly beta: number;
  private readonly i0Beta: number;
  private readonly table: Float64Array | undefined;
  private readonly passthrough: boolean;

  /** input history; buf[0] is absolute input index `bufStart` */
  private buf = new Float64Array(0);
  private bufStart = 0;
  /** next output: index within the period and the absolute input index where its period starts */
  private phaseK = 0;
  private periodBase = 0;
  private totalIn = 0;
  private totalOut = 0;
  private flushed = false;

  constructor(
    readonly inRate: number,
    readonly outRate = 8000,
    opts: ResamplerOptions = {},
  ) {
    if (!Number.isInteger(inRate) || !Number.isInteger(outRate) || inRate <= 0 || outRate <= 0) {
      throw new Error(`resampler: rates must be positive integers (got ${inRate} → ${outRate})`);
    }
    const g = gcd(inRate, outRate);
    this.inStep = inRate / g;
    this.outStep = outRate / g;
    this.passthrough = inRate === outRate;
    const zc = opts.zeroCrossings ?? 16;
    const cutoff = opts.cutoff ?? 0.9;
    this.beta = opts.kaiserBeta ?? 8.6;
    this.i0Beta = besselI0(this.beta);
    // cutoff in cycles per input sample
    this.fc = (cutoff * 0.5 * Math.min(inRate, outRate)) / inRate;
    this.halfWidth = zc / (2 * this.fc);
    this.half = Math.ceil(this.halfWidth) + 1;
    this.taps = 2 * this.half;
    // history before the first sample is silence
    this.buf = new Float64Array(this.half);
    this.bufStart = -this.half;
    if (!this.passthrough && this.outStep <= MAX_TABLE_PHASES) {
      this.table = new Float64Array(this.outStep * this.taps);
      for (let p = 0; p < this.outStep; p++) this.fillTaps(p / this.outStep, this.table, p * this.taps);
    }
  }

  /** taps for fractional position `frac` ∈ [0,1): tap j (−K+1 … K) weighs input n0 + j; normalised to unit DC gain */
  private fillTaps(frac: number, into: Float64Array, at: number): void {
    let sum = 0;
    for (let i = 0; i < this.taps; i++) {
      const j = i - this.half + 1;
      const tau = frac - j;
      let h = 0;
      if (Math.abs(tau) <= this.halfWidth) {
        const x = 2 * this.fc * tau;
        const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
        const r = tau / this.halfWidth;
        const w = besselI0(this.beta * Math.sqrt(Math.max(0, 1 - r * r))) / this.i0Beta;
        h = 2 * this.fc * sinc * w;
      }
      into[at + i] = h;
      sum += h;
    }
    if (sum !== 0) for (let i = 0; i < this.taps; i++) into[at + i] = (into[at + i] as number) / sum;
  }

  /** Feeds input; returns the output samples that are complete now (possibly none). */
  push(input: Int16Array): Int16Array {
    if (this.flushed) throw new Error('resampler: push after flush');
    if (this.passthrough) {
      this.totalIn += input.length;
      this.totalOut += input.length;
      return input.slice();
    }
    this.append(input);
    this.totalIn += input.length;
    return this.produce(Number.POSITIVE_INFINITY);
  }

  /** Ends the stream: emits the rest so that output duration = input duration (rounded up to a sample). */
  flush(): Int16Array {
    if (this.flushed) return new Int16Array(0);
    this.flushed = true;
    if (this.passthrough) return new Int16Array(0);
    const expected = Math.ceil((this.totalIn * this.outStep) / this.inStep);
    this.append(new Int16Array(this.half + this.inStep + 1));
    return this.produce(expected - this.totalOut);
  }

  private append(input: ArrayLike<number>): void {
    const next = new Float64Array(this.buf.length + input.length);
    next.set(this.buf, 0);
    for (let i = 0; i < input.length; i++) next[this.buf.length + i] = input[i] as number;
    this.buf = next;
  }

  private produce(limit: number): Int16Array {
    const bufEnd = this.bufStart + this.buf.length; // one past the last available input index
    const out: number[] = [];
    const tmp = this.table ? undefined : new Float64Array(this.taps);
    while (out.length < limit) {
      const num = this.phaseK * this.inStep;
      const n0 = this.periodBase + Math.floor(num / this.outStep);
      const phase = num % this.outStep;
      if (n0 + this.half >= bufEnd) break;
      let coeffs: Float64Array;
      let off: number;
      if (this.table) {
        coeffs = this.table;
        off = phase * this.taps;
      } else {
        coeffs = tmp as Float64Array;
        this.fillTaps(phase / this.outStep, coeffs, 0);
        off = 0;
      }
      const first = n0 - this.half + 1 - this.bufStart;
      let acc = 0;
      for (let i = 0; i < this.taps; i++) acc += (coeffs[off + i] as number) * (this.buf[first + i] as number);
      const v = Math.round(acc);
      out.push(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
      this.phaseK++;
      if (this.phaseK === this.outStep) {
        this.phaseK = 0;
        this.periodBase += this.inStep;
      }
    }
    this.totalOut += out.length;
    // drop history no longer needed by the next output
    const nextN0 = this.periodBase + Math.floor((this.phaseK * this.inStep) / this.outStep);
    const keepFrom = nextN0 - this.half + 1;
    const drop = keepFrom - this.bufStart;
    if (drop > 0) {
      this.buf = this.buf.slice(Math.min(drop, this.buf.length));
      this.bufStart += drop;
    }
    return Int16Array.from(out);
  }
}

/** One-shot conversion of a whole buffer. */
export function resamplePcm16(input: Int16Array, inRate: number, outRate = 8000, opts?: ResamplerOptions): Int16Array {
  const r = new StreamingResampler(inRate, outRate, opts);
  const a = r.push(input);
  const b = r.flush();
  const out = new Int16Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
