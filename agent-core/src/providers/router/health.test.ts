import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker } from './circuit-breaker.js';
import { ProviderHealth, type ProviderHealthChange } from './health.js';

describe('ProviderHealth', () => {
  it('lists each registered provider with its breaker state', () => {
    const health = new ProviderHealth();
    const broken = new CircuitBreaker('x', { failureThreshold: 1 });
    health.register('tts', 'voice', 'piper', new CircuitBreaker('y'));
    health.register('tts', 'voice', 'remote', broken);
    broken.failure();
    assert.deepEqual(health.list(), [
      { stage: 'tts', router: 'voice', provider: 'piper', state: 'closed' },
      { stage: 'tts', router: 'voice', provider: 'remote', state: 'open' },
    ]);
  });

  it('refuses to register the same stage/router/provider twice', () => {
    const health = new ProviderHealth();
    health.register('stt', 'asr', 'a', new CircuitBreaker('a'));
    assert.throws(() => health.register('stt', 'asr', 'a', new CircuitBreaker('a')), /already registered/);
  });

  it('forgets an entry when its registration is removed', () => {
    const health = new ProviderHealth();
    const off = health.register('stt', 'asr', 'a', new CircuitBreaker('a'));
    off();
    assert.deepEqual(health.list(), []);
  });

  it('tells subscribers of reported changes until they unsubscribe', () => {
    const health = new ProviderHealth();
    const seen: ProviderHealthChange[] = [];
    const off = health.subscribe((c) => seen.push(c));
    const change: ProviderHealthChange = { stage: 'dialogue', router: 'llm', provider: 'a', state: 'open', previous: 'closed' };
    health.report(change);
    off();
    health.report({ ...change, state: 'half_open', previous: 'open' });
    assert.deepEqual(seen, [change]);
  });

  it('a throwing subscriber does not stop the others', () => {
    const health = new ProviderHealth();
    let told = 0;
    health.subscribe(() => {
      throw new Error('boom');
    });
    health.subscribe(() => (told += 1));
    health.report({ stage: 'dialogue', router: 'llm', provider: 'a', state: 'open', previous: 'closed' });
    assert.equal(told, 1);
  });
});
