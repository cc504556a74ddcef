import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DialogueChunk } from '../ports.js';
import { DialogueRouter, type DialogueRouterOptions } from './dialogue-router.js';
import { AllProvidersFailedError, ProviderTimeoutError, StageFailedAfterOutputError } from './errors.js';
import { ProviderHealth } from './health.js';
import { collect, EventLog, FakeDialogue, recordingSleep, rejection, request, text, until } from './test-fakes.js';

function router(providers: FakeDialogue[], extra: Partial<DialogueRouterOptions> = {}) {
  const log = new EventLog();
  const { delays, sleep } = recordingSleep();
  const r = new DialogueRouter({ id: 'llm', providers, retries: 1, backoff: { baseMs: 100, maxMs: 1000 }, random: () => 0.5, sleep, onEvent: log.listener, firstOutputTimeoutMs: 1000, ...extra });
  return { r, log, delays };
}

const run = (r: DialogueRouter, signal = new AbortController().signal) => collect(r.generate(request, signal));

describe('DialogueRouter', () => {
  it('serves from the first provider and leaves the others alone', async () => {
    const a = new FakeDialogue('a', [{ kind: 'ok', chunks: [text('Hello'), text(' there')] }]);
    const b = new FakeDialogue('b', [{ kind: 'ok', chunks: [text('B')] }]);
    const { r } = router([a, b]);
    assert.deepEqual(await run(r), [text('Hello'), text(' there')]);
    assert.equal(b.calls, 0);
  });

  it('falls back to the next provider after a non-retryable error, without retrying it', async () => {
    const a = new FakeDialogue('a', [{ kind: 'fail' }, { kind: 'ok', chunks: [text('A')] }]);
    const b = new FakeDialogue('b', [{ kind: 'ok', chunks: [text('B')] }]);
    const { r, log, delays } = router([a, b]);
    assert.deepEqual(await run(r), [text('B')]);
    assert.equal(a.calls, 1);
    assert.deepEqual(delays, []);
    const [fb] = log.of('fallback');
    assert.equal(fb?.provider, 'a');
    assert.equal(fb?.next, 'b');
    assert.equal(fb?.reason, 'error');
  });

  it('retries a retryable error on the same provider after a jittered backoff', async () => {
    const a = new FakeDialogue('a', [{ kind: 'retryable' }, { kind: 'ok', chunks: [text('A')] }]);
    const b = new FakeDialogue('b', [{ kind: 'ok', chunks: [text('B')] }]);
    const { r, log, delays } = router([a, b]);
    assert.deepEqual(await run(r), [text('A')]);
    assert.equal(a.calls, 2);
    assert.equal(b.calls, 0);
    // full jitter: random 0.5 of the first retry's ceiling (baseMs 100)
    assert.deepEqual(delays, [50]);
    assert.deepEqual(
      log.of('retry').map((e) => [e.provider, e.attempt, e.delayMs]),
      [['a', 1, 50]],
    );
  });

  it('moves on once the retries are used up', async () => {
    const a = new FakeDialogue('a', [{ kind: 'retryable' }]);
    const b = new FakeDialogue('b', [{ kind: 'ok', chunks: [text('B')] }]);
    const { r, log } = router([a, b], { retries: 2 });
    assert.deepEqual(await run(r), [text('B')]);
    assert.equal(a.calls, 3);
    assert.equal(log.of('fallback')[0]?.reason, 'retries_exhausted');
  });

  it('waits the Retry-After a provider asks for when it is within maxMs', async () => {
    const a = new FakeDialogue('a', [{ kind: 'retryable', retryAfterS: 0.3 }, { kind: 'ok', chunks: [text('A')] }]);
    const { r, delays } = router([a]);
    assert.deepEqual(await run(r), [text('A')]);
    assert.deepEqual(delays, [300]);
  });

  it('does not wait for a Retry-After beyond maxMs but tries the next provider', async () => {
    const a = new FakeDialogue('a', [{ kind: 'retryable', retryAfterS: 30 }, { kind: 'ok', chunks: [text('A')] }]);
    const b = new FakeDialogue('b', [{ kind: 'ok', chunks: [text('B')] }]);
    const { r, log, delays } = router([a, b]);
    assert.deepEqual(await run(r), [text('B')]);
    assert.equal(a.calls, 1);
    assert.deepEqual(delays, []);
    assert.equal(log.of('fallback')[0]?.reason, 'retry_after_too_long');
  });

  it('aborts an attempt that yields nothing within firstOutputTimeoutMs and retries it', async () => {
    const a = new FakeDialogue('a', [{ kind: 'hang' }, { kind: 'ok', chunks: [text('A')] }]);
    const { r, log } = router([a], { firstOutputTimeoutMs: 20 });
    assert.deepEqual(await run(r), [text('A')]);
    assert.equal(a.calls, 2);
    assert.equal(a.signals[0]?.aborted, true);
    assert.ok(a.signals[0]?.reason instanceof ProviderTimeoutError);
    const [t] = log.of('timeout');
    assert.equal(t?.kind, 'first_output');
    assert.equal(t?.afterOutput, false);
  });

  it('falls back when the first-output timeout keeps firing', async () => {
    const a = new FakeDialogue('a', [{ kind: 'hang' }]);
    const b = new FakeDialogue('b', [{ kind: 'ok', chunks: [text('B')] }]);
    const { r, log } = router([a, b], { firstOutputTimeoutMs: 20, retries: 0 });
    assert.deepEqual(await run(r), [text('B')]);
    assert.equal(log.of('fallback')[0]?.error instanceof ProviderTimeoutError, true);
  });

  it('still retries when only empty text came before the failure (and drops that attempt\'s empty text)', async () => {
    const a = new FakeDialogue('a', [{ kind: 'yield_then_fail', chunks: [text('')] }, { kind: 'ok', chunks: [text('A')] }]);
    const { r } = router([a]);
    assert.deepEqual(await run(r), [text('A')]);
    assert.equal(a.calls, 2);
  });

  it('does not retry or switch after output; it fails with StageFailedAfterOutputError', async () => {
    const a = new FakeDialogue('a', [{ kind: 'yield_then_fail', chunks: [text('We open'), text(' at')] }]);
    const b = new FakeDialogue('b', [{ kind: 'ok', chunks: [text('B')] }]);
    const { r, log } = router([a, b]);
    const got: DialogueChunk[] = [];
    const err = await rejection(collect(r.generate(request, new AbortController().signal), got));
    assert.ok(err instanceof StageFailedAfterOutputError);
    assert.equal(err.provider, 'a');
    assert.equal(err.stage, 'dialogue');
    assert.equal(err.chunksDelivered, 2);
    assert.match(err.cause.message, /connection reset/);
    assert.deepEqual(got, [text('We open'), text(' at')]);
    assert.equal(a.calls, 1);
    assert.equal(b.calls, 0);
    assert.equal(log.of('retry').length, 0);
  });

  it('counts a tool call as output', async () => {
    const call: DialogueChunk = { type: 'tool_call', call: { id: 't1', name: 'book', arguments: {} } };
    const a = new FakeDialogue('a', [{ kind: 'yield_then_fail', chunks: [call] }, { kind: 'ok', chunks: [text('A')] }]);
    const { r } = router([a]);
    assert.ok((await rejection(run(r))) instanceof StageFailedAfterOutputError);
    assert.equal(a.calls, 1);
  });

  it('fails a stream that goes quiet after output for idleTimeoutMs', async () => {
    const a = new FakeDialogue('a', [{ kind: 'yield_then_hang', chunks: [text('Hel')] }]);
    const { r, log } = router([a], { idleTimeoutMs: 20 });
    const err = await rejection(run(r));
    assert.ok(err instanceof StageFailedAfterOutputError);
    assert.ok(err.cause instanceof ProviderTimeoutError);
    assert.equal(err.cause.kind, 'idle');
    assert.equal(a.signals[0]?.aborted, true);
    assert.equal(log.of('timeout')[0]?.afterOutput, true);
  });

  it('lists every provider and its last error when all fail', async () => {
    const a = new FakeDialogue('a', [{ kind: 'fail' }]);
    const b = new FakeDialogue('b', [{ kind: 'retryable' }]);
    const { r } = router([a, b]);
    const err = await rejection(run(r));
    assert.ok(err instanceof AllProvidersFailedError);
    assert.deepEqual(
      err.failures.map((f) => [f.provider, f.error.message]),
      [
        ['a', 'a broken'],
        ['b', 'b busy'],
      ],
    );
    assert.match(err.message, /a: a broken; b: b busy/);
  });

  it('gives up with AllProvidersFailedError when totalTimeoutMs passes before any output', async () => {
    const a = new FakeDialogue('a', [{ kind: 'hang' }]);
    const b = new FakeDialogue('b', [{ kind: 'ok', chunks: [text('B')] }]);
    const { r } = router([a, b], { totalTimeoutMs: 20, firstOutputTimeoutMs: 5000 });
    const err = await rejection(run(r));
    assert.ok(err instanceof AllProvidersFailedError);
    const last = err.failures[err.failures.length - 1]?.error;
    assert.ok(last instanceof ProviderTimeoutError && last.kind === 'total');
    assert.equal(b.calls, 0);
  });

  it('a totalTimeoutMs that passes after output fails the stream as StageFailedAfterOutputError', async () => {
    const a = new FakeDialogue('a', [{ kind: 'yield_then_hang', chunks: [text('Hel')] }]);
    const { r } = router([a], { totalTimeoutMs: 20 });
    const err = await rejection(run(r));
    assert.ok(err instanceof StageFailedAfterOutputError);
    assert.ok(err.cause instanceof ProviderTimeoutError && err.cause.kind === 'total');
  });

  it('stops at once on abort: AbortError, no retry, no fallback, no breaker failure', async () => {
    const a = new FakeDialogue('a', [{ kind: 'hang' }]);
    const b = new FakeDialogue('b', [{ kind: 'ok', chunks: [text('B')] }]);
    const { r } = router([a, b], { breaker: { failureThreshold: 1 } });
    const ac = new AbortController();
    const pending = run(r, ac.signal);
    await until(() => a.calls === 1, 'first attempt');
    ac.abort();
    const err = await rejection(pending);
    assert.equal(err.name, 'AbortError');
    assert.equal(a.signals[0]?.aborted, true);
    assert.equal(a.calls, 1);
    assert.equal(b.calls, 0);
    assert.deepEqual(r.providerStates(), [
      { provider: 'a', state: 'closed' },
      { provider: 'b', state: 'closed' },
    ]);
  });

  it('an abort during the backoff wait ends the request with AbortError and no further attempt', async () => {
    const a = new FakeDialogue('a', [{ kind: 'retryable' }, { kind: 'ok', chunks: [text('A')] }]);
    const { r, log } = router([a], { sleep: undefined, random: () => 0.99, backoff: { baseMs: 60_000, maxMs: 60_000 } });
    const ac = new AbortController();
    const pending = run(r, ac.signal);
    await until(() => log.of('retry').length === 1, 'retry scheduled');
    ac.abort();
    assert.equal((await rejection(pending)).name, 'AbortError');
    assert.equal(a.calls, 1);
  });

  it('the total deadline also ends a backoff wait', async () => {
    const a = new FakeDialogue('a', [{ kind: 'retryable', retryAfterS: 60 }, { kind: 'ok', chunks: [text('A')] }]);
    const { r } = router([a], { sleep: undefined, backoff: { baseMs: 100, maxMs: 60_000 }, totalTimeoutMs: 20 });
    const err = await rejection(run(r));
    assert.ok(err instanceof AllProvidersFailedError);
    assert.equal(a.calls, 1);
  });

  it('throws AbortError without calling anyone when the signal is already aborted', async () => {
    const a = new FakeDialogue('a', [{ kind: 'ok', chunks: [text('A')] }]);
    const { r } = router([a]);
    const err = await rejection(run(r, AbortSignal.abort()));
    assert.equal(err.name, 'AbortError');
    assert.equal(a.calls, 0);
  });

  it('an abort after output is an AbortError too, not a stage failure', async () => {
    const a = new FakeDialogue('a', [{ kind: 'yield_then_hang', chunks: [text('Hel')] }]);
    const { r } = router([a]);
    const ac = new AbortController();
    const it = r.generate(request, ac.signal)[Symbol.asyncIterator]();
    assert.deepEqual((await it.next()).value, text('Hel'));
    const next = it.next();
    ac.abort();
    assert.equal((await rejection(next)).name, 'AbortError');
  });

  it('stops the provider when the consumer stops early', async () => {
    const a = new FakeDialogue('a', [{ kind: 'yield_then_hang', chunks: [text('one')] }]);
    const { r } = router([a]);
    for await (const _chunk of r.generate(request, new AbortController().signal)) break;
    assert.equal(a.signals[0]?.aborted, true);
  });

  it('opens a breaker after failureThreshold failures, skips its provider, then lets one trial through', async () => {
    let now = 0;
    const a = new FakeDialogue('a', [{ kind: 'fail' }, { kind: 'fail' }, { kind: 'ok', chunks: [text('A')] }]);
    const b = new FakeDialogue('b', [{ kind: 'ok', chunks: [text('B')] }]);
    const { r, log } = router([a, b], { breaker: { failureThreshold: 2, openMs: 1000, now: () => now } });
    await run(r);
    await run(r);
    assert.equal(r.providerStates()[0]?.state, 'open');
    assert.deepEqual(
      log.of('breaker_state').map((e) => [e.provider, e.previous, e.state]),
      [['a', 'closed', 'open']],
    );
    assert.deepEqual(await run(r), [text('B')]);
    assert.equal(a.calls, 2, 'skipped while open');
    assert.equal(log.of('fallback').at(-1)?.reason, 'breaker_open');
    now = 1000;
    assert.deepEqual(await run(r), [text('A')], 'half-open trial goes to a');
    assert.equal(r.providerStates()[0]?.state, 'closed');
  });

  it('reopens the breaker when the half-open trial fails', async () => {
    let now = 0;
    const a = new FakeDialogue('a', [{ kind: 'fail' }]);
    const b = new FakeDialogue('b', [{ kind: 'ok', chunks: [text('B')] }]);
    const { r } = router([a, b], { breaker: { failureThreshold: 1, openMs: 1000, now: () => now } });
    await run(r);
    now = 1000;
    assert.deepEqual(await run(r), [text('B')]);
    assert.equal(a.calls, 2);
    assert.equal(r.providerStates()[0]?.state, 'open');
  });

  it('an aborted half-open trial frees the trial slot and records nothing', async () => {
    let now = 0;
    const a = new FakeDialogue('a', [{ kind: 'fail' }, { kind: 'hang' }, { kind: 'ok', chunks: [text('A')] }]);
    const b = new FakeDialogue('b', [{ kind: 'ok', chunks: [text('B')] }]);
    const { r } = router([a, b], { breaker: { failureThreshold: 1, openMs: 1000, now: () => now } });
    await run(r);
    now = 1000;
    const ac = new AbortController();
    const pending = run(r, ac.signal);
    await until(() => a.calls === 2, 'trial');
    ac.abort();
    await rejection(pending);
    assert.equal(r.providerStates()[0]?.state, 'half_open');
    assert.deepEqual(await run(r), [text('A')], 'the next request gets the trial');
  });

  it('reports breaker changes to a ProviderHealth registry', async () => {
    const health = new ProviderHealth();
    const changes: string[] = [];
    health.subscribe((c) => changes.push(`${c.stage}/${c.router}/${c.provider}:${c.previous}->${c.state}`));
    const a = new FakeDialogue('a', [{ kind: 'fail' }]);
    const b = new FakeDialogue('b', [{ kind: 'ok', chunks: [text('B')] }]);
    const { r } = router([a, b], { health, breaker: { failureThreshold: 1 } });
    await run(r);
    assert.deepEqual(changes, ['dialogue/llm/a:closed->open']);
    assert.deepEqual(health.list(), [
      { stage: 'dialogue', router: 'llm', provider: 'a', state: 'open' },
      { stage: 'dialogue', router: 'llm', provider: 'b', state: 'closed' },
    ]);
    r.dispose();
    assert.deepEqual(health.list(), []);
  });

  it('refuses an empty provider list and duplicate ids', () => {
    assert.throws(() => new DialogueRouter({ id: 'x', providers: [] }), RangeError);
    const a = new FakeDialogue('a', []);
    assert.throws(() => new DialogueRouter({ id: 'x', providers: [a, a] }), /listed twice/);
  });
});
