/**
 * A caller-side RTP socket: receives what the appliance sends (counted, parsed, checked for PT, payload size and
 * sequence continuity) and can send a paced 20 ms PCMU stream of its own (to test symmetric-RTP latching).
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import { toneUlaw } from './tone.js';

export interface RtpPacket {
  from: string;
  pt: number;
  marker: boolean;
  seq: number;
  ts: number;
  ssrc: number;
  payloadLength: number;
  /** the payload bytes (to tell sound from silence) */
  payload: Buffer;
  /** Date.now() at arrival */
  at: number;
}

export interface RtpSummary {
  count: number;
  payloadTypes: number[];
  payloadSizes: number[];
  sources: string[];
  ssrcs: number[];
  /** sequence numbers that did not follow their predecessor (same SSRC) by exactly one */
  seqDiscontinuities: number;
  /** largest gap between consecutive packets in ms */
  maxGapMs: number;
  firstAt?: number;
  lastAt?: number;
}

export function parseRtp(buf: Buffer, from: string, at = Date.now()): RtpPacket | undefined {
  if (buf.length < 12 || buf[0]! >> 6 !== 2) return undefined;
  const cc = buf[0]! & 0x0f;
  const hasExt = (buf[0]! & 0x10) !== 0;
  let offset = 12 + cc * 4;
  if (hasExt && buf.length >= offset + 4) offset += 4 + buf.readUInt16BE(offset + 2) * 4;
  let end = buf.length;
  if (buf[0]! & 0x20) end -= buf[buf.length - 1]!;
  return {
    from,
    pt: buf[1]! & 0x7f,
    marker: (buf[1]! & 0x80) !== 0,
    seq: buf.readUInt16BE(2),
    ts: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    payloadLength: Math.max(0, end - offset),
    payload: buf.subarray(offset, Math.max(offset, end)),
    at,
  };
}

export function summarise(packets: RtpPacket[]): RtpSummary {
  const lastSeq = new Map<number, number>();
  let disc = 0;
  let maxGap = 0;
  for (let i = 0; i < packets.length; i++) {
    const p = packets[i]!;
    const prev = lastSeq.get(p.ssrc);
    if (prev !== undefined && ((prev + 1) & 0xffff) !== p.seq) disc++;
    lastSeq.set(p.ssrc, p.seq);
    if (i > 0) maxGap = Math.max(maxGap, p.at - packets[i - 1]!.at);
  }
  const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];
  return {
    count: packets.length,
    payloadTypes: uniq(packets.map((p) => p.pt)),
    payloadSizes: uniq(packets.map((p) => p.payloadLength)),
    sources: uniq(packets.map((p) => p.from)),
    ssrcs: uniq(packets.map((p) => p.ssrc)),
    seqDiscontinuities: disc,
    maxGapMs: maxGap,
    firstAt: packets[0]?.at,
    lastAt: packets[packets.length - 1]?.at,
  };
}

