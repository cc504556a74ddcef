/**
 * Test support: a loopback UDP socket standing in for a phone. It records every RTP packet it receives and
 * can wait (with a generous deadline, never a timing assertion) until a condition on them holds.
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import { parseRtp, serializeRtp, type RtpPacket, type RtpPacketInit } from '../rtp/packet.js';

/** A received RTP packet and where it came from. */
export interface Received {
  packet: RtpPacket;
  from: dgram.RemoteInfo;
}

/** A loopback UDP peer that collects RTP. */
export class UdpPeer {
  readonly received: Received[] = [];

  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (msg, from) => {
      const packet = parseRtp(Buffer.from(msg));
      if (packet) this.received.push({ packet, from });
    });
  }

  /** Binds a peer on 127.0.0.1 (an ephemeral port unless one is given). */
  static async open(port = 0): Promise<UdpPeer> {
    const socket = dgram.createSocket('udp4');
    socket.bind(port, '127.0.0.1');
    await once(socket, 'listening');
    return new UdpPeer(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Sends raw bytes to 127.0.0.1:port. */
  async sendRaw(buf: Buffer, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => this.socket.send(buf, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  }

  /** Serialises and sends one RTP packet. */
  sendRtp(p: RtpPacketInit, port: number): Promise<void> {
    return this.sendRaw(serializeRtp(p), port);
  }

  /** Resolves once `cond` holds over the packets received; rejects after `limitMs`. */
  async waitFor(cond: (received: Received[]) => boolean, limitMs = 5000, what = 'condition'): Promise<void> {
    const start = Date.now();
    while (!cond(this.received)) {
      if (Date.now() - start > limitMs) throw new Error(`UdpPeer: timed out waiting for ${what} (${this.received.length} packets)`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Forgets the packets received so far. */
  clear(): void {
    this.received.length = 0;
  }

  close(): void {
    this.socket.close();
  }
}

/** Resolves after `ms`: for letting a few pacer ticks pass, never for asserting how long something took. */
export const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` until it holds; rejects after `limitMs`. */
export async function eventually(cond: () => boolean, limitMs = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await settle(10);
  }
}

/** true when nothing holds UDP `port` on 127.0.0.1 (binds it exclusively for a moment) */
export async function udpPortIsFree(port: number): Promise<boolean> {
  const s = dgram.createSocket('udp4');
  try {
    s.bind({ port, address: '127.0.0.1', exclusive: true });
    await once(s, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    s.close();
  }
}
