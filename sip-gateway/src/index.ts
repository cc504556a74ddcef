/** @callgate/sip-gateway: the drachtio-srf application that answers calls (see gateway.ts for the chain). */
export { startGateway, type GatewayOptions, type RunningGateway } from './gateway.js';
export { DrachtioConnectError } from './drachtio-connection.js';
export { HttpMediaControl, MediaControlHttpError, type HttpMediaControlOptions } from './media/http-media-control.js';
export { GatewayMetrics, type CallOutcome, type AdmissionRejection } from './metrics.js';
export { AdmissionController, type AdmissionTicket, type AdmissionLimits } from './admission/controller.js';
export { TokenBucket } from './admission/token-bucket.js';
export { parseSdp, type SessionDescription, type MediaDescription, type Direction } from './answer/sdp/parse.js';
export { negotiate, type Negotiated, type NegotiationResult } from './answer/sdp/answer.js';
export { SdpSession } from './answer/session.js';
export { CidrList, parseCidr, parseAddress } from './net/cidr.js';
export { computeDigestResponse, DigestVerifier } from './auth/digest.js';
export { NonceIssuer } from './auth/nonce.js';
export { normalizeNumber, requestUriUser, NumberPlan } from './middleware/routing.js';
export type { Route, TrunkIdentity, RequestLocals } from './sip/types.js';
