/**
 * SIP over TCP: a net.Server for inbound connections plus outbound connections opened on demand.
 * Connections are keyed by the peer's address:port and reused in both directions; each frames its
 * own byte stream. Idle connections close after idleTimeoutMs, the number of connections is capped,
 * and errors on one socket never reach the process.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../sip/parser.js';
import { TcpConnection, type TcpConnectionEvents, type TcpConnectionOptions } from './tcp-connection.js';
import { remoteKey, type InboundPacket, type Remote, type SipTransport, type TransportErrorHandler } from './types.js';

export interface TcpTransportOptions {
  /** close a connection after this long without traffic (default 5 minutes) */
  idleTimeoutMs?: number;
  /** inbound plus outbound connections (default 1024); inbound ones over the cap are refused */
  maxConnections?: number;
  /** largest framed message (default 64 KiB) */
  maxMessageBytes?: number;
  /** bytes queued for writing on one connection before it is dropped (default 1 MiB) */
  maxWriteBufferBytes?: number;
  /** time to establish an outbound connection (default 10 s) */
  connectTimeoutMs?: number;
  /** delay between a framing error and closing the connection, for the caller's 400 (default 100 ms) */
  errorCloseDelayMs?: number;
  onError?: TransportErrorHandler;
}

export class TcpTransport implements SipTransport {
  readonly name = 'tcp' as const;
  private server: Server | undefined;
  private closed = false;
  private readonly connections = new Map<string, TcpConnection>();
  private readonly all = new Set<TcpConnection>();
  private readonly pending = new Map<string, Promise<TcpConnection>>();
  private readonly connOptions: TcpConnectionOptions;
  private readonly maxConnections: number;
  private readonly connectTimeoutMs: number;
  private readonly onError: TransportErrorHandler;
  private messageHandler: (packet: InboundPacket) => void = () => undefined;
  private streamErrorHandler: (remote: Remote, error: string, partial?: Buffer) => void = () => undefined;
  private readonly events: TcpConnectionEvents;

  constructor(options: TcpTransportOptions = {}) {
    this.connOptions = {
      idleTimeoutMs: options.idleTimeoutMs ?? 5 * 60_000,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_SIZE,
      maxWriteBufferBytes: options.maxWriteBufferBytes ?? 1024 * 1024,
      errorCloseDelayMs: options.errorCloseDelayMs ?? 100,
    };
    this.maxConnections = options.maxConnections ?? 1024;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.onError = options.onError ?? (() => undefined);
    this.events = {
      message: (packet) => this.messageHandler(packet),
      streamError: (remote, error, partial) => this.streamErrorHandler(remote, error, partial),
      error: (err, remote) => this.onError(err, remote),
      retired: (conn) => {
        this.all.delete(conn);
        if (this.connections.get(conn.key) === conn) this.connections.delete(conn.key);
      },
    };
  }

  onMessage(handler: (packet: InboundPacket) => void): void {
    this.messageHandler = handler;
  }

  onStreamError(handler: (remote: Remote, error: string, partial?: Buffer) => void): void {
    this.streamErrorHandler = handler;
  }

  /** open connections (inbound and outbound) */
  get connectionCount(): number {
    return this.all.size;
  }

  listen(address: string, port: number): Promise<{ address: string; port: number }> {
    if (this.server !== undefined) return Promise.reject(new Error('TCP transport already listening'));
    if (this.closed) return Promise.reject(new Error('TCP transport is closed'));
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      const onListenError = (err: Error): void => {
        this.server = undefined;
        reject(err);
      };
      server.once('error', onListenError);
      server.listen({ host: address, port, exclusive: true }, () => {
        server.off('error', onListenError);
        server.on('error', (err) => this.onError(err));
        const bound = server.address();
        if (bound === null || typeof bound === 'string') return reject(new Error('unexpected server address'));
        resolve({ address: bound.address, port: bound.port });
      });
    });
  }

  private accept(socket: Socket): void {
    socket.on('error', () => undefined); // the connection adds its own reporting handler
    if (this.closed || this.all.size >= this.maxConnections) {
      socket.destroy();
      return;
    }
    this.adopt(socket);
  }

  private adopt(socket: Socket): TcpConnection {
    const conn = new TcpConnection(socket, this.connOptions, this.events);
    this.all.add(conn);
    this.connections.set(conn.key, conn);
    return conn;
  }

  async send(remote: Remote, data: Buffer): Promise<void> {
    if (remote.transport !== 'tcp') throw new Error(`cannot send ${remote.transport} over TCP`);
    if (this.closed) throw new Error('TCP transport is closed');
    const key = remoteKey(remote.address, remote.port);
    const open = this.connections.get(key);
    const conn = open !== undefined && open.usable ? open : await this.connect(key, remote);
    await conn.write(data);
  }

  private connect(key: string, remote: Remote): Promise<TcpConnection> {
    const inFlight = this.pending.get(key);
    if (inFlight !== undefined) return inFlight;
    if (this.all.size >= this.maxConnections) return Promise.reject(new Error('TCP connection limit reached'));
    const attempt = new Promise<TcpConnection>((resolve, reject) => {
      const socket = createConnection({ host: remote.address, port: remote.port });
      const timer = setTimeout(() => socket.destroy(new Error(`connect to ${key} timed out`)), this.connectTimeoutMs);
      timer.unref();
      const onFail = (err: Error): void => {
        clearTimeout(timer);
        reject(err);
      };
      socket.once('error', onFail);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onFail);
        if (this.closed) {
          socket.destroy();
          reject(new Error('TCP transport is closed'));
          return;
        }
        resolve(this.adopt(socket));
      });
    });
    this.pending.set(key, attempt);
    const forget = (): void => {
      this.pending.delete(key);
    };
    attempt.then(forget, forget);
    return attempt;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const conn of [...this.all]) conn.destroy();
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
