/**
 * Byte-stream decoders for synthesized audio arriving over HTTP in arbitrary pieces: raw PCM16 little-endian
 * (a piece may end in the middle of a sample) and WAV (RIFF header parsed as it arrives; PCM 16-bit, any rate,
 * any channel count — channels are averaged to mono; streamed WAVs with an unknown data size are accepted).
 */

/** Raw 16-bit little-endian PCM; `channels` > 1 are averaged to mono. */
export class Pcm16Decoder {
  private carry = new Uint8Array(0);

  constructor(private readonly channels = 1) {}

  push(bytes: Uint8Array): Int16Array {
    let data = bytes;
    if (this.carry.length > 0) {
      data = new Uint8Array(this.carry.length + bytes.length);
      data.set(this.carry, 0);
      data.set(bytes, this.carry.length);
    }
    const frameBytes = 2 * this.channels;
    const frames = Math.floor(data.length / frameBytes);
    const used = frames * frameBytes;
    this.carry = data.slice(used);
    const view = new DataView(data.buffer, data.byteOffset, used);
    const out = new Int16Array(frames);
    if (this.channels === 1) {
      for (let i = 0; i < frames; i++) out[i] = view.getInt16(2 * i, true);
    } else {
      for (let i = 0; i < frames; i++) {
        let sum = 0;
        for (let c = 0; c < this.channels; c++) sum += view.getInt16(i * frameBytes + 2 * c, true);
        out[i] = Math.round(sum / this.channels);
      }
    }
    return out;
  }

  /** bytes left over that do not make a whole frame */
  get pending(): number {
    return this.carry.length;
  }
}

export interface WavFormat {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** bytes of sample data the header announces; undefined when unknown (streamed: 0 or 0xFFFFFFFF) */
  dataBytes?: number;
}

/**
 * Streaming WAV reader: `push` returns mono PCM16 once the header has been seen; `format` is set from then on.
 * Throws on a file that is not RIFF/WAVE or not 16-bit PCM.
 */
export class WavStreamDecoder {
  format: WavFormat | undefined;
  private head = new Uint8Array(0);
  private pcm: Pcm16Decoder | undefined;
  private remaining = Number.POSITIVE_INFINITY;

  push(bytes: Uint8Array): Int16Array {
    if (this.pcm) return this.samples(bytes);
    const joined = new Uint8Array(this.head.length + bytes.length);
    joined.set(this.head, 0);
    joined.set(bytes, this.head.length);
    this.head = joined;
    const start = this.parseHeader();
    if (start === undefined) return new Int16Array(0);
    const rest = this.head.slice(start);
    this.head = new Uint8Array(0);
    return this.samples(rest);
  }

  /** true when the header announced a data size and all of it arrived */
  get complete(): boolean {
    return this.remaining === 0;
  }

  private samples(bytes: Uint8Array): Int16Array {
    const pcm = this.pcm as Pcm16Decoder;
    let b = bytes;
    if (b.length > this.remaining) b = b.subarray(0, this.remaining);
    if (Number.isFinite(this.remaining)) this.remaining -= b.length;
    return pcm.push(b);
  }

  /** offset of the sample data once the header is complete; undefined while more bytes are needed */
  private parseHeader(): number | undefined {
    const h = this.head;
    if (h.length < 12) return undefined;
    const view = new DataView(h.buffer, h.byteOffset, h.byteLength);
    const tag = (at: number): string => String.fromCharCode(h[at] ?? 0, h[at + 1] ?? 0, h[at + 2] ?? 0, h[at + 3] ?? 0);
    if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('wav: not a RIFF/WAVE stream');
    let at = 12;
    let fmt: WavFormat | undefined;
    while (true) {
      if (h.length < at + 8) return undefined;
      const id = tag(at);
      const size = view.getUint32(at + 4, true);
      const body = at + 8;
      if (id === 'data') {
        if (!fmt) throw new Error('wav: data chunk before fmt chunk');
        if (size !== 0 && size !== 0xffffffff) {
          fmt.dataBytes = size;
          this.remaining = size;
        }
        this.format = fmt;
        this.pcm = new Pcm16Decoder(fmt.channels);
        return body;
      }
      if (h.length < body + size + (size % 2)) return undefined;
      if (id === 'fmt ') {
        if (size < 16) throw new Error('wav: fmt chunk too short');
        const audioFormat = view.getUint16(body, true);
        const channels = view.getUint16(body + 2, true);
        const sampleRate = view.getUint32(body + 4, true);
        const bitsPerSample = view.getUint16(body + 14, true);
        // 1 = PCM, 0xFFFE = WAVE_FORMAT_EXTENSIBLE (we accept it when 16-bit)
        if ((audioFormat !== 1 && audioFormat !== 0xfffe) || bitsPerSample !== 16) {
          throw new Error(`wav: only 16-bit PCM is supported (format ${audioFormat}, ${bitsPerSample} bits)`);
        }
        if (channels < 1 || sampleRate < 1) throw new Error('wav: bad fmt chunk');
        fmt = { sampleRate, channels, bitsPerSample };
      }
      at = body + size + (size % 2);
    }
  }
}

/** A WAV header for 16-bit PCM (used by the fake server and tests); `dataBytes` undefined → streamed (0xFFFFFFFF). */
export function wavHeader(sampleRate: number, channels = 1, dataBytes?: number): Uint8Array {
  const h = new Uint8Array(44);
  const v = new DataView(h.buffer);
  const put = (at: number, s: string): void => {
    for (let i = 0; i < 4; i++) h[at + i] = s.charCodeAt(i);
  };
  put(0, 'RIFF');
  v.setUint32(4, dataBytes === undefined ? 0xffffffff : 36 + dataBytes, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * channels * 2, true);
  v.setUint16(32, channels * 2, true);
  v.setUint16(34, 16, true);
  put(36, 'data');
  v.setUint32(40, dataBytes === undefined ? 0xffffffff : dataBytes, true);
  return h;
}
