/**
 * The demo agent: until agent-core answers calls, the media bridge's demo prompt stands in for the agent, and
 * these keys stand in for its decisions — `0` asks the gateway for a blind transfer to the number's configured
 * target, `#` asks it to hang up. Pure: one media event in, the agent's request (if any) out.
 */
import type { MediaEvent } from '@callgate/contracts';

export function demoAgentReaction(event: MediaEvent): MediaEvent | undefined {
  if (event.type !== 'dtmf') return undefined;
  if (event.digit === '0') return { v: 1, type: 'transfer_request', endpointId: event.endpointId };
  if (event.digit === '#') return { v: 1, type: 'hangup_request', endpointId: event.endpointId, reason: 'caller pressed #' };
  return undefined;
}