export class RtpPeer {
  readonly packets: RtpPacket[] = [];
  private waiters: Array<() => void> = [];

  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (msg, rinfo) => {
      const p = parseRtp(msg, `${rinfo.address}:${rinfo.port}`);
      if (!p) return;
      this.packets.push(p);
      for (const w of this.waiters) w();
    });
  }

  static async open(port = 0, address = '127.0.0.1'): Promise<RtpPeer> {
    const socket = dgram.createSocket('udp4');
    socket.bind(port, address);
    await Promise.race([
      once(socket, 'listening'),
      once(socket, 'error').then(([err]) => {
        throw err as Error;
      }),
    ]);
    return new RtpPeer(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  get address(): string {
    return this.socket.address().address;
  }

  /** resolves when `count` packets (matching `filter`) have arrived, rejects after `timeoutMs` */
  waitForPackets(count: number, timeoutMs: number, filter: (p: RtpPacket) => boolean = () => true): Promise<RtpPacket[]> {
    const matching = (): RtpPacket[] => this.packets.filter(filter);
    if (matching().length >= count) return Promise.resolve(matching());
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const m = matching();
        if (m.length >= count) done(null, m);
      };
      const timer = setTimeout(
        () => done(new Error(`received ${matching().length} of ${count} RTP packets on port ${this.port} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const done = (err: Error | null, m?: RtpPacket[]): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        if (err) reject(err);
        else resolve(m ?? []);
      };
      this.waiters.push(check);
    });
  }

  /** sends `count` 20 ms packets (160-byte PCMU payloads of a tone) paced on absolute deadlines */
  async sendStream(to: { address: string; port: number }, count: number, pt = 0): Promise<void> {
    const audio = toneUlaw((count * 160) / 8000 + 0.02, 1000);
    const ssrc = 0x1234abcd;
    const start = Date.now();
    for (let i = 0; i < count; i++) {
      const pkt = Buffer.alloc(12 + 160);
      pkt[0] = 0x80;
      pkt[1] = (i === 0 ? 0x80 : 0) | (pt & 0x7f);
      pkt.writeUInt16BE((1000 + i) & 0xffff, 2);
      pkt.writeUInt32BE((i * 160) >>> 0, 4);
      pkt.writeUInt32BE(ssrc, 8);
      audio.copy(pkt, 12, i * 160, i * 160 + 160);
      this.socket.send(pkt, to.port, to.address);
      const wait = start + (i + 1) * 20 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  /**
   * Sends `ulaw` as paced 20 ms PCMU packets (marker on the first) from this socket; `onFirst` runs right after
   * the first packet is sent. Continues `seq`/`ts` from `state` so several calls form one stream.
   */
  async sendUlaw(to: { address: string; port: number }, ulaw: Buffer, state = { seq: 2000, ts: 0 }, onFirst?: () => void): Promise<void> {
    const start = performance.now();
    for (let i = 0; i * 160 < ulaw.length; i++) {
      const pkt = Buffer.alloc(12 + 160, 0xff);
      pkt[0] = 0x80;
      pkt[1] = i === 0 ? 0x80 : 0;
      pkt.writeUInt16BE(state.seq++ & 0xffff, 2);
      pkt.writeUInt32BE(state.ts >>> 0, 4);
      pkt.writeUInt32BE(0x5eec4, 8);
      ulaw.copy(pkt, 12, i * 160, Math.min(ulaw.length, i * 160 + 160));
      state.ts += 160;
      this.socket.send(pkt, to.port, to.address);
      if (i === 0) onFirst?.();
      const wait = start + (i + 1) * 20 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** Sends one RFC 4733 press of `event` (0–9 = digits, 10 = *, 11 = #): start, 4 updates, 3 end packets. */
  async sendDigit(to: { address: string; port: number }, event: number, pt: number, state = { seq: 3000, ts: 0 }): Promise<void> {
    const ts = state.ts;
    const packets = [160, 320, 480, 640, 800, 800, 800, 800];
    for (let i = 0; i < packets.length; i++) {
      const pkt = Buffer.alloc(16);
      pkt[0] = 0x80;
      pkt[1] = (i === 0 ? 0x80 : 0) | pt;
      pkt.writeUInt16BE(state.seq++ & 0xffff, 2);
      pkt.writeUInt32BE(ts >>> 0, 4);
      pkt.writeUInt32BE(0x5eec4, 8);
      pkt[12] = event;
      pkt[13] = (i >= 5 ? 0x80 : 0) | 10;
      pkt.writeUInt16BE(packets[i]!, 14);
      this.socket.send(pkt, to.port, to.address);
      await new Promise((r) => setTimeout(r, 20));
    }
    state.ts += 1600;
  }

  summary(filter: (p: RtpPacket) => boolean = () => true): RtpSummary {
    return summarise(this.packets.filter(filter));
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
