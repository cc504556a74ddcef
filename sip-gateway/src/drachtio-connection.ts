/**
 * The gateway's connection to its SIP edge (the embedded edge or a drachtio-server), made with drachtio-srf's
 * own outbound connection. The first attempt either authenticates (resolve) or fails with a clear error (wrong
 * secret, refused/unreachable) rather than retrying silently forever. Once connected, drachtio-srf's own
 * reconnect with back-off handles later drops. After `close()` (or a failed start) any late reconnect that
 * drachtio-srf had already scheduled is dropped again.
 */
import type { Socket } from 'node:net';
import type Srf from 'drachtio-srf';
import type { Logger } from '@callgate/contracts';

export interface DrachtioTarget {
  host: string;
  port: number;
  secret: string;
}

export class DrachtioConnectError extends Error {
  constructor(
    message: string,
    readonly code: 'auth' | 'network',
  ) {
    super(message);
    this.name = 'DrachtioConnectError';
  }
}

/** stops the connection and its retries (drachtio-srf's `disconnect`; it throws when no socket is left) */
function disconnectQuietly(srf: Srf, socket?: Socket): void {
  try {
    (srf.disconnect as (s?: Socket) => void)(socket);
  } catch {
    /* no socket left: nothing to close */
  }
}

export class EdgeConnection {
  private state: 'connecting' | 'up' | 'closed' = 'connecting';
  private readonly where: string;

  constructor(
    private readonly srf: Srf,
    private readonly target: DrachtioTarget,
    private readonly logger: Logger,
  ) {
    this.where = `${target.host}:${target.port}`;
  }

  /** connects; resolves with the SIP addresses the edge listens on */
  open(): Promise<string> {
    const emitter = this.srf as unknown as NodeJS.EventEmitter;
    return new Promise((resolve, reject) => {
      const fail = (err: DrachtioConnectError) => {
        this.state = 'closed';
        reject(err);
      };
      emitter.on('connect', (err: Error | null | undefined, hostport: string) => {
        if (err) {
          disconnectQuietly(this.srf);
          if (this.state === 'connecting') fail(new DrachtioConnectError(`SIP edge at ${this.where} refused the gateway: ${err.message} (check drachtio.secret)`, 'auth'));
          else this.logger.error('SIP edge refused the gateway on reconnect', { edge: this.where, err: err.message });
          return;
        }
        if (this.state === 'closed') {
          disconnectQuietly(this.srf);
          return;
        }
        const first = this.state === 'connecting';
        this.state = 'up';
        this.logger.info(first ? 'connected to the SIP edge' : 'reconnected to the SIP edge', { edge: this.where, sip: hostport });
        if (first) resolve(hostport);
      });
      emitter.on('error', (err: Error, socket?: Socket) => {
        if (this.state === 'connecting') {
          disconnectQuietly(this.srf, socket);
          fail(new DrachtioConnectError(`cannot reach the SIP edge at ${this.where}: ${err.message}`, 'network'));
        } else if (this.state === 'up') {
          this.logger.warn('SIP edge connection lost; drachtio-srf reconnects', { edge: this.where, err: err.message });
        }
      });
      emitter.on('reconnecting', (info: { delay?: number; attempt?: number }) => {
        if (this.state === 'up') this.logger.info('reconnecting to the SIP edge', { edge: this.where, ...info });
      });
      this.srf.connect({ host: this.target.host, port: this.target.port, secret: this.target.secret });
    });
  }

  close(): void {
    this.state = 'closed';
    disconnectQuietly(this.srf);
  }
}
