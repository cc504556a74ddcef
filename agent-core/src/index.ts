export const SERVICE = 'agent-core';
export * from './privacy/index.js';
