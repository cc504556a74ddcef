/**
 * RTCP (RFC 3550 §6) packets: sender and receiver reports with their report blocks, SDES (CNAME and the other
 * text items) and BYE, serialized and parsed as compound packets. A compound packet starts with an SR or RR; only
 * its last packet may carry padding (a multiple of 4 bytes, the last byte counting them all); each length field
 * is the packet's size in 32-bit words minus one. Parsing never throws: a datagram that is not a valid compound
 * packet (RFC 3550 §A.2 header checks) yields `undefined`, and a packet inside it that is malformed or of a type
 * not handled here (APP, feedback, XR) is skipped and counted. Also the NTP timestamp helpers (§4).
 */
import { performance } from 'node:perf_hooks';

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
/** SDES item types (§6.5); CNAME is the one every compound packet carries */
export const SDES_CNAME = 1;

/** NTP timestamp (§4): seconds since 1900 and a 32-bit binary fraction, both unsigned 32-bit. */
export interface NtpTimestamp {
  seconds: number;
  fraction: number;
}

/** One reception report block (§6.4.1): what the reporter receives from source `ssrc`. */
export interface ReportBlock {
  ssrc: number;
  /** fraction lost since the previous report, 8-bit fixed point (lost / expected × 256), 0..255 */
  fractionLost: number;
  /** cumulative packets lost, 24-bit signed (duplicates can make it negative) */
  cumulativeLost: number;
  /** extended highest sequence number received: cycles << 16 | highest seq */
  highestSeq: number;
  /** interarrival jitter in timestamp units */
  jitter: number;
  /** middle 32 bits of the NTP timestamp of the last SR received from `ssrc`, 0 if none */
  lsr: number;
  /** delay since that SR was received, in 1/65536 s, 0 if none */
  dlsr: number;
}

/** Sender report (PT 200). */
export interface SenderReport {
  type: 'sr';
  ssrc: number;
  ntp: NtpTimestamp;
  /** the RTP timestamp of the same instant as `ntp` */
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  reports: ReportBlock[];
}

/** Receiver report (PT 201). */
export interface ReceiverReport {
  type: 'rr';
  ssrc: number;
  reports: ReportBlock[];
}

export interface SdesItem {
  /** 1 CNAME, 2 NAME, 3 EMAIL, 4 PHONE, 5 LOC, 6 TOOL, 7 NOTE, 8 PRIV (its prefix left inside `text`) */
  type: number;
  /** UTF-8, at most 255 bytes */
  text: string;
}

export interface SdesChunk {
  ssrc: number;
  items: SdesItem[];
}

/** Source description (PT 202). */
export interface SourceDescription {
  type: 'sdes';
  chunks: SdesChunk[];
}

/** Goodbye (PT 203). */
export interface Goodbye {
  type: 'bye';
  ssrcs: number[];
  reason?: string;
}

export type RtcpPacket = SenderReport | ReceiverReport | SourceDescription | Goodbye;

/** A parsed compound packet: the packets understood, and how many were skipped (malformed or other types). */
export interface ParsedRtcp {
  packets: RtcpPacket[];
  skipped: number;
}

const NTP_UNIX_OFFSET_S = 2_208_988_800;
const TWO_32 = 2 ** 32;
const BLOCK_BYTES = 24;
const MAX_COUNT = 31;

/** NTP timestamp of a Unix time in ms (wraps into NTP era 1 after 2036). */
export function ntpFromUnixMs(unixMs: number): NtpTimestamp {
  const secs = Math.floor(unixMs / 1000);
  const fraction = Math.min(TWO_32 - 1, Math.floor(((unixMs - secs * 1000) / 1000) * TWO_32));
  return { seconds: (((secs + NTP_UNIX_OFFSET_S) % TWO_32) + TWO_32) % TWO_32, fraction };
}

/** Unix ms of an NTP timestamp; seconds with the top bit clear are taken to be in era 1 (2036–2104). */
export function ntpToUnixMs(ntp: NtpTimestamp): number {
  const seconds = ntp.seconds < 0x80000000 ? ntp.seconds + TWO_32 : ntp.seconds;
  return (seconds - NTP_UNIX_OFFSET_S) * 1000 + (ntp.fraction / TWO_32) * 1000;
}

/** The wall clock now as an NTP timestamp (sub-millisecond resolution). */
export function ntpNow(): NtpTimestamp {
  return ntpFromUnixMs(performance.timeOrigin + performance.now());
}

/** The middle 32 bits of an NTP timestamp (low 16 of the seconds, high 16 of the fraction): LSR's unit. */
export function ntpMiddle32(ntp: NtpTimestamp): number {
  return (((ntp.seconds & 0xffff) << 16) | (ntp.fraction >>> 16)) >>> 0;
}

