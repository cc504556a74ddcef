/**
 * RFC 4733 telephone-event payload (§2.3): event code, end bit, volume and duration, 4 bytes.
 * Only the DTMF events (0-15) are mapped to digits; other events decode but carry no digit.
 */

/** One decoded telephone-event payload. */
export interface TelephoneEvent {
  /** event code: 0-9 digits, 10 '*', 11 '#', 12-15 A-D */
  event: number;
  end: boolean;
  /** attenuation in dBm0, 0..63 (as sent: 10 means -10 dBm0) */
  volume: number;
  /** in timestamp units (1/8000 s) since the event began */
  duration: number;
}

const DIGITS = '0123456789*#ABCD';

/** The digit for an event code, or undefined for non-DTMF events (flash, tones…). */
export function eventToDigit(event: number): string | undefined {
  return event >= 0 && event < DIGITS.length ? DIGITS[event] : undefined;
}

/** The event code for a digit (case-insensitive A-D), or undefined. */
export function digitToEvent(digit: string): number | undefined {
  const i = digit.length === 1 ? DIGITS.indexOf(digit.toUpperCase()) : -1;
  return i >= 0 ? i : undefined;
}

/** True when every character is a DTMF digit (0-9, *, #, A-D). */
export function isDtmfDigits(s: string): boolean {
  return /^[0-9*#A-Da-d]+$/.test(s);
}

/** Decodes a payload; undefined when it is shorter than 4 bytes. */
export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent | undefined {
  if (payload.length < 4) return undefined;
  return {
    event: payload[0]!,
    end: (payload[1]! & 0x80) !== 0,
    volume: payload[1]! & 0x3f,
    duration: (payload[2]! << 8) | payload[3]!,
  };
}

/** Encodes a payload (4 bytes). */
export function serializeTelephoneEvent(e: TelephoneEvent): Buffer {
  const buf = Buffer.alloc(4);
  buf[0] = e.event & 0xff;
  buf[1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f);
  buf.writeUInt16BE(Math.min(0xffff, Math.max(0, Math.round(e.duration))), 2);
  return buf;
}
