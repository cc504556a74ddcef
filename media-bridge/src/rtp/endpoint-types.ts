/** Options and statistics of an RtpEndpoint (kept apart so the endpoint file reads as behaviour). */
import type { Codec, Logger, MediaDirection, MediaEvent, RemoteMedia } from '@callgate/contracts';
import type { Pacer } from './pacer.js';
import type { PortLease } from './port-pool.js';
import type { ReceiveStats } from './receive-stats.js';
import type { JitterBufferStats } from './jitter-buffer.js';

/** Everything an endpoint needs; the optional fields have the documented defaults. */
export interface RtpEndpointOptions {
  id: string;
  lease: PortLease;
  codec: Codec;
  /** RFC 4733 payload type when negotiated; without it inbound events are ignored and sendDtmf rejects */
  telephoneEventPayloadType?: number;
  remote: RemoteMedia;
  pacer: Pacer;
  logger: Logger;
  emit: (event: MediaEvent) => void;
  /** report `rtp_timeout` after this long without RTP while sendrecv (default 30000; 0 = never) */
  rtpTimeoutMs?: number;
  /** seconds of received audio kept (default 60; 0 = none) */
  recordSeconds?: number;
  /** adaptive jitter buffer bounds (defaults 20 and 200 ms) */
  jitterBuffer?: { minDelayMs?: number; maxDelayMs?: number; lossWaitMs?: number; delivery?: 'arrival' | 'paced' };
  /** publish a `quality` event this often (default 5000 ms of media time) */
  qualityIntervalMs?: number;
}

/** A network address and port. */
export interface Destination {
  address: string;
  port: number;
}

/** What an endpoint reports for tests and metrics. */
export interface EndpointStats {
  endpointId: string;
  localPort: number;
  codec: Codec['name'];
  direction: MediaDirection;
  /** where the SDP says the remote is */
  sdpRemote: Destination;
  /** where RTP actually comes from (symmetric RTP), once a packet arrived */
  latchedRemote: Destination | undefined;
  received: ReceiveStats;
  sent: { packets: number; bytes: number; sendErrors: number };
  /** datagrams that were not RTP */
  invalidPackets: number;
  /** RTP from a source other than the latched one (dropped) */
  foreignPackets: number;
  /** RTP with a payload type that was not negotiated (dropped) */
  unknownPayloadType: number;
  dtmfReceived: number;
  /** ms of decoded received audio currently held in the recording */
  recordedMs: number;
  /** id of the prompt now playing */
  playing: string | undefined;
  jitterBuffer: JitterBufferStats;
}
