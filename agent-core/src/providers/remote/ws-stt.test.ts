import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { RetryableProviderError, type SttEvent, type SttStartOptions, type SttStream } from '../ports.js';
import { FakeSttServer, fakeSttMode, unusedPort, waitFor } from '../../testing/index.js';
import { WebSocketStt, type WebSocketSttOptions } from './ws-stt.js';

let server: FakeSttServer;

before(async () => {
  server = await FakeSttServer.start({ apiKey: 'dg-key', bytesPerWord: 1600 });
});
after(async () => {
  await server.close();
});

function stt(extra: Partial<WebSocketSttOptions> = {}, srv = server): WebSocketStt {
  return new WebSocketStt({ id: 'remote-stt', url: srv.url, apiKey: 'dg-key', finalizeTimeoutMs: 1000, ...extra });
}

const START: SttStartOptions = {
  sessionId: 's1',
  hints: { words: ['Tuesday', 'two'], phrases: ['book a table'] },
};

/** 20 ms frames of a quiet signal, `ms` long */
function pushAudio(stream: SttStream, ms: number): number {
  const frames = Math.round(ms / 20);
  for (let i = 0; i < frames; i++) {
    const f = new Int16Array(160);
    for (let k = 0; k < f.length; k++) f[k] = Math.round(1000 * Math.sin(k / 3));
    stream.push(f);
  }
  return frames * 320;
}

function recorder(stream: SttStream): SttEvent[] {
  const events: SttEvent[] = [];
  stream.onEvent((e) => events.push(e));
  return events;
}

