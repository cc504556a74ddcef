import { it } from 'node:test';
import assert from 'node:assert/strict';
import { demoAgentReaction } from './demo-agent.js';

const dtmf = (digit: string) => ({ v: 1 as const, type: 'dtmf' as const, endpointId: 'ep', digit, durationMs: 100, source: 'sip-info' as const });

it('asks for a transfer on 0 and a hang-up on #, and ignores the rest', () => {
  assert.deepEqual(demoAgentReaction(dtmf('0')), { v: 1, type: 'transfer_request', endpointId: 'ep' });
  assert.deepEqual(demoAgentReaction(dtmf('#')), { v: 1, type: 'hangup_request', endpointId: 'ep', reason: 'caller pressed #' });
  assert.equal(demoAgentReaction(dtmf('5')), undefined);
  assert.equal(demoAgentReaction({ v: 1, type: 'rtp_timeout', endpointId: 'ep', silentMs: 30000 }), undefined);
});
