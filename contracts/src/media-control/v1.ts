/**
 * sip-gateway ↔ media-bridge control contract, version 1. The gateway negotiates SDP and asks the media
 * bridge for an RTP endpoint; the media bridge reports what happens on the media (DTMF, RTP timeout, end of a
 * prompt). In-process the gateway calls a `MediaControl` directly; over loopback HTTP/WS the same messages
 * travel as JSON and are validated with these schemas where they enter.
 */
import { z } from 'zod';

export const MEDIA_CONTROL_VERSION = 1 as const;

export const codecSchema = z.object({
  name: z.enum(['PCMU', 'PCMA']),
  payloadType: z.number().int().min(0).max(127),
  clockRate: z.literal(8000),
});
export type Codec = z.infer<typeof codecSchema>;

export const directionSchema = z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']);
export type MediaDirection = z.infer<typeof directionSchema>;

export const remoteMediaSchema = z.object({
  address: z.string().min(1),
  port: z.number().int().min(0).max(65535),
  /** our direction as seen from the bridge (the answer's direction) */
  direction: directionSchema,
});
export type RemoteMedia = z.infer<typeof remoteMediaSchema>;

export const allocateRequestSchema = z.object({
  v: z.literal(MEDIA_CONTROL_VERSION),
  sessionId: z.string().min(1),
  codec: codecSchema,
  /** RFC 4733 telephone-event payload type when the offer had one */
  telephoneEventPayloadType: z.number().int().min(96).max(127).optional(),
  remote: remoteMediaSchema,
  /** the agent this call is routed to (from the gateway's number plan) */
  agent: z.string().min(1),
});
export type AllocateRequest = z.infer<typeof allocateRequestSchema>;

export const allocationSchema = z.object({
  v: z.literal(MEDIA_CONTROL_VERSION),
  endpointId: z.string().min(1),
  /** address and even RTP port to write into the SDP answer (RTCP is port + 1) */
  address: z.string().min(1),
  port: z.number().int().min(1).max(65535),
});
export type Allocation = z.infer<typeof allocationSchema>;

