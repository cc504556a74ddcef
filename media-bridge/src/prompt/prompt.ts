/** A prompt already encoded for a call's codec (G.711 bytes), as the RTP endpoint's `play` takes it. */
export interface Prompt {
  id: string;
  /** G.711 bytes (one byte per sample) */
  payload: Uint8Array;
  /** repeat until something else is queued behind it */
  loop?: boolean;
}
