/** Reads and writes 16-bit PCM mono WAV (RIFF) files: what flite writes and what recordings are saved as. */

/** PCM samples and their rate. */
export interface PcmAudio {
  sampleRate: number;
  samples: Int16Array;
}

/** Parses a 16-bit mono PCM WAV; throws naming what is wrong (format, channels, bits, a missing chunk). */
export function parseWav(buf: Buffer, what = 'WAV data'): PcmAudio {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${what}: not a RIFF/WAVE file`);
  }
  let offset = 12;
  let format: { audioFormat: number; channels: number; sampleRate: number; bits: number } | undefined;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ' && size >= 16 && body + 16 <= buf.length) {
      format = {
        audioFormat: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!format) throw new Error(`${what}: data chunk before fmt chunk`);
      if (format.audioFormat !== 1 || format.bits !== 16 || format.channels !== 1) {
        throw new Error(`${what}: need 16-bit mono PCM, got format ${format.audioFormat}, ${format.bits} bits, ${format.channels} channels`);
      }
      // flite may write 0 or a too-large size for a streamed file: take what is there
      const end = Math.min(buf.length, size === 0 ? buf.length : body + size);
      const samples = new Int16Array(Math.floor((end - body) / 2));
      for (let i = 0; i < samples.length; i++) samples[i] = buf.readInt16LE(body + i * 2);
      return { sampleRate: format.sampleRate, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new Error(`${what}: no data chunk`);
}

/** A 16-bit mono PCM WAV file holding `samples`. */
export function encodeWav(samples: Int16Array, sampleRate = 8000): Buffer {
  const out = Buffer.alloc(44 + samples.length * 2);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + samples.length * 2, 4);
  out.write('WAVEfmt ', 8, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(samples.length * 2, 40);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, 44 + i * 2);
  return out;
}
