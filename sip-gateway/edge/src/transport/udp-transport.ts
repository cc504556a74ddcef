/**
 * SIP over UDP: one dgram socket (udp4 or udp6 according to the listen address), with a large
 * receive buffer where the OS allows it. Datagrams that hold only CR/LF/SP (keep-alives) are dropped;
 * everything else goes to the message handler, which parses it. Never throws out of socket events.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import { normalizeAddress, type InboundPacket, type Remote, type SipTransport, type TransportErrorHandler } from './types.js';

export interface UdpTransportOptions {
  /** requested SO_RCVBUF in bytes (default 4 MiB; the OS may grant less) */
  receiveBufferSize?: number;
  sendBufferSize?: number;
  onError?: TransportErrorHandler;
}

export class UdpTransport implements SipTransport {
  readonly name = 'udp' as const;
  private socket: Socket | undefined;
  private local = { address: '', port: 0 };
  private messageHandler: (packet: InboundPacket) => void = () => undefined;
  private readonly onError: TransportErrorHandler;

  constructor(private readonly options: UdpTransportOptions = {}) {
    this.onError = options.onError ?? (() => undefined);
  }

  onMessage(handler: (packet: InboundPacket) => void): void {
    this.messageHandler = handler;
  }

  /** UDP has no stream framing; the handler is never called */
  onStreamError(_handler: (remote: Remote, error: string, partial?: Buffer) => void): void {
    // nothing to frame on a datagram transport
  }

  listen(address: string, port: number): Promise<{ address: string; port: number }> {
    if (this.socket !== undefined) return Promise.reject(new Error('UDP transport already listening'));
    const socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', reuseAddr: false });
    this.socket = socket;
    return new Promise((resolve, reject) => {
      const onBindError = (err: Error): void => {
        this.socket = undefined;
        socket.close();
        reject(err);
      };
      socket.once('error', onBindError);
      socket.bind(port, address, () => {
        socket.off('error', onBindError);
        socket.on('error', (err) => this.onError(err));
        socket.on('message', (data, rinfo) => this.receive(data, rinfo.address, rinfo.port));
        this.tuneBuffers(socket);
        const bound = socket.address();
        this.local = { address: bound.address, port: bound.port };
        resolve({ ...this.local });
      });
    });
  }

  private tuneBuffers(socket: Socket): void {
    try {
      socket.setRecvBufferSize(this.options.receiveBufferSize ?? 4 * 1024 * 1024);
      if (this.options.sendBufferSize !== undefined) socket.setSendBufferSize(this.options.sendBufferSize);
    } catch (err) {
      this.onError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private receive(data: Buffer, address: string, port: number): void {
    if (isKeepAlive(data)) return;
    const remote: Remote = { transport: 'udp', address: normalizeAddress(address), port };
    try {
      this.messageHandler({ data, remote, local: { ...this.local } });
    } catch (err) {
      this.onError(err instanceof Error ? err : new Error(String(err)), remote);
    }
  }

  send(remote: Remote, data: Buffer): Promise<void> {
    const socket = this.socket;
    if (socket === undefined) return Promise.reject(new Error('UDP transport is not listening'));
    if (remote.transport !== 'udp') return Promise.reject(new Error(`cannot send ${remote.transport} over UDP`));
    return new Promise((resolve, reject) => {
      try {
        socket.send(data, remote.port, this.destination(remote.address), (err) => (err ? reject(err) : resolve()));
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** an IPv4 peer reached from a dual-stack udp6 socket is addressed as IPv4-mapped IPv6 */
  private destination(address: string): string {
    return isIPv6(this.local.address) && isIPv4(address) ? `::ffff:${address}` : address;
  }

  close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket === undefined) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

function isKeepAlive(data: Buffer): boolean {
  for (const b of data) {
    if (b !== 0x0d && b !== 0x0a && b !== 0x20) return false;
  }
  return true;
}
