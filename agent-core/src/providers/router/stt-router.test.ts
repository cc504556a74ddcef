import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SttEvent } from '../ports.js';
import { RetryableProviderError } from '../ports.js';
import { AllProvidersFailedError, ProviderTimeoutError } from './errors.js';
import { SttRouter, type SttRouterOptions } from './stt-router.js';
import { EventLog, FakeStt, pcm, recordingSleep, rejection, startOpts, until } from './test-fakes.js';

function router(providers: FakeStt[], extra: Partial<SttRouterOptions> = {}) {
  const log = new EventLog();
  const { sleep } = recordingSleep();
  const r = new SttRouter({ id: 'asr', providers, retries: 1, random: () => 0, sleep, onEvent: log.listener, startTimeoutMs: 1000, finalTimeoutMs: 0, ...extra });
  return { r, log };
}

async function open(r: SttRouter, signal = new AbortController().signal) {
  const stream = await r.start(startOpts, signal);
  const seen: SttEvent[] = [];
  stream.onEvent((e) => seen.push(e));
  return { stream, seen };
}

describe('SttRouter start', () => {
  it('opens the stream on the first provider', async () => {
    const a = new FakeStt('a');
    const b = new FakeStt('b');
    const { r } = router([a, b]);
    const { stream } = await open(r);
    stream.push(pcm(1));
    assert.deepEqual(a.last.samples(), [1]);
    assert.equal(b.starts, 0);
  });

  it('retries a retryable start failure, then falls back', async () => {
    const a = new FakeStt('a', ['retryable']);
    const b = new FakeStt('b', ['ok']);
    const { r, log } = router([a, b]);
    const { stream } = await open(r);
    stream.push(pcm(2));
    assert.equal(a.starts, 2);
    assert.deepEqual(b.last.samples(), [2]);
    assert.equal(log.of('fallback')[0]?.reason, 'retries_exhausted');
  });

  it('aborts a start that hangs past startTimeoutMs and falls back', async () => {
    const a = new FakeStt('a', ['hang']);
    const b = new FakeStt('b', ['ok']);
    const { r } = router([a, b], { startTimeoutMs: 20, retries: 0 });
    await open(r);
    assert.equal(b.starts, 1);
    assert.ok(a.signals[0]?.reason instanceof ProviderTimeoutError);
  });

  it('rejects with AllProvidersFailedError naming each provider when none starts', async () => {
    const { r } = router([new FakeStt('a', ['fail']), new FakeStt('b', ['fail'])]);
    const err = await rejection(r.start(startOpts, new AbortController().signal));
    assert.ok(err instanceof AllProvidersFailedError);
    assert.deepEqual(
      err.failures.map((f) => f.error.message),
      ['a cannot start', 'b cannot start'],
    );
  });

  it('rejects with AbortError when aborted during start, with no breaker failure', async () => {
    const a = new FakeStt('a', ['hang']);
    const { r } = router([a], { breaker: { failureThreshold: 1 } });
    const ac = new AbortController();
    const pending = r.start(startOpts, ac.signal);
    await until(() => a.starts === 1, 'start');
    ac.abort();
    assert.equal((await rejection(pending)).name, 'AbortError');
    assert.equal(r.providerStates()[0]?.state, 'closed');
  });
});

