export const SERVICE = 'agent-core';