const finals = (events: SttEvent[]): SttEvent[] => events.filter((e) => e.type === 'final');
const partials = (events: SttEvent[]): string[] => events.flatMap((e) => (e.type === 'partial' ? [e.text] : []));

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof Error, `not an Error: ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

test('partials of growing prefixes, then the final after flush; query, auth and audio as the protocol wants', async () => {
  server.enqueueTranscripts('book a table for two');
  const index = server.connections.length;
  const stream = await stt({ model: 'nova-2', extraParams: { punctuate: true } }).start(
    { ...START, language: 'en-GB' },
    new AbortController().signal,
  );
  const events = recorder(stream);
  const sent = pushAudio(stream, 600);
  await waitFor(() => partials(events).length >= 5, 2000, 'five partials');
  assert.deepEqual(partials(events), ['book', 'book a', 'book a table', 'book a table for', 'book a table for two']);
  assert.equal(finals(events).length, 0, 'no final before flush');
  stream.flush();
  await waitFor(() => finals(events).length === 1, 2000, 'the final');
  assert.deepEqual(finals(events)[0], { type: 'final', text: 'book a table for two', confidence: 0.9 });

  const conn = await server.waitForConnection(index, (c) => c.bytesReceived === sent);
  assert.equal(conn.path, '/v1/listen');
  assert.deepEqual(conn.query.encoding, ['linear16']);
  assert.deepEqual(conn.query.sample_rate, ['8000']);
  assert.deepEqual(conn.query.channels, ['1']);
  assert.deepEqual(conn.query.interim_results, ['true']);
  assert.deepEqual(conn.query.model, ['nova-2']);
  assert.deepEqual(conn.query.language, ['en-GB']);
  assert.deepEqual(conn.query.keywords, ['Tuesday', 'two', 'book a table']);
  assert.deepEqual(conn.query.punctuate, ['true']);
  assert.equal(conn.headers.authorization, 'Token dg-key');
  assert.deepEqual(
    conn.controlMessages.map((m) => m.type),
    ['Finalize'],
  );
  await stream.close();
  await server.waitForConnection(index, (c) => c.closed);
  assert.deepEqual(
    conn.controlMessages.map((m) => m.type),
    ['Finalize', 'CloseStream'],
  );
  assert.equal(events.filter((e) => e.type === 'error').length, 0, 'a clean close is not an error');
});

test('is_final segments of one utterance are concatenated into its final; the next utterance starts fresh', async () => {
  const seg = await FakeSttServer.start({ bytesPerWord: 800, segmentWords: 2 });
  try {
    seg.enqueueTranscripts('one two three four five', 'yes please');
    const stream = await stt({ apiKey: undefined }, seg).start(START, new AbortController().signal);
    const events = recorder(stream);
    pushAudio(stream, 300); // 4800 bytes → 6 words' worth, capped at 5: segments "one two", "three four", interim "five"
    await waitFor(() => partials(events).includes('one two three four five'), 2000, 'the partial with all words');
    stream.flush();
    await waitFor(() => finals(events).length === 1, 2000, 'the first final');
    assert.equal((finals(events)[0] as { text: string }).text, 'one two three four five');

    pushAudio(stream, 200);
    await waitFor(() => partials(events).includes('yes please'), 2000, 'second utterance partial');
    stream.flush();
    await waitFor(() => finals(events).length === 2, 2000, 'the second final');
    assert.equal((finals(events)[1] as { text: string }).text, 'yes please');
    assert.ok(!partials(events).some((p) => p.startsWith('one') && p.includes('yes')), 'utterances do not bleed');
    assert.equal(seg.connections[0]?.headers.authorization, undefined, 'no key, no Authorization header');
    await stream.close();
  } finally {
    await seg.close();
  }
});

test('flush with nothing recognised → final with empty text', async () => {
  server.enqueueTranscripts('');
  const stream = await stt().start(START, new AbortController().signal);
  const events = recorder(stream);
  pushAudio(stream, 200);
  stream.flush();
  await waitFor(() => finals(events).length === 1, 2000, 'the final');
  assert.deepEqual(finals(events)[0], { type: 'final', text: '' });
  await stream.close();
});

test('a server that never answers Finalize: the final comes after finalizeTimeoutMs with what was finalised', async () => {
  const seg = await FakeSttServer.start({ bytesPerWord: 800, segmentWords: 2 });
  try {
    seg.enqueueModes(fakeSttMode.ignoreFinalize());
    seg.enqueueTranscripts('alpha beta gamma');
    const stream = await stt({ apiKey: undefined, finalizeTimeoutMs: 60 }, seg).start(START, new AbortController().signal);
    const events = recorder(stream);
    pushAudio(stream, 200); // 3200 bytes: segment "alpha beta", interim "gamma"
    await waitFor(() => partials(events).includes('alpha beta gamma'), 2000, 'partials');
    stream.flush();
    await waitFor(() => finals(events).length === 1, 2000, 'the timed-out final');
    assert.equal((finals(events)[0] as { text: string }).text, 'alpha beta');
    await stream.close();
  } finally {
    await seg.close();
  }

  // and with nothing at all
  server.enqueueModes(fakeSttMode.ignoreFinalize());
  const stream = await stt({ finalizeTimeoutMs: 40 }).start(START, new AbortController().signal);
  const events = recorder(stream);
  stream.flush();
  await waitFor(() => finals(events).length === 1, 2000, 'the empty final');
  assert.deepEqual(finals(events)[0], { type: 'final', text: '' });
  await stream.close();
});

test('KeepAlive goes out when no audio was sent for keepAliveMs', async () => {
  const index = server.connections.length;
  const stream = await stt({ keepAliveMs: 40 }).start(START, new AbortController().signal);
  const conn = await server.waitForConnection(index);
  await waitFor(() => conn.controlMessages.some((m) => m.type === 'KeepAlive'), 2000, 'a KeepAlive');
  await stream.close();
});

test('a dropped socket mid-call → exactly one error event, then nothing', async () => {
  server.enqueueModes(fakeSttMode.dropAfterBytes(3200));
  server.enqueueTranscripts('this will be cut off');
  const index = server.connections.length;
  const stream = await stt().start(START, new AbortController().signal);
  const events = recorder(stream);
  pushAudio(stream, 400);
  await waitFor(() => events.some((e) => e.type === 'error'), 2000, 'the error event');
  assert.ok(server.connections[index]?.dropped);
  pushAudio(stream, 100);
  stream.flush();
  await new Promise((r) => setTimeout(r, 50));
  const errors = events.filter((e) => e.type === 'error');
  assert.equal(errors.length, 1);
  assert.equal(events.at(-1)?.type, 'error', 'nothing after the error');
  assert.match((errors[0] as { error: Error }).error.message, /connection lost/);
  await stream.close(); // still resolves
});

test('upgrade refused with 429 / 503 → RetryableProviderError (with Retry-After); 401 / 403 → plain Error', async () => {
  server.enqueueModes(fakeSttMode.refuse(429, 4));
  const e429 = await failure(stt().start(START, new AbortController().signal));
  assert.ok(e429 instanceof RetryableProviderError, e429.message);
  assert.equal(e429.retryAfterS, 4);

  server.enqueueModes(fakeSttMode.refuse(503));
  const e503 = await failure(stt().start(START, new AbortController().signal));
  assert.ok(e503 instanceof RetryableProviderError);

  const e401 = await failure(stt({ apiKey: 'wrong' }).start(START, new AbortController().signal));
  assert.ok(!(e401 instanceof RetryableProviderError));
  assert.match(e401.message, /401/);

  server.enqueueModes(fakeSttMode.refuse(403));
  const e403 = await failure(stt().start(START, new AbortController().signal));
  assert.ok(!(e403 instanceof RetryableProviderError));
  assert.match(e403.message, /403/);
});

test('connection refused → RetryableProviderError', async () => {
  const port = await unusedPort();
  const err = await failure(
    new WebSocketStt({ id: 'remote-stt', url: `ws://127.0.0.1:${port}/v1/listen` }).start(START, new AbortController().signal),
  );
  assert.ok(err instanceof RetryableProviderError, err.message);
  assert.match(err.message, /ECONNREFUSED/);
});

