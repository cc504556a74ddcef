import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RetryableProviderError } from '../ports.js';
import { abortError, backoffDelay, isAbortError, isRetryable, retryDelay, sleep } from './retry.js';

const backoff = { baseMs: 100, maxMs: 1000 };

describe('backoffDelay (full jitter)', () => {
  it('scales the ceiling by the random draw', () => {
    assert.equal(backoffDelay(1, backoff, () => 0.5), 50);
    assert.equal(backoffDelay(1, backoff, () => 0), 0);
  });

  it('doubles the ceiling with each retry', () => {
    assert.equal(backoffDelay(3, backoff, () => 0.5), 200);
  });

  it('never exceeds maxMs', () => {
    assert.equal(backoffDelay(20, backoff, () => 0.999), 999);
  });

  it('clamps a random source that strays outside [0, 1]', () => {
    assert.equal(backoffDelay(1, backoff, () => 7), 100);
    assert.equal(backoffDelay(1, backoff, () => -1), 0);
  });
});

describe('retryDelay', () => {
  it('honours a Retry-After within maxMs', () => {
    assert.equal(retryDelay(new RetryableProviderError('429', 0.25), 1, backoff, () => 0.5), 250);
  });

  it('returns undefined for a Retry-After beyond maxMs', () => {
    assert.equal(retryDelay(new RetryableProviderError('429', 2), 1, backoff, () => 0.5), undefined);
  });

  it('uses the jittered backoff when no Retry-After was given', () => {
    assert.equal(retryDelay(new RetryableProviderError('503'), 2, backoff, () => 0.5), 100);
  });
});

describe('error helpers', () => {
  it('recognises a RetryableProviderError by class or by name', () => {
    const lookalike = new Error('x');
    lookalike.name = 'RetryableProviderError';
    assert.equal(isRetryable(new RetryableProviderError('x')), true);
    assert.equal(isRetryable(lookalike), true);
    assert.equal(isRetryable(new Error('x')), false);
  });

  it('abortError keeps an AbortError reason and wraps any other', () => {
    const ac = new AbortController();
    ac.abort();
    assert.equal(abortError(ac.signal), ac.signal.reason);
    const custom = new AbortController();
    custom.abort('barge-in');
    const err = abortError(custom.signal);
    assert.equal(isAbortError(err), true);
    assert.equal(err.cause, 'barge-in');
  });
});

describe('sleep', () => {
  it('resolves after the delay', async () => {
    await sleep(1, new AbortController().signal);
  });

  it('rejects with an AbortError when aborted while waiting', async () => {
    const ac = new AbortController();
    const pending = sleep(60_000, ac.signal);
    ac.abort();
    await assert.rejects(pending, { name: 'AbortError' });
  });

  it('rejects at once when the signal is already aborted', async () => {
    await assert.rejects(sleep(60_000, AbortSignal.abort()), { name: 'AbortError' });
  });
});
