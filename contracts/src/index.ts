export * from './config/index.js';
export * from './media-control/v1.js';
export * from './agent-stream/v1.js';
export * from './log.js';
export * from './live-events/v1.js';
export * from './audio/wav.js';
export * from './agent-flow/v1.js';
