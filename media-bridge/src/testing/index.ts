/** Test support other packages' tests use (`@callgate/media-bridge/testing`): the contract-v1 test agent server. */
export { startTestAgentServer, type TestAgentServer, type TestAgentConnection, type TestAgentServerOptions } from './agent-server.js';
export { udpPortIsFree, UdpPeer, eventually, settle } from './udp-peer.js';