/** §A.3: the fraction lost over an interval, 8-bit fixed point; 0 when nothing was lost (or duplicates won). */
export function fractionLost(expectedInterval: number, receivedInterval: number): number {
  const lostInterval = expectedInterval - receivedInterval;
  if (expectedInterval <= 0 || lostInterval <= 0) return 0;
  return Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
}

/** Clamps a cumulative loss to the 24-bit signed field. */
export function clampCumulativeLost(lost: number): number {
  return Math.max(-0x800000, Math.min(0x7fffff, Math.trunc(lost)));
}

// ---- serialize ----

/**
 * Serializes a compound packet. The first packet must be an SR or RR; `paddingBytes` (a multiple of 4, at most
 * 252) pads the last packet. Out-of-range values are a programming error and throw a RangeError.
 */
export function serializeRtcp(packets: RtcpPacket[], paddingBytes = 0): Buffer {
  const first = packets[0];
  if (!first || (first.type !== 'sr' && first.type !== 'rr')) throw new RangeError('RTCP: a compound packet starts with an SR or RR');
  if (!Number.isInteger(paddingBytes) || paddingBytes < 0 || paddingBytes > 252 || paddingBytes % 4 !== 0) {
    throw new RangeError(`RTCP: padding ${paddingBytes} (a multiple of 4 up to 252)`);
  }
  return Buffer.concat(packets.map((p, i) => serializeOne(p, i === packets.length - 1 ? paddingBytes : 0)));
}

function serializeOne(p: RtcpPacket, padding: number): Buffer {
  switch (p.type) {
    case 'sr': {
      const body = Buffer.alloc(24 + p.reports.length * BLOCK_BYTES);
      body.writeUInt32BE(p.ssrc, 0);
      body.writeUInt32BE(p.ntp.seconds, 4);
      body.writeUInt32BE(p.ntp.fraction, 8);
      body.writeUInt32BE(p.rtpTimestamp, 12);
      body.writeUInt32BE(p.packetCount, 16);
      body.writeUInt32BE(p.octetCount, 20);
      p.reports.forEach((b, i) => writeBlock(body, 24 + i * BLOCK_BYTES, b));
      return withHeader(RTCP_SR, p.reports.length, body, padding);
    }
    case 'rr': {
      const body = Buffer.alloc(4 + p.reports.length * BLOCK_BYTES);
      body.writeUInt32BE(p.ssrc, 0);
      p.reports.forEach((b, i) => writeBlock(body, 4 + i * BLOCK_BYTES, b));
      return withHeader(RTCP_RR, p.reports.length, body, padding);
    }
    case 'sdes': {
      const chunks = p.chunks.map((c) => {
        const items = c.items.map((it) => {
          const text = Buffer.from(it.text, 'utf8');
          if (!Number.isInteger(it.type) || it.type < 1 || it.type > 255) throw new RangeError(`RTCP: SDES item type ${it.type}`);
          if (text.length > 255) throw new RangeError('RTCP: SDES text over 255 bytes');
          return Buffer.concat([Buffer.from([it.type, text.length]), text]);
        });
        const head = Buffer.alloc(4);
        head.writeUInt32BE(c.ssrc, 0);
        const used = 4 + items.reduce((n, b) => n + b.length, 0);
        return Buffer.concat([head, ...items, Buffer.alloc(4 - (used % 4))]); // the null item, then to 32 bits
      });
      return withHeader(RTCP_SDES, p.chunks.length, Buffer.concat(chunks), padding);
    }
    case 'bye': {
      const ids = Buffer.alloc(p.ssrcs.length * 4);
      p.ssrcs.forEach((s, i) => ids.writeUInt32BE(s, i * 4));
      let reason = Buffer.alloc(0);
      if (p.reason !== undefined) {
        const text = Buffer.from(p.reason, 'utf8');
        if (text.length > 255) throw new RangeError('RTCP: BYE reason over 255 bytes');
        reason = Buffer.concat([Buffer.from([text.length]), text, Buffer.alloc((4 - ((1 + text.length) % 4)) % 4)]);
      }
      return withHeader(RTCP_BYE, p.ssrcs.length, Buffer.concat([ids, reason]), padding);
    }
  }
}

function withHeader(pt: number, count: number, body: Buffer, padding: number): Buffer {
  if (count > MAX_COUNT) throw new RangeError(`RTCP: at most ${MAX_COUNT} blocks, chunks or sources per packet`);
  const size = 4 + body.length + padding;
  const buf = Buffer.alloc(size);
  buf[0] = 0x80 | (padding > 0 ? 0x20 : 0) | count;
  buf[1] = pt;
  buf.writeUInt16BE(size / 4 - 1, 2);
  body.copy(buf, 4);
  if (padding > 0) buf[size - 1] = padding;
  return buf;
}