test('a server that accepts TCP but never answers the upgrade: timeout → Retryable; abort → AbortError', async () => {
  const sockets = new Set<Socket>();
  const silent: Server = createServer((s) => {
    sockets.add(s);
    s.resume(); // read (and ignore) the upgrade request so that the client's FIN is seen
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const url = `ws://127.0.0.1:${(silent.address() as AddressInfo).port}/v1/listen`;
  try {
    const timedOut = await failure(
      new WebSocketStt({ id: 'remote-stt', url, connectTimeoutMs: 60 }).start(START, new AbortController().signal),
    );
    assert.ok(timedOut instanceof RetryableProviderError, timedOut.message);
    await waitFor(() => sockets.size === 0, 2000, 'the timed-out socket to close');

    const ctl = new AbortController();
    const run = new WebSocketStt({ id: 'remote-stt', url }).start(START, ctl.signal);
    await waitFor(() => sockets.size > 0, 2000, 'the TCP connection');
    ctl.abort();
    const aborted = await failure(run);
    assert.equal(aborted.name, 'AbortError');
    await waitFor(() => sockets.size === 0, 2000, 'the socket to close');
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  }
});

test('abort after start closes the socket and emits nothing more', async () => {
  server.enqueueTranscripts('never mind');
  const index = server.connections.length;
  const ctl = new AbortController();
  const stream = await stt().start(START, ctl.signal);
  const events = recorder(stream);
  pushAudio(stream, 60);
  ctl.abort();
  await server.waitForConnection(index, (c) => c.closed);
  pushAudio(stream, 200);
  stream.flush();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(events.filter((e) => e.type !== 'partial').length, 0, `events: ${JSON.stringify(events)}`);
  await stream.close();
});

test('events that arrive before a listener is registered are delivered to the first listener', async () => {
  server.enqueueTranscripts('early words');
  const stream = await stt().start(START, new AbortController().signal);
  pushAudio(stream, 400);
  stream.flush();
  const index = server.connections.length - 1;
  await server.waitForConnection(index, (c) => c.resultsSent >= 3);
  await new Promise((r) => setTimeout(r, 20));
  const events = recorder(stream);
  assert.deepEqual(events.at(-1), { type: 'final', text: 'early words', confidence: 0.9 });
  await stream.close();
});
