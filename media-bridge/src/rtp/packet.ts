/**
 * RTP fixed header (RFC 3550 §5.1): parse and serialize. Parsing never throws: anything that is not a
 * well-formed version-2 packet yields `undefined`, so a socket handler can drop garbage with one check.
 */

/** Size of the fixed header, before CSRCs and extension. */
export const RTP_HEADER_BYTES = 12;

/** A header extension (RFC 3550 §5.3.1): 16-bit profile-defined id and its data (a multiple of 4 bytes). */
export interface RtpHeaderExtension {
  profile: number;
  data: Buffer;
}

/** A parsed (or to-be-serialized) RTP packet. The version is always 2. */
export interface RtpPacket {
  marker: boolean;
  /** 0..127 */
  payloadType: number;
  /** 0..65535 */
  sequenceNumber: number;
  /** 0..2^32-1 */
  timestamp: number;
  /** 0..2^32-1 */
  ssrc: number;
  /** contributing sources, at most 15 (a parsed packet without any shares one frozen empty list) */
  csrc: readonly number[];
  extension?: RtpHeaderExtension;
  /** Payload without padding. On a parsed packet this is a view into the received buffer: copy to keep it. */
  payload: Buffer;
  /** Number of padding bytes (including the count byte) after the payload; 0 = the P bit is clear. */
  paddingLength: number;
}

/** What `serializeRtp` needs; csrc, extension and padding are optional. */
export type RtpPacketInit = Omit<RtpPacket, 'csrc' | 'paddingLength' | 'extension'> &
  Partial<Pick<RtpPacket, 'csrc' | 'paddingLength' | 'extension'>>;

/** the CSRC list of the (usual) packet without contributing sources: one for all, not one per packet */
const NO_CSRC: readonly number[] = Object.freeze([]);

/** Parses one datagram as RTP; returns undefined for anything malformed (wrong version, truncated, bad padding). */
export function parseRtp(buf: Buffer): RtpPacket | undefined {
  if (buf.length < RTP_HEADER_BYTES) return undefined;
  const b0 = buf[0]!;
  const b1 = buf[1]!;
  if (b0 >> 6 !== 2) return undefined;
  const hasPadding = (b0 & 0x20) !== 0;
  const hasExtension = (b0 & 0x10) !== 0;
  const csrcCount = b0 & 0x0f;

  let offset = RTP_HEADER_BYTES;
  if (buf.length < offset + csrcCount * 4) return undefined;
  let csrc: readonly number[] = NO_CSRC;
  if (csrcCount > 0) {
    const list: number[] = [];
    for (let i = 0; i < csrcCount; i++, offset += 4) list.push(buf.readUInt32BE(offset));
    csrc = list;
  }

  let extension: RtpHeaderExtension | undefined;
  if (hasExtension) {
    if (buf.length < offset + 4) return undefined;
    const profile = buf.readUInt16BE(offset);
    const words = buf.readUInt16BE(offset + 2);
    offset += 4;
    if (buf.length < offset + words * 4) return undefined;
    extension = { profile, data: buf.subarray(offset, offset + words * 4) };
    offset += words * 4;
  }

  let end = buf.length;
  let paddingLength = 0;
  if (hasPadding) {
    paddingLength = buf[buf.length - 1]!;
    if (paddingLength === 0 || offset + paddingLength > buf.length) return undefined;
    end -= paddingLength;
  }

  const packet: RtpPacket = {
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequenceNumber: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    csrc,
    payload: buf.subarray(offset, end),
    paddingLength,
  };
  if (extension) packet.extension = extension;
  return packet;
}

/**
 * Serializes a packet into a new buffer. Values out of their field's range are a programming error and throw
 * a RangeError (unlike parsing, which faces the network).
 */
export function serializeRtp(p: RtpPacketInit): Buffer {
  const csrc = p.csrc ?? [];
  const paddingLength = p.paddingLength ?? 0;
  const ext = p.extension;
  if (csrc.length > 15) throw new RangeError('RTP: at most 15 CSRCs');
  if (!Number.isInteger(p.payloadType) || p.payloadType < 0 || p.payloadType > 127) throw new RangeError(`RTP: payload type ${p.payloadType}`);
  if (paddingLength < 0 || paddingLength > 255) throw new RangeError(`RTP: padding ${paddingLength}`);
  if (ext && (ext.data.length % 4 !== 0 || ext.data.length / 4 > 0xffff)) throw new RangeError('RTP: extension data must be a multiple of 4 bytes');

  const extBytes = ext ? 4 + ext.data.length : 0;
  const headerBytes = RTP_HEADER_BYTES + csrc.length * 4 + extBytes;
  const buf = Buffer.alloc(headerBytes + p.payload.length + paddingLength);
  writeRtpHeader(buf, p.marker ?? false, p.payloadType, p.sequenceNumber, p.timestamp, p.ssrc);
  buf[0] = 0x80 | (paddingLength > 0 ? 0x20 : 0) | (ext ? 0x10 : 0) | csrc.length;
  let offset = RTP_HEADER_BYTES;
  for (const c of csrc) {
    buf.writeUInt32BE(c, offset);
    offset += 4;
  }
  if (ext) {
    buf.writeUInt16BE(ext.profile, offset);
    buf.writeUInt16BE(ext.data.length / 4, offset + 2);
    ext.data.copy(buf, offset + 4);
    offset += extBytes;
  }
  p.payload.copy(buf, offset);
  if (paddingLength > 0) buf[buf.length - 1] = paddingLength;
  return buf;
}

/**
 * Writes the fixed 12-byte header (version 2; no padding, extension or CSRC) at the start of `buf`: for a
 * packet whose payload is written in place after it (the endpoint encodes audio straight into its packet).
 */
export function writeRtpHeader(buf: Buffer, marker: boolean, payloadType: number, sequenceNumber: number, timestamp: number, ssrc: number): void {
  buf[0] = 0x80;
  buf[1] = (marker ? 0x80 : 0) | payloadType;
  buf.writeUInt16BE(sequenceNumber, 2);
  buf.writeUInt32BE(timestamp, 4);
  buf.writeUInt32BE(ssrc, 8);
}