describe('SttRouter stream', () => {
  it('passes partials and finals through', async () => {
    const a = new FakeStt('a');
    const { r } = router([a]);
    const { seen } = await open(r);
    a.last.emit({ type: 'partial', text: 'boo' });
    a.last.emit({ type: 'final', text: 'book' });
    assert.deepEqual(seen, [
      { type: 'partial', text: 'boo' },
      { type: 'final', text: 'book' },
    ]);
  });

  it('fails over mid-call: the next provider gets the buffered audio, the session sees no error', async () => {
    const a = new FakeStt('a');
    const b = new FakeStt('b');
    const { r, log } = router([a, b]);
    const { stream, seen } = await open(r);
    stream.push(pcm(1, 2));
    stream.push(pcm(3));
    const first = a.last;
    first.emit({ type: 'error', error: new RetryableProviderError('socket closed') });
    await until(() => log.of('failover').length === 1, 'failover');
    stream.push(pcm(4));
    assert.deepEqual(b.last.samples(), [1, 2, 3, 4]);
    b.last.emit({ type: 'final', text: 'book' });
    assert.deepEqual(seen, [{ type: 'final', text: 'book' }]);
    assert.equal(first.closed, true);
    const [f] = log.of('failover');
    assert.equal(f?.provider, 'a');
    assert.equal(f?.next, 'b');
    assert.equal(f?.replayedMs, 3 / 8);
  });

  it('buffers audio pushed while switching and replays it in order', async () => {
    const a = new FakeStt('a');
    const b = new FakeStt('b', ['manual']);
    const { r, log } = router([a, b]);
    const { stream } = await open(r);
    stream.push(pcm(1));
    a.last.emit({ type: 'error', error: new Error('engine crashed') });
    await until(() => b.release !== undefined, 'b start');
    stream.push(pcm(2));
    stream.push(pcm(3));
    assert.equal(a.last.samples().length, 1, 'nothing more to the failed stream');
    b.release?.();
    await until(() => log.of('failover').length === 1, 'failover');
    stream.push(pcm(4));
    assert.deepEqual(b.last.samples(), [1, 2, 3, 4]);
  });

  it('replays only the audio since the last final', async () => {
    const a = new FakeStt('a');
    const b = new FakeStt('b');
    const { r, log } = router([a, b]);
    const { stream } = await open(r);
    stream.push(pcm(1));
    a.last.emit({ type: 'final', text: 'yes' });
    stream.push(pcm(2));
    a.last.emit({ type: 'error', error: new Error('gone') });
    await until(() => log.of('failover').length === 1, 'failover');
    assert.deepEqual(b.last.samples(), [2]);
  });

  it('keeps at most replayMs of audio for the replay', async () => {
    const a = new FakeStt('a');
    const b = new FakeStt('b');
    // 1 ms at 8 kHz = 8 samples
    const { r, log } = router([a, b], { replayMs: 1 });
    const { stream } = await open(r);
    stream.push(pcm(1, 2, 3, 4, 5, 6));
    stream.push(pcm(7, 8, 9, 10));
    a.last.emit({ type: 'error', error: new Error('gone') });
    await until(() => log.of('failover').length === 1, 'failover');
    assert.deepEqual(b.last.samples(), [3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('repeats a pending flush on the new stream', async () => {
    const a = new FakeStt('a');
    const b = new FakeStt('b');
    const { r, log } = router([a, b]);
    const { stream } = await open(r);
    stream.push(pcm(1));
    stream.flush();
    a.last.emit({ type: 'error', error: new Error('gone') });
    await until(() => log.of('failover').length === 1, 'failover');
    assert.equal(b.last.flushes, 1);
  });

  it('ignores what a retired stream says after the failover', async () => {
    const a = new FakeStt('a');
    const b = new FakeStt('b');
    const { r, log } = router([a, b]);
    const { seen } = await open(r);
    const first = a.last;
    first.emit({ type: 'error', error: new Error('gone') });
    await until(() => log.of('failover').length === 1, 'failover');
    first.emit({ type: 'final', text: 'stale' });
    assert.deepEqual(seen, []);
  });

  it('counts a mid-call error against the provider\'s breaker', async () => {
    const a = new FakeStt('a');
    const b = new FakeStt('b');
    const { r, log } = router([a, b], { breaker: { failureThreshold: 1 } });
    await open(r);
    a.last.emit({ type: 'error', error: new Error('gone') });
    await until(() => log.of('failover').length === 1, 'failover');
    assert.deepEqual(r.providerStates(), [
      { provider: 'a', state: 'open' },
      { provider: 'b', state: 'closed' },
    ]);
  });

  it('reconnects to the same provider when it is the only one', async () => {
    const a = new FakeStt('a');
    const { r, log } = router([a]);
    const { stream, seen } = await open(r);
    stream.push(pcm(1));
    const first = a.last;
    first.emit({ type: 'error', error: new Error('websocket dropped') });
    await until(() => log.of('failover').length === 1, 'failover');
    assert.notEqual(a.last, first);
    assert.deepEqual(a.last.samples(), [1]);
    assert.equal(log.of('failover')[0]?.next, 'a');
    assert.deepEqual(seen, []);
  });

  it('emits one error event when no provider can take over, and ignores audio afterwards', async () => {
    const a = new FakeStt('a', ['ok', 'fail']);
    const b = new FakeStt('b', ['fail']);
    const { r } = router([a, b]);
    const { stream, seen } = await open(r);
    a.last.emit({ type: 'error', error: new Error('gone') });
    await until(() => seen.length > 0, 'error event');
    assert.equal(seen.length, 1);
    const [ev] = seen;
    assert.ok(ev?.type === 'error' && ev.error instanceof AllProvidersFailedError);
    assert.deepEqual(
      ev.error.failures.map((f) => f.provider),
      ['b', 'a'],
    );
    stream.push(pcm(1));
    stream.flush();
    assert.equal(a.last.samples().length, 0);
  });

  it('emits an empty final and a stall event when no final follows flush within finalTimeoutMs', async () => {
    const a = new FakeStt('a');
    const { r, log } = router([a], { finalTimeoutMs: 20 });
    const { stream, seen } = await open(r);
    stream.push(pcm(1));
    stream.flush();
    assert.equal(a.last.flushes, 1);
    await until(() => seen.length > 0, 'synthetic final');
    assert.deepEqual(seen, [{ type: 'final', text: '' }]);
    const [s] = log.of('stall');
    assert.equal(s?.provider, 'a');
    assert.equal(s?.finalTimeoutMs, 20);
  });

  it('does not stall when the final arrives in time', async () => {
    const a = new FakeStt('a');
    const { r, log } = router([a], { finalTimeoutMs: 20 });
    const { stream, seen } = await open(r);
    stream.flush();
    a.last.emit({ type: 'final', text: 'yes' });
    await new Promise((res) => setTimeout(res, 40));
    assert.deepEqual(seen, [{ type: 'final', text: 'yes' }]);
    assert.equal(log.of('stall').length, 0);
  });

  it('close() closes the provider\'s stream and stops events', async () => {
    const a = new FakeStt('a');
    const { r } = router([a]);
    const { stream, seen } = await open(r);
    await stream.close();
    assert.equal(a.last.closed, true);
    a.last.emit({ type: 'final', text: 'late' });
    stream.push(pcm(1));
    assert.deepEqual(seen, []);
    assert.equal(a.last.samples().length, 0);
  });

  it('abort of the start signal stops the stream without an error event', async () => {
    const a = new FakeStt('a');
    const { r } = router([a], { breaker: { failureThreshold: 1 } });
    const ac = new AbortController();
    const { seen } = await open(r, ac.signal);
    ac.abort();
    await until(() => a.last.closed, 'closed');
    assert.equal(a.last.signal.aborted, true);
    assert.deepEqual(seen, []);
    assert.equal(r.providerStates()[0]?.state, 'closed');
  });

  it('delivers events that came before the session subscribed', async () => {
    const a = new FakeStt('a');
    const { r } = router([a]);
    const stream = await r.start(startOpts, new AbortController().signal);
    a.last.emit({ type: 'partial', text: 'early' });
    const seen: SttEvent[] = [];
    stream.onEvent((e) => seen.push(e));
    assert.deepEqual(seen, [{ type: 'partial', text: 'early' }]);
  });
});