export const mediaEventSchema = z.discriminatedUnion('type', [
  z.object({ v: z.literal(1), type: z.literal('dtmf'), endpointId: z.string(), digit: z.string().regex(/^[0-9*#A-D]$/), durationMs: z.number(), source: z.enum(['rfc4733', 'sip-info']) }),
  z.object({ v: z.literal(1), type: z.literal('rtp_timeout'), endpointId: z.string(), silentMs: z.number() }),
  z.object({ v: z.literal(1), type: z.literal('playback_done'), endpointId: z.string(), promptId: z.string() }),
  z.object({ v: z.literal(1), type: z.literal('hangup_request'), endpointId: z.string(), reason: z.string() }),
  /** `reason` set: the media tier gives up on the agent; without a transfer target the gateway hangs up instead */
  z.object({ v: z.literal(1), type: z.literal('transfer_request'), endpointId: z.string(), target: z.string().optional(), reason: z.string().optional() }),
  /** the caller started talking (VAD): `atMs` is the onset on the call's media clock, `decidedMs` when it was decided */
  z.object({ v: z.literal(1), type: z.literal('speech_start'), endpointId: z.string(), atMs: z.number(), decidedMs: z.number() }),
  /** the caller's turn ended (endpointing silence passed) */
  z.object({ v: z.literal(1), type: z.literal('speech_end'), endpointId: z.string(), atMs: z.number(), decidedMs: z.number(), speechMs: z.number() }),
  /** the caller interrupted what was playing; `heardMs` of it went out before the pause */
  z.object({ v: z.literal(1), type: z.literal('barge_in'), endpointId: z.string(), itemId: z.string(), heardMs: z.number(), atMs: z.number(), cause: z.enum(['speech', 'dtmf']) }),
  /** periodic per-call quality: G.107 E-model estimate from the jitter buffer's delay, loss and late discards */
  z.object({
    v: z.literal(1),
    type: z.literal('quality'),
    endpointId: z.string(),
    mos: z.number(),
    rFactor: z.number(),
    jitterMs: z.number(),
    lossPct: z.number(),
    lateDiscards: z.number(),
    jitterBufferMs: z.number(),
    packetsReceived: z.number(),
    packetsLost: z.number(),
    packetsSent: z.number(),
    rttMs: z.number().optional(),
  }),
]);
export type MediaEvent = z.infer<typeof mediaEventSchema>;

/** What the gateway tells the media tier about a confirmed call (handed on to the agent). */
export const callInfoSchema = z.object({
  callId: z.string().max(256).optional(),
  /** caller and dialed URIs as signalled (the media tier never logs them) */
  from: z.string().max(512).optional(),
  to: z.string().max(512).optional(),
});
export type CallInfo = z.infer<typeof callInfoSchema>;

/** What the gateway needs from the media tier. Implementations: in-process, or a loopback HTTP client. */
export interface MediaControl {
  allocate(req: AllocateRequest): Promise<Allocation>;
  /** re-INVITE: new remote address/port/direction (hold = sendonly/inactive) */
  update(endpointId: string, remote: RemoteMedia): Promise<void>;
  /**
   * start playing a prompt the media tier knows by id (today: `demo`, the stand-in for the agent); the gateway
   * starts it once the call is confirmed (ACK), so a call that never completes costs no outbound media
   */
  play(endpointId: string, promptId: string): Promise<void>;
  /**
   * the call is confirmed (ACK): its agent starts talking — the built-in demo agent plays its prompt, any other
   * agent gets its stream to agent-core. Not before: a call that never completes costs no outbound media.
   */
  connect(endpointId: string, call?: CallInfo): Promise<void>;
  /** idempotent; releases the RTP ports */
  release(endpointId: string, reason: string): Promise<void>;
  /** DTMF received by signalling (SIP INFO) is reported like RFC 4733 digits */
  dtmfFromSignalling(endpointId: string, digit: string, durationMs: number): void;
  sendDtmf(endpointId: string, digits: string): Promise<void>;
  onEvent(handler: (event: MediaEvent) => void): void;
}

/*
 * The loopback HTTP transport of this contract (media-bridge's control server, sip-gateway's HTTP client).
 * Paths are under `/v1`; bodies are JSON validated with the schemas below; the event stream (`GET /v1/events`)
 * is newline-delimited JSON, one `MediaEvent` a line, with empty lines as heartbeats.
 */

/** the path prefix of the HTTP transport: the contract version */
export const MEDIA_CONTROL_HTTP_PREFIX = `/v${MEDIA_CONTROL_VERSION}` as const;

/** one DTMF digit as `dtmfFromSignalling` takes it (case-insensitive A–D) */
export const dtmfDigitSchema = z.string().regex(/^[0-9*#A-Da-d]$/, 'one DTMF digit (0-9, *, #, A-D)');

/** `POST /v1/endpoints/:id/play` */
export const playRequestSchema = z.object({ promptId: z.string().min(1).max(128) });
export type PlayRequest = z.infer<typeof playRequestSchema>;

/** `DELETE /v1/endpoints/:id` (the reason may also come as the `reason` query parameter) */
export const releaseRequestSchema = z.object({ reason: z.string().min(1).max(256) });
export type ReleaseRequest = z.infer<typeof releaseRequestSchema>;

/** `POST /v1/endpoints/:id/dtmf-in`: a digit the gateway received by signalling (SIP INFO) */
export const dtmfInRequestSchema = z.object({ digit: dtmfDigitSchema, durationMs: z.number().min(0).max(60_000) });
export type DtmfInRequest = z.infer<typeof dtmfInRequestSchema>;

/** `POST /v1/endpoints/:id/dtmf-out`: digits to send as RFC 4733 events */
export const dtmfOutRequestSchema = z.object({ digits: z.string().regex(/^[0-9*#A-Da-d]{1,64}$/, '1 to 64 DTMF digits (0-9, *, #, A-D)') });
export type DtmfOutRequest = z.infer<typeof dtmfOutRequestSchema>;

/** the JSON body of every HTTP error answer */
export const mediaControlErrorSchema = z.object({ error: z.string() });
export type MediaControlErrorBody = z.infer<typeof mediaControlErrorSchema>;

/** `GET /v1/health` */
export const mediaControlHealthSchema = z.object({
  v: z.literal(MEDIA_CONTROL_VERSION),
  status: z.literal('ok'),
  endpoints: z.number().int().min(0),
  subscribers: z.number().int().min(0),
});
export type MediaControlHealth = z.infer<typeof mediaControlHealthSchema>;
