/**
 * flite pads many utterances with 200+ ms of silence before the first sound (and ~120 ms after the last): on a
 * phone line that leading pad is pure added latency. Trims silence at both ends to what sounds natural: a few
 * ms before the first sound, a short pause after the last (between chunks of one reply).
 */

export interface TrimOptions {
  /** silence kept before the first sound (default 10 ms) */
  keepLeadMs?: number;
  /** silence kept after the last sound (default 80 ms) */
  keepTailMs?: number;
  /** mean |sample| over 5 ms above which audio counts as sound (default 100) */
  threshold?: number;
}

const WINDOW = 40; // 5 ms at 8 kHz

export function trimSilence(pcm: Int16Array, opts: TrimOptions = {}): Int16Array {
  const threshold = opts.threshold ?? 100;
  const loud = (start: number) => {
    let sum = 0;
    const end = Math.min(pcm.length, start + WINDOW);
    for (let i = start; i < end; i++) sum += Math.abs(pcm[i]!);
    return sum / Math.max(1, end - start) > threshold;
  };
  let first = -1;
  for (let i = 0; i < pcm.length; i += WINDOW) {
    if (loud(i)) {
      first = i;
      break;
    }
  }
  if (first < 0) return pcm; // nothing audible: leave it alone
  let last = first;
  for (let i = pcm.length - (pcm.length % WINDOW || WINDOW); i >= first; i -= WINDOW) {
    if (loud(i)) {
      last = Math.min(pcm.length, i + WINDOW);
      break;
    }
  }
  const start = Math.max(0, first - Math.round(((opts.keepLeadMs ?? 10) * 8000) / 1000));
  const end = Math.min(pcm.length, last + Math.round(((opts.keepTailMs ?? 80) * 8000) / 1000));
  return pcm.subarray(start, end);
}
