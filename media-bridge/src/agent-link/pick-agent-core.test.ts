import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pickAgentCore } from './channel.js';

describe('pickAgentCore (a call is pinned to one agent-core by its session id)', () => {
  const urls = ['ws://a:9024/v1/stream', 'ws://b:9024/v1/stream', 'ws://c:9024/v1/stream'];
  const sessions = Array.from({ length: 3000 }, (_, i) => `session-${i}`);

  it('always picks the same agent-core for a session, and spreads sessions over all of them', () => {
    const counts = new Map<string, number>();
    for (const s of sessions) {
      const u = pickAgentCore(urls, s);
      assert.equal(pickAgentCore([...urls].reverse(), s), u, 'independent of the order of the list');
      counts.set(u, (counts.get(u) ?? 0) + 1);
    }
    for (const u of urls) assert.ok((counts.get(u) ?? 0) > 800, `${u}: ${counts.get(u)}`);
  });

  it('removing one agent-core moves only the sessions that were on it', () => {
    const without = urls.filter((u) => u !== urls[1]);
    for (const s of sessions) {
      const before = pickAgentCore(urls, s);
      if (before !== urls[1]) assert.equal(pickAgentCore(without, s), before);
    }
  });
});
