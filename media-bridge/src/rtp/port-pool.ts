/**
 * RTP port pool: hands out even RTP ports from [min, max] with RTCP (port + 1) held too, each bound to a real
 * UDP socket so the port is ours, not just "free in a table". Ports another process holds (EADDRINUSE) are
 * skipped. Allocation walks round-robin from where the last one stopped, so a just-released port is not handed
 * straight back (late packets of the old call would land in the new one).
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { ipLiteralLookup } from './ip-lookup.js';

/** Where the pool binds and which ports it may use. */
export interface PortPoolOptions {
  /** local address the sockets bind to */
  address: string;
  /** lowest RTP port (rounded up to even) */
  min: number;
  /** highest port usable by RTCP; the last RTP port is the largest even port below it */
  max: number;
}

/** One allocation: the bound RTP socket, the RTCP socket held alongside it, and how to give both back. */
export interface PortLease {
  readonly port: number;
  readonly rtp: dgram.Socket;
  /** bound only to reserve RTP port + 1; nothing reads it yet */
  readonly rtcp: dgram.Socket;
  /** closes both sockets and frees the port; safe to call more than once */
  release(): void;
}

/** Thrown when every port pair in the range is taken (by us or by another process). */
export class PortPoolExhaustedError extends Error {
  constructor(min: number, max: number) {
    super(`no free RTP port pair in ${min}-${max}`);
    this.name = 'PortPoolExhaustedError';
  }
}

/** Allocates even RTP ports with real bound sockets. */
export class PortPool {
  private readonly first: number;
  private readonly last: number;
  private readonly leased = new Set<number>();
  private cursor: number;

  constructor(private readonly opts: PortPoolOptions) {
    this.first = opts.min % 2 === 0 ? opts.min : opts.min + 1;
    this.last = (opts.max - 1) % 2 === 0 ? opts.max - 1 : opts.max - 2;
    if (this.first < 2 || this.last > 65534 || this.first > this.last) {
      throw new RangeError(`RTP port range ${opts.min}-${opts.max} holds no even port with its RTCP port`);
    }
    this.cursor = this.first;
  }

  /** number of RTP port pairs in the range */
  get capacity(): number {
    return (this.last - this.first) / 2 + 1;
  }

  /** number of ports currently leased by this pool */
  get inUse(): number {
    return this.leased.size;
  }

  /** Binds the next free even port and its RTCP neighbour. Throws PortPoolExhaustedError when none is left. */
  async allocate(): Promise<PortLease> {
    for (let tried = 0; tried < this.capacity; tried++) {
      const port = this.cursor;
      this.cursor = port + 2 > this.last ? this.first : port + 2;
      if (this.leased.has(port)) continue;
      this.leased.add(port); // reserve before awaiting so concurrent allocations do not race for it
      const pair = await this.bindPair(port).catch((err: unknown) => {
        this.leased.delete(port);
        throw err;
      });
      if (pair) return this.lease(port, pair[0], pair[1]);
      this.leased.delete(port);
    }
    throw new PortPoolExhaustedError(this.first, this.last + 1);
  }

  private lease(port: number, rtp: dgram.Socket, rtcp: dgram.Socket): PortLease {
    let released = false;
    rtcp.on('error', () => {}); // an ICMP-triggered error on the RTCP socket must not crash the process
    return {
      port,
      rtp,
      rtcp,
      release: () => {
        if (released) return;
        released = true;
        closeQuietly(rtp);
        closeQuietly(rtcp);
        this.leased.delete(port);
      },
    };
  }

  /** Binds RTP and RTCP; undefined when either is in use elsewhere; throws on any other bind error. */
  private async bindPair(port: number): Promise<[dgram.Socket, dgram.Socket] | undefined> {
    const rtp = await this.bindOne(port);
    if (!rtp) return undefined;
    let rtcp: dgram.Socket | undefined;
    try {
      rtcp = await this.bindOne(port + 1);
    } catch (err) {
      closeQuietly(rtp);
      throw err;
    }
    if (!rtcp) {
      closeQuietly(rtp);
      return undefined;
    }
    return [rtp, rtcp];
  }

  private bindOne(port: number): Promise<dgram.Socket | undefined> {
    const socket = dgram.createSocket({ type: isIPv6(this.opts.address) ? 'udp6' : 'udp4', lookup: ipLiteralLookup });
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        socket.off('listening', onListening);
        closeQuietly(socket);
        if (err.code === 'EADDRINUSE') resolve(undefined);
        else reject(err);
      };
      const onListening = () => {
        socket.off('error', onError);
        resolve(socket);
      };
      socket.once('error', onError);
      socket.once('listening', onListening);
      socket.bind({ port, address: this.opts.address, exclusive: true });
    });
  }
}

function closeQuietly(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    // already closed
  }
}
