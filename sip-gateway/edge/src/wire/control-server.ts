/**
 * The drachtio wire protocol listener: applications (drachtio-srf) connect over TCP, authenticate with the
 * shared secret, register the SIP methods they want (`route`), then exchange SIP through the edge. This file
 * owns connections and the session-level commands; SIP commands go to the `SipCommandHandler` (the edge core).
 */
import net from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from '@callgate/contracts';
import { WireDecoder, WireFrameError, encodeFrame } from './framing.js';
import { failResponse, okResponse, parseAppMessage, type AppMessage } from './messages.js';

/** protocol level the edge speaks, in drachtio-server's version format (drachtio-srf parses `vX.Y.Z`) */
export const EDGE_PROTOCOL_VERSION = 'v0.9.0-callgate-edge';

export class AppConnection {
  authenticated = false;
  readonly tags = new Set<string>();
  readonly verbs = new Set<string>();
  private readonly decoder = new WireDecoder();

  constructor(
    readonly id: string,
    readonly socket: net.Socket,
  ) {}

  send(payload: string): void {
    if (!this.socket.destroyed) this.socket.write(encodeFrame(payload));
  }

  decode(chunk: Buffer): string[] {
    return this.decoder.push(chunk);
  }
}

export interface SipCommandHandler {
  /** a `sip` command from an authenticated application */
  onSipCommand(conn: AppConnection, msg: AppMessage): void;
  /** the application went away: fail what it owned */
  onAppGone(conn: AppConnection): void;
}

export interface ControlServerOptions {
  address: string;
  port: number;
  secret: string;
  /** `udp/127.0.0.1:5060,tcp/…` as drachtio-server announces its SIP listeners */
  hostports: () => string;
  logger: Logger;
  handler: SipCommandHandler;
}

function secretMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class ControlServer {
  private server?: net.Server;
  private readonly connections = new Map<string, AppConnection>();
  private nextId = 1;
  private roundRobin = 0;

  constructor(private readonly opts: ControlServerOptions) {}

  async listen(): Promise<{ address: string; port: number }> {
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.address, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address() as net.AddressInfo;
    return { address: addr.address, port: addr.port };
  }

  /** an authenticated application that routed this method (round robin among several) */
  appFor(method: string): AppConnection | undefined {
    const verb = method.toLowerCase();
    const candidates = [...this.connections.values()].filter((c) => c.authenticated && c.verbs.has(verb));
    if (candidates.length === 0) return undefined;
    this.roundRobin = (this.roundRobin + 1) % candidates.length;
    return candidates[this.roundRobin];
  }

  /** SIP methods (not CDR routes) that at least one authenticated application routed */
  routedMethods(): string[] {
    const verbs = new Set<string>();
    for (const c of this.connections.values()) if (c.authenticated) for (const v of c.verbs) if (!v.startsWith('cdr:')) verbs.add(v);
    return [...verbs];
  }

  get(id: string): AppConnection | undefined {
    return this.connections.get(id);
  }

  get size(): number {
    return this.connections.size;
  }

  get authenticatedCount(): number {
    let n = 0;
    for (const c of this.connections.values()) if (c.authenticated) n++;
    return n;
  }

  async close(): Promise<void> {
    for (const c of this.connections.values()) c.socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    const conn = new AppConnection(`app-${this.nextId++}`, socket);
    this.connections.set(conn.id, conn);
    const log = this.opts.logger.child({ app: conn.id, remote: `${socket.remoteAddress}:${socket.remotePort}` });
    log.info('application connected');
    socket.on('data', (chunk: Buffer) => {
      let payloads: string[];
      try {
        payloads = conn.decode(chunk);
      } catch (err) {
        log.warn('closing application connection: bad framing', { err: (err as WireFrameError).message });
        socket.destroy();
        return;
      }
      for (const p of payloads) {
        try {
          this.dispatch(conn, p, log);
        } catch (err) {
          log.error('error handling application message', { err });
        }
      }
    });
    socket.on('error', (err) => log.debug('application socket error', { err: err.message }));
    socket.on('close', () => {
      this.connections.delete(conn.id);
      log.info('application disconnected');
      this.opts.handler.onAppGone(conn);
    });
  }

  private dispatch(conn: AppConnection, payload: string, log: Logger): void {
    const msg = parseAppMessage(payload);
    if (!msg) {
      log.warn('ignoring malformed application message');
      return;
    }
    if (msg.command === 'authenticate') {
      const [secret = '', tags = ''] = msg.args;
      if (!secretMatches(secret, this.opts.secret)) {
        log.warn('application failed to authenticate: incorrect secret');
        conn.send(failResponse(msg.id, 'incorrect secret'));
        return;
      }
      conn.authenticated = true;
      for (const t of tags.split(',').filter(Boolean)) conn.tags.add(t);
      const hp = this.opts.hostports();
      conn.send(okResponse(msg.id, hp, EDGE_PROTOCOL_VERSION, hp));
      return;
    }
    if (!conn.authenticated) {
      conn.send(failResponse(msg.id, 'not authenticated'));
      return;
    }
    switch (msg.command) {
      case 'ping':
        conn.send(okResponse(msg.id, 'pong'));
        return;
      case 'route': {
        const verb = (msg.args[0] ?? '').toLowerCase();
        if (!verb) {
          conn.send(failResponse(msg.id, 'Route request includes unsupported verb'));
          return;
        }
        conn.verbs.add(verb);
        conn.send(okResponse(msg.id));
        return;
      }
      case 'remove_route':
        conn.verbs.delete((msg.args[0] ?? '').toLowerCase());
        conn.send(okResponse(msg.id));
        return;
      case 'sip':
        this.opts.handler.onSipCommand(conn, msg);
        return;
      case 'proxy':
        conn.send(failResponse(msg.id, 'proxy is not supported by the embedded edge; use drachtio-server'));
        return;
      default:
        conn.send(failResponse(msg.id, 'Unknown message type'));
    }
  }
}
