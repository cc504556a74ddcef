/** Test support: a valid allocate request (PCMU + telephone-event, sendrecv) towards a loopback peer. */
import type { AllocateRequest } from '@callgate/contracts';

export function allocateRequest(peerPort: number, over: Partial<AllocateRequest> = {}): AllocateRequest {
  return {
    v: 1,
    sessionId: 'call-1',
    codec: { name: 'PCMU', payloadType: 0, clockRate: 8000 },
    telephoneEventPayloadType: 101,
    remote: { address: '127.0.0.1', port: peerPort, direction: 'sendrecv' },
    agent: 'demo',
    ...over,
  };
}
