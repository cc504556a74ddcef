/**
 * G.711 (PCMU μ-law, PCMA A-law) at 8 kHz, 20 ms frames: the only codecs the bridge negotiates. `alawmulaw`
 * defines the mapping; each direction is tabulated from it once, when a codec is first used (256 decoded
 * samples, 65,536 encoded bytes), so a frame costs one table read per sample and can be encoded straight into
 * the packet that carries it. One small interface, so the endpoint never branches on the codec name.
 */
import alawmulaw from 'alawmulaw';
import type { Codec } from '@callgate/contracts';

/** Samples in one 20 ms frame at 8 kHz, which for G.711 is also the payload size in bytes. */
export const SAMPLES_PER_FRAME = 160;
export const SAMPLE_RATE = 8000;

/** Encoder/decoder for one G.711 variant. */
export interface G711Codec {
  readonly name: Codec['name'];
  encode(pcm: Int16Array): Uint8Array;
  /** encodes `pcm` into `out` from `offset` (one byte per sample) */
  encodeInto(pcm: Int16Array, out: Uint8Array, offset: number): void;
  decode(payload: Uint8Array): Int16Array;
  /** decodes `payload` into `out` (which must hold at least `payload.length` samples); returns `out` */
  decodeInto(payload: Uint8Array, out: Int16Array): Int16Array;
  /** the byte that decodes to (near) zero: fills the tail of a short final frame */
  readonly silenceByte: number;
}

interface SampleCodec {
  encodeSample(sample: number): number;
  decodeSample(byte: number): number;
}

class TabulatedG711 implements G711Codec {
  private encodeTable: Uint8Array | undefined;
  private decodeTable: Int16Array | undefined;

  constructor(
    readonly name: Codec['name'],
    readonly silenceByte: number,
    private readonly law: SampleCodec,
  ) {}

  // arrow properties: callers may pass the methods around on their own
  readonly encode = (pcm: Int16Array): Uint8Array => {
    const out = new Uint8Array(pcm.length);
    this.encodeInto(pcm, out, 0);
    return out;
  };

  readonly encodeInto = (pcm: Int16Array, out: Uint8Array, offset: number): void => {
    const table = (this.encodeTable ??= this.tabulateEncode());
    const n = pcm.length;
    for (let i = 0; i < n; i++) out[offset + i] = table[pcm[i]! & 0xffff]!;
  };

  readonly decode = (payload: Uint8Array): Int16Array => this.decodeInto(payload, new Int16Array(payload.length));

  readonly decodeInto = (payload: Uint8Array, out: Int16Array): Int16Array => {
    const table = (this.decodeTable ??= Int16Array.from({ length: 256 }, (_, b) => this.law.decodeSample(b)));
    const n = payload.length;
    if (out.length < n) throw new RangeError(`g711: ${n} bytes do not fit ${out.length} samples`);
    for (let i = 0; i < n; i++) out[i] = table[payload[i]!]!;
    return out;
  };

  /** indexed by the sample's 16 bits (two's complement), as alawmulaw encodes it */
  private tabulateEncode(): Uint8Array {
    const table = new Uint8Array(65536);
    for (let u = 0; u < 65536; u++) table[u] = this.law.encodeSample(u < 32768 ? u : u - 65536);
    return table;
  }
}

const PCMU: G711Codec = new TabulatedG711('PCMU', 0xff, alawmulaw.mulaw);
const PCMA: G711Codec = new TabulatedG711('PCMA', 0xd5, alawmulaw.alaw);

/** The codec implementation for a negotiated codec name. */
export function g711(name: Codec['name']): G711Codec {
  return name === 'PCMU' ? PCMU : PCMA;
}
