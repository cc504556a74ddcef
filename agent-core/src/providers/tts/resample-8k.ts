/** Whole-buffer resampling of a TTS result to the phone leg's 8 kHz (the streaming resampler, in one go). */
import { resamplePcm16 } from '../remote/resample.js';

export function resampleTo8k(samples: Int16Array, rate: number): Int16Array {
  return rate === 8000 ? samples : resamplePcm16(samples, rate, 8000);
}
