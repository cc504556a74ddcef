/**
 * One SIP-over-TCP connection (inbound or outbound): a socket with its own SipStreamFramer, an idle
 * timeout, a cap on bytes queued for writing, CRLF pong on a double-CRLF ping, and a graceful close
 * after a framing error (leaving the caller a moment to write its 400). Socket errors are reported,
 * never thrown.
 */
import type { Socket } from 'node:net';
import { SipStreamFramer } from '../sip/stream-framer.js';
import { normalizeAddress, remoteKey, type InboundPacket, type Remote, type TransportErrorHandler } from './types.js';

export interface TcpConnectionOptions {
  idleTimeoutMs: number;
  maxMessageBytes: number;
  maxWriteBufferBytes: number;
  errorCloseDelayMs: number;
}

export interface TcpConnectionEvents {
  message(packet: InboundPacket): void;
  streamError(remote: Remote, error: string, partial?: Buffer): void;
  error: TransportErrorHandler;
  /** the connection can no longer be used for sending (ending or closed) */
  retired(conn: TcpConnection): void;
}

const PONG = Buffer.from('\r\n');

export class TcpConnection {
  readonly remote: Remote;
  readonly key: string;
  readonly local: { address: string; port: number };
  private readonly framer: SipStreamFramer;
  private retiredFlag = false;

  constructor(
    private readonly socket: Socket,
    private readonly options: TcpConnectionOptions,
    private readonly events: TcpConnectionEvents,
  ) {
    const address = normalizeAddress(socket.remoteAddress ?? '');
    const port = socket.remotePort ?? 0;
    this.remote = { transport: 'tcp', address, port };
    this.key = remoteKey(address, port);
    this.local = { address: normalizeAddress(socket.localAddress ?? ''), port: socket.localPort ?? 0 };
    this.framer = new SipStreamFramer({ maxMessageBytes: options.maxMessageBytes });
    this.framer.onMessage((data) => this.safely(() => this.events.message({ data, remote: { ...this.remote }, local: { ...this.local } })));
    this.framer.onPing(() => {
      if (this.usable) this.socket.write(PONG);
    });
    this.framer.onError((error, partial) => this.onFramingError(error, partial));

    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    socket.setTimeout(options.idleTimeoutMs);
    socket.on('timeout', () => this.destroy());
    socket.on('data', (chunk: Buffer) => this.safely(() => this.framer.push(chunk)));
    socket.on('error', (err) => this.events.error(err, { ...this.remote }));
    socket.on('end', () => this.retire());
    socket.on('close', () => this.retire());
  }

  /** still open for writing */
  get usable(): boolean {
    return !this.retiredFlag && !this.socket.destroyed && this.socket.writable;
  }

  write(data: Buffer): Promise<void> {
    if (!this.usable) return Promise.reject(new Error(`connection to ${this.key} is closed`));
    if (this.socket.writableLength + data.length > this.options.maxWriteBufferBytes) {
      this.destroy();
      return Promise.reject(new Error(`write buffer to ${this.key} exceeded; connection closed`));
    }
    return new Promise((resolve, reject) => {
      this.socket.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  destroy(): void {
    this.retire();
    this.socket.destroy();
  }

  private onFramingError(error: string, partial?: Buffer): void {
    this.safely(() => this.events.streamError({ ...this.remote }, error, partial));
    const end = setTimeout(() => {
      this.retire();
      this.socket.end();
      const kill = setTimeout(() => this.socket.destroy(), 2000);
      kill.unref();
    }, this.options.errorCloseDelayMs);
    end.unref();
  }

  private retire(): void {
    if (this.retiredFlag) return;
    this.retiredFlag = true;
    this.events.retired(this);
  }

  /** run application code without letting its exceptions escape into socket events */
  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.events.error(err instanceof Error ? err : new Error(String(err)), { ...this.remote });
    }
  }
}
