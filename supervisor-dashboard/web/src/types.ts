// The dashboard API contract, shared with the server (types only: nothing of it reaches the bundle).
export type * from '../../src/api/types.js';
