export const SERVICE = 'agent-core';
export * from './privacy/index.js';
export { startAgentCore, type AgentCoreStartOptions, type RunningAgentCore } from './service/start.js';
export type { AgentProviders } from './service/providers.js';
export * as fakes from './session/fakes.js';
export type { LiveSink } from './session/live-publisher.js';
export { MemoryLiveSink } from './session/live-publisher.js';
export { startPrivateRedis, startTestRedis, type PrivateRedis } from './redis/index.js';
export { LIVE_CHANNEL } from './live/redis-live-sink.js';
