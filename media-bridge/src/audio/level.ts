/** Signal level of PCM16 audio in dB relative to full scale (a full-scale square wave is 0 dBFS). */

/** RMS level in dBFS; digital silence is -Infinity. */
export function dbfs(pcm: Int16Array): number {
  if (pcm.length === 0) return -Infinity;
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) sum += pcm[i]! * pcm[i]!;
  const rms = Math.sqrt(sum / pcm.length);
  return rms === 0 ? -Infinity : 20 * Math.log10(rms / 32768);
}
