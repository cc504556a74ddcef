export const SERVICE = 'agent-core';
export * from './privacy/index.js';
export { startAgentCore, type AgentCoreStartOptions, type RunningAgentCore } from './service/start.js';
export { startPrivateRedis, startTestRedis, type PrivateRedis } from './redis/index.js';
export { LIVE_CHANNEL } from './live/redis-live-sink.js';
