/** @callgate/media-bridge: RTP endpoints, the shared pacer, DTMF, and the in-process media control. */
export const SERVICE = 'media-bridge';

export { startMediaBridge, type MediaBridge, type MediaBridgeOptions } from './service.js';
export { InProcessMediaControl, InvalidMediaRequestError, type InProcessMediaControlOptions } from './control/in-process.js';
export { startMediaControlServer, type MediaControlServer, type MediaControlServerOptions, type ServedMediaControl } from './control/http-server.js';
export { RtpEndpoint, type RtpEndpointOptions, type EndpointStats, type Destination } from './rtp/endpoint.js';
export { Pacer, systemClock, type PacedEndpoint, type PacerClock, type PacerOptions, type PacerStats, type PacerTick } from './rtp/pacer.js';
export { applyRealtimePriority, gcIsSingleThreaded, SINGLE_THREADED_GC_FLAG, type RealtimeOutcome } from './rtp/realtime.js';
export { PortPool, PortPoolExhaustedError, type PortLease, type PortPoolOptions } from './rtp/port-pool.js';
export { parseRtp, serializeRtp, RTP_HEADER_BYTES, type RtpPacket, type RtpPacketInit, type RtpHeaderExtension } from './rtp/packet.js';
export { ReceiveStatsTracker, type ReceiveStats } from './rtp/receive-stats.js';
export { g711, SAMPLES_PER_FRAME, SAMPLE_RATE, type G711Codec } from './audio/g711.js';
export { seededUniform } from './audio/noise.js';
export { encodeWav, parseWav, type PcmAudio } from '@callgate/contracts';
export type { Prompt } from './prompt/prompt.js';
export { demoPrompt, demoPromptPcm, DEMO_PROMPT_ID } from './prompt/demo-prompt.js';
export * from './quality/index.js';
export * from './vad/index.js';
