export * from './config/index.js';
export * from './media-control/v1.js';
export * from './agent-stream/v1.js';
export * from './log.js';
