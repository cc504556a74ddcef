import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker, CircuitOpenError, type BreakerState } from './circuit-breaker.js';

function breaker(threshold = 2, openMs = 1000) {
  const clock = { now: 0 };
  const changes: string[] = [];
  const b = new CircuitBreaker('t', {
    failureThreshold: threshold,
    openMs,
    now: () => clock.now,
    onStateChange: (s: BreakerState, p: BreakerState) => changes.push(`${p}->${s}`),
  });
  return { b, clock, changes };
}

describe('CircuitBreaker', () => {
  it('opens after failureThreshold consecutive failures', () => {
    const { b, changes } = breaker(2);
    b.failure();
    assert.equal(b.state, 'closed');
    b.failure();
    assert.equal(b.state, 'open');
    assert.deepEqual(changes, ['closed->open']);
  });

  it('a success resets the consecutive count', () => {
    const { b } = breaker(2);
    b.failure();
    b.success();
    b.failure();
    assert.equal(b.state, 'closed');
  });

  it('refuses calls while open', async () => {
    const { b } = breaker(1);
    b.failure();
    assert.equal(b.canPass(), false);
    await assert.rejects(b.run(async () => 1), CircuitOpenError);
  });

  it('lets exactly one trial through once openMs has passed', () => {
    const { b, clock } = breaker(1);
    b.failure();
    clock.now = 1000;
    assert.equal(b.state, 'half_open');
    assert.equal(b.canPass(), true);
    assert.equal(b.canPass(), false);
  });

  it('a successful trial closes it, a failed one reopens it', () => {
    const { b, clock } = breaker(1);
    b.failure();
    clock.now = 1000;
    b.canPass();
    b.failure();
    assert.equal(b.state, 'open');
    clock.now = 2000;
    b.canPass();
    b.success();
    assert.equal(b.state, 'closed');
  });

  it('run() does not count an AbortError as a failure and frees the trial', async () => {
    const { b, clock } = breaker(1);
    b.failure();
    clock.now = 1000;
    const aborted = new Error('cancelled');
    aborted.name = 'AbortError';
    await assert.rejects(
      b.run(() => Promise.reject(aborted)),
      { name: 'AbortError' },
    );
    assert.equal(b.state, 'half_open');
    assert.equal(b.canPass(), true);
  });
});
