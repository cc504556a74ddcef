/** Local servers that speak the remote providers' protocols (with their failure modes), for tests. */
export * from './fake-openai-server.js';
export * from './fake-stt-server.js';
export * from './wait.js';