function writeBlock(buf: Buffer, at: number, b: ReportBlock): void {
  if (!Number.isInteger(b.fractionLost) || b.fractionLost < 0 || b.fractionLost > 255) throw new RangeError(`RTCP: fraction lost ${b.fractionLost}`);
  buf.writeUInt32BE(b.ssrc, at);
  buf.writeUInt32BE(((b.fractionLost << 24) | (clampCumulativeLost(b.cumulativeLost) & 0xffffff)) >>> 0, at + 4);
  buf.writeUInt32BE(b.highestSeq, at + 8);
  buf.writeUInt32BE(b.jitter, at + 12);
  buf.writeUInt32BE(b.lsr, at + 16);
  buf.writeUInt32BE(b.dlsr, at + 20);
}

// ---- parse ----

/** Parses a compound RTCP datagram; undefined when it fails the §A.2 checks. Never throws. */
export function parseRtcp(buf: Buffer): ParsedRtcp | undefined {
  const packets: RtcpPacket[] = [];
  let skipped = 0;
  let offset = 0;
  while (offset < buf.length) {
    if (buf.length - offset < 4) return undefined;
    const b0 = buf[offset]!;
    const pt = buf[offset + 1]!;
    const size = (buf.readUInt16BE(offset + 2) + 1) * 4;
    if (b0 >> 6 !== 2 || offset + size > buf.length) return undefined;
    if (offset === 0 && pt !== RTCP_SR && pt !== RTCP_RR) return undefined;
    let end = offset + size;
    if (b0 & 0x20) {
      const pad = buf[end - 1]!;
      if (end !== buf.length || pad === 0 || pad > size - 4) return undefined; // padding only on the last packet
      end -= pad;
    }
    const p = parseOne(pt, b0 & 0x1f, buf.subarray(offset + 4, end));
    if (p) packets.push(p);
    else skipped++;
    offset += size;
  }
  return offset === 0 ? undefined : { packets, skipped };
}

function parseOne(pt: number, count: number, body: Buffer): RtcpPacket | undefined {
  switch (pt) {
    case RTCP_SR: {
      if (body.length < 24 + count * BLOCK_BYTES) return undefined;
      return {
        type: 'sr',
        ssrc: body.readUInt32BE(0),
        ntp: { seconds: body.readUInt32BE(4), fraction: body.readUInt32BE(8) },
        rtpTimestamp: body.readUInt32BE(12),
        packetCount: body.readUInt32BE(16),
        octetCount: body.readUInt32BE(20),
        reports: readBlocks(body, 24, count),
      };
    }
    case RTCP_RR:
      if (body.length < 4 + count * BLOCK_BYTES) return undefined;
      return { type: 'rr', ssrc: body.readUInt32BE(0), reports: readBlocks(body, 4, count) };
    case RTCP_SDES:
      return parseSdes(body, count);
    case RTCP_BYE: {
      if (body.length < count * 4) return undefined;
      const ssrcs = Array.from({ length: count }, (_, i) => body.readUInt32BE(i * 4));
      const at = count * 4;
      const len = body[at];
      // a reason that does not fit is dropped, the goodbye itself still counts
      return len !== undefined && len > 0 && at + 1 + len <= body.length
        ? { type: 'bye', ssrcs, reason: body.toString('utf8', at + 1, at + 1 + len) }
        : { type: 'bye', ssrcs };
    }
    default:
      return undefined;
  }
}

function readBlocks(body: Buffer, at: number, count: number): ReportBlock[] {
  const blocks: ReportBlock[] = [];
  for (let i = 0; i < count; i++, at += BLOCK_BYTES) {
    const word = body.readUInt32BE(at + 4);
    const cum = word & 0xffffff;
    blocks.push({
      ssrc: body.readUInt32BE(at),
      fractionLost: word >>> 24,
      cumulativeLost: cum & 0x800000 ? cum - 0x1000000 : cum,
      highestSeq: body.readUInt32BE(at + 8),
      jitter: body.readUInt32BE(at + 12),
      lsr: body.readUInt32BE(at + 16),
      dlsr: body.readUInt32BE(at + 20),
    });
  }
  return blocks;
}

function parseSdes(body: Buffer, count: number): SourceDescription | undefined {
  const chunks: SdesChunk[] = [];
  let at = 0;
  for (let c = 0; c < count; c++) {
    if (at + 4 > body.length) return undefined;
    const chunk: SdesChunk = { ssrc: body.readUInt32BE(at), items: [] };
    at += 4;
    for (;;) {
      const type = body[at];
      if (type === undefined) return undefined; // no terminating null item
      if (type === 0) break;
      const len = body[at + 1];
      if (len === undefined || at + 2 + len > body.length) return undefined;
      chunk.items.push({ type, text: body.toString('utf8', at + 2, at + 2 + len) });
      at += 2 + len;
    }
    at = (at + 4) & ~3; // past the null item and its padding to the next 32-bit boundary
    chunks.push(chunk);
  }
  return { type: 'sdes', chunks };
}
