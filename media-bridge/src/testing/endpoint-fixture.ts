/**
 * Test support: one real RtpEndpoint on loopback, with a UdpPeer as the phone the SDP points at, the real
 * pacer, and the events it emits collected in an array.
 */
import type { Codec, MediaDirection, MediaEvent } from '@callgate/contracts';
import { silentLogger } from '@callgate/contracts';
import { RtpEndpoint, type RtpEndpointOptions } from '../rtp/endpoint.js';
import { Pacer, type PacerClock } from '../rtp/pacer.js';
import { PortPool } from '../rtp/port-pool.js';
import { UdpPeer } from './udp-peer.js';

export const PCMU: Codec = { name: 'PCMU', payloadType: 0, clockRate: 8000 };
export const PCMA: Codec = { name: 'PCMA', payloadType: 8, clockRate: 8000 };

export interface FixtureOptions {
  /** first port of this test file's own range (keep ranges apart: node --test runs files in parallel) */
  portBase: number;
  codec?: Codec;
  telephoneEventPayloadType?: number;
  direction?: MediaDirection;
  rtpTimeoutMs?: number;
  /** the pacer's inboundOffsetMs (the service's is 10; default 0) */
  pacerOffsetMs?: number;
  /** the pacer's clock (default the real one; a test may drive the ticks by hand) */
  clock?: PacerClock;
}

export interface EndpointFixture {
  endpoint: RtpEndpoint;
  /** the peer at the address/port the SDP named */
  peer: UdpPeer;
  pool: PortPool;
  pacer: Pacer;
  events: MediaEvent[];
  close(): void;
}

/** Builds an endpoint whose SDP remote is a fresh loopback peer. */
export async function endpointFixture(o: FixtureOptions): Promise<EndpointFixture> {
  const pool = new PortPool({ address: '127.0.0.1', min: o.portBase, max: o.portBase + 19 });
  const pacer = new Pacer({ inboundOffsetMs: o.pacerOffsetMs ?? 0, clock: o.clock });
  const peer = await UdpPeer.open();
  const events: MediaEvent[] = [];
  const opts: RtpEndpointOptions = {
    id: 'ep-test',
    lease: await pool.allocate(),
    codec: o.codec ?? PCMU,
    telephoneEventPayloadType: o.telephoneEventPayloadType,
    remote: { address: '127.0.0.1', port: peer.port, direction: o.direction ?? 'sendrecv' },
    pacer,
    logger: silentLogger,
    emit: (e) => events.push(e),
    rtpTimeoutMs: o.rtpTimeoutMs ?? 0,
  };
  const endpoint = new RtpEndpoint(opts);
  return {
    endpoint,
    peer,
    pool,
    pacer,
    events,
    close() {
      endpoint.close();
      peer.close();
      pacer.stop();
    },
  };
}

/** A 20 ms μ-law frame of a 1 kHz tone, frame `i` of a continuous signal. */
export function toneFrame(i: number, encode: (pcm: Int16Array) => Uint8Array): Buffer {
  const pcm = Int16Array.from({ length: 160 }, (_, n) => Math.round(8000 * Math.sin((2 * Math.PI * 1000 * (i * 160 + n)) / 8000)));
  return Buffer.from(encode(pcm));
}
