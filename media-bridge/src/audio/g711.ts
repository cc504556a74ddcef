/**
 * G.711 (PCMU μ-law, PCMA A-law) at 8 kHz, 20 ms frames: the only codecs the bridge negotiates. Wraps
 * `alawmulaw` behind one small interface so the endpoint never branches on the codec name.
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
  decode(payload: Uint8Array): Int16Array;
  /** the byte that decodes to (near) zero: fills the tail of a short final frame */
  readonly silenceByte: number;
}

const PCMU: G711Codec = {
  name: 'PCMU',
  encode: (pcm) => alawmulaw.mulaw.encode(pcm),
  decode: (payload) => alawmulaw.mulaw.decode(payload),
  silenceByte: 0xff,
};

const PCMA: G711Codec = {
  name: 'PCMA',
  encode: (pcm) => alawmulaw.alaw.encode(pcm),
  decode: (payload) => alawmulaw.alaw.decode(payload),
  silenceByte: 0xd5,
};

/** The codec implementation for a negotiated codec name. */
export function g711(name: Codec['name']): G711Codec {
  return name === 'PCMU' ? PCMU : PCMA;
}
