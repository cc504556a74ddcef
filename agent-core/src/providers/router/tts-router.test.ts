import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AllProvidersFailedError, ProviderTimeoutError, StageFailedAfterOutputError } from './errors.js';
import { collect, EventLog, FakeTts, pcm, recordingSleep, rejection, until } from './test-fakes.js';
import { TtsRouter, type TtsRouterOptions } from './tts-router.js';

function router(providers: FakeTts[], extra: Partial<TtsRouterOptions> = {}) {
  const log = new EventLog();
  const { delays, sleep } = recordingSleep();
  const r = new TtsRouter({ id: 'voice', providers, retries: 1, random: () => 0, sleep, onEvent: log.listener, firstOutputTimeoutMs: 1000, ...extra });
  return { r, log, delays };
}

const say = (r: TtsRouter, signal = new AbortController().signal) => collect(r.synthesize('Hello', { sessionId: 's1' }, signal));
const flat = (pieces: Int16Array[]) => pieces.flatMap((p) => [...p]);

describe('TtsRouter', () => {
  it('streams the first provider\'s audio', async () => {
    const a = new FakeTts('a', [{ kind: 'ok', chunks: [pcm(1, 2), pcm(3)] }]);
    const { r } = router([a]);
    assert.deepEqual(flat(await say(r)), [1, 2, 3]);
  });

  it('retries a retryable failure and then falls back to the next engine', async () => {
    const a = new FakeTts('a', [{ kind: 'retryable' }]);
    const b = new FakeTts('b', [{ kind: 'ok', chunks: [pcm(7)] }]);
    const { r, log } = router([a, b]);
    assert.deepEqual(flat(await say(r)), [7]);
    assert.equal(a.calls, 2);
    assert.deepEqual(
      log.of('attempt').map((e) => `${e.provider}#${e.attempt}`),
      ['a#1', 'a#2', 'b#1'],
    );
  });

  it('an empty audio piece is not output: a failure after it is still retried', async () => {
    const a = new FakeTts('a', [{ kind: 'yield_then_fail', chunks: [pcm()] }, { kind: 'ok', chunks: [pcm(5)] }]);
    const { r } = router([a]);
    assert.deepEqual(flat(await say(r)), [5]);
    assert.equal(a.calls, 2);
  });

  it('a failure after audio was delivered is not retried and surfaces as StageFailedAfterOutputError', async () => {
    const a = new FakeTts('a', [{ kind: 'yield_then_fail', chunks: [pcm(1)] }]);
    const b = new FakeTts('b', [{ kind: 'ok', chunks: [pcm(9)] }]);
    const { r } = router([a, b]);
    const err = await rejection(say(r));
    assert.ok(err instanceof StageFailedAfterOutputError);
    assert.equal(err.stage, 'tts');
    assert.equal(err.chunksDelivered, 1);
    assert.equal(a.calls, 1);
    assert.equal(b.calls, 0);
  });

  it('aborts an engine that produces no audio within firstOutputTimeoutMs and falls back', async () => {
    const a = new FakeTts('a', [{ kind: 'hang' }]);
    const b = new FakeTts('b', [{ kind: 'ok', chunks: [pcm(4)] }]);
    const { r } = router([a, b], { firstOutputTimeoutMs: 20, retries: 0 });
    assert.deepEqual(flat(await say(r)), [4]);
    assert.ok(a.signals[0]?.reason instanceof ProviderTimeoutError);
  });

  it('lists every engine when all fail', async () => {
    const a = new FakeTts('a', [{ kind: 'fail' }]);
    const b = new FakeTts('b', [{ kind: 'fail' }]);
    const { r } = router([a, b]);
    const err = await rejection(say(r));
    assert.ok(err instanceof AllProvidersFailedError);
    assert.deepEqual(
      err.failures.map((f) => f.provider),
      ['a', 'b'],
    );
  });

  it('abort stops synthesis with an AbortError and records no breaker failure', async () => {
    const a = new FakeTts('a', [{ kind: 'hang' }]);
    const { r } = router([a], { breaker: { failureThreshold: 1 } });
    const ac = new AbortController();
    const pending = say(r, ac.signal);
    await until(() => a.calls === 1, 'attempt');
    ac.abort();
    assert.equal((await rejection(pending)).name, 'AbortError');
    assert.equal(r.providerStates()[0]?.state, 'closed');
  });
});
