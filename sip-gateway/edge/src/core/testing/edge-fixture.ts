/**
 * An embedded edge on loopback with a real drachtio-srf application connected to it, for the edge integration
 * tests. Short SIP timers (T1 = 20 ms) unless told otherwise. Test support only.
 */
import { once } from 'node:events';
import { Registry } from 'prom-client';
import Srf from 'drachtio-srf';
import { silentLogger } from '@callgate/contracts';
import { SipEdge } from '../sip-edge.js';
import type { TransportName } from '../../transport/types.js';

export const SECRET = 'test-secret';
/** the app's answer SDP */
export const APP_SDP = 'v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\na=sendrecv\r\n';

export interface EdgeFixtureOptions {
  transports?: TransportName[];
  maxMessageBytes?: number;
  timers?: { t1: number; t2: number; t4: number };
}

export interface EdgeFixture {
  edge: SipEdge;
  /** SIP port per transport */
  ports: Partial<Record<TransportName, number>>;
  controlPort: number;
  stop(): Promise<void>;
}

export async function startTestEdge(o: EdgeFixtureOptions = {}): Promise<EdgeFixture> {
  const edge = new SipEdge({
    config: {
      listen: (o.transports ?? ['udp']).map((transport) => ({ transport, address: '127.0.0.1', port: 0 })),
      timers: o.timers ?? { t1: 20, t2: 160, t4: 200 },
      control: { address: '127.0.0.1', port: 0, secret: SECRET },
      maxMessageBytes: o.maxMessageBytes ?? 65536,
      tcpIdleTimeoutMs: 60000,
      overloadDelayMs: 0,
    },
    logger: silentLogger,
    registry: new Registry(),
  });
  const started = await edge.start();
  const ports: Partial<Record<TransportName, number>> = {};
  for (const l of started.sip) ports[l.transport] = l.port;
  return { edge, ports, controlPort: started.control.port, stop: () => edge.stop() };
}

/**
 * Connect an Srf (its routes registered beforehand by `setup`) and wait until it is authenticated and its
 * route commands had time to reach the edge.
 */
export async function connectApp(controlPort: number, setup: (srf: Srf) => void = () => undefined): Promise<Srf> {
  const srf = new Srf();
  setup(srf);
  srf.connect({ host: '127.0.0.1', port: controlPort, secret: SECRET });
  const [err] = (await once(srf, 'connect')) as [Error | null];
  if (err) throw err;
  // drachtio-srf writes its `route` commands just before emitting 'connect'; let the edge read them
  await new Promise((resolve) => setTimeout(resolve, 30));
  return srf;
}

/** drachtio-srf surface used by the tests that its bundled typings lack or type too narrowly */
export interface SrfRequestSent {
  on(event: 'response', cb: (res: Srf.SrfResponse, ack: (opts?: object) => void) => void): void;
}
export type SrfRequestFn = (uri: string, opts: { method: string; headers?: Record<string, string>; body?: string }, cb: (err: Error | null, req: SrfRequestSent) => void) => void;
export type DialogRequestFn = (opts: { method: string; headers?: Record<string, string>; body?: string }) => Promise<Srf.SrfResponse>;
