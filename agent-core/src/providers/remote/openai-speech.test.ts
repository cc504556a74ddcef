import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RetryableProviderError } from '../ports.js';
import { FakeOpenAiServer, fakeMode, unusedPort, waitFor } from '../../testing/index.js';
import { OpenAiSpeechTts, type OpenAiSpeechOptions } from './openai-speech.js';

let server: FakeOpenAiServer;

before(async () => {
  server = await FakeOpenAiServer.start({ apiKey: 'sk-tts', speechToneHz: 440, speechAmplitude: 8000 });
});
after(async () => {
  await server.close();
});

function tts(extra: Partial<OpenAiSpeechOptions> = {}, srv = server): OpenAiSpeechTts {
  return new OpenAiSpeechTts({ id: 'remote-tts', baseUrl: srv.baseUrl, model: 'tts-test', apiKey: 'sk-tts', ...extra });
}

async function collect(t: OpenAiSpeechTts, text: string, signal = new AbortController().signal): Promise<Int16Array[]> {
  const out: Int16Array[] = [];
  for await (const piece of t.synthesize(text, { sessionId: 's1' }, signal)) out.push(piece);
  return out;
}

function total(pieces: Int16Array[]): number {
  return pieces.reduce((n, p) => n + p.length, 0);
}

function joined(pieces: Int16Array[]): Int16Array {
  const out = new Int16Array(total(pieces));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function amplitude(x: Int16Array): number {
  const from = Math.floor(x.length / 4);
  const to = Math.floor((3 * x.length) / 4);
  let sum = 0;
  for (let i = from; i < to; i++) sum += (x[i] as number) ** 2;
  return Math.sqrt(sum / (to - from)) * Math.SQRT2;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof Error, `not an Error: ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

const TEXT = 'Your table for two is booked for Tuesday at seven.';

test('pcm (24 kHz): 8 kHz output as long as the speech, in several pieces, tone intact, request well-formed', async () => {
  const index = server.requests.length;
  const pieces = await collect(tts({ extraHeaders: { 'x-trace': 't1' } }), TEXT);
  const expected = Math.ceil((server.speechSamplesFor(TEXT) * 8000) / server.speechSampleRate);
  assert.ok(Math.abs(total(pieces) - expected) <= 1, `got ${total(pieces)} samples, expected ${expected}`);
  assert.ok(pieces.length >= 3, `pieces ${pieces.length}`);
  const amp = amplitude(joined(pieces));
  assert.ok(Math.abs(amp - 8000) < 150, `amplitude ${amp}`);

  const rec = server.requests[index];
  assert.equal(rec?.path, '/v1/audio/speech');
  assert.equal(rec?.headers.authorization, 'Bearer sk-tts');
  assert.equal(rec?.headers['x-trace'], 't1');
  assert.deepEqual(rec?.body, { model: 'tts-test', input: TEXT, voice: 'alloy', response_format: 'pcm' });
});

test('the voice from the request wins over the configured one', async () => {
  const index = server.requests.length;
  const t = tts({ voice: 'nova', speed: 1.2 });
  for await (const _ of t.synthesize('Hi.', { sessionId: 's', voice: 'onyx' }, new AbortController().signal)) {
    // drain
  }
  const body = server.requests[index]?.body as Record<string, unknown>;
  assert.equal(body.voice, 'onyx');
  assert.equal(body.speed, 1.2);
});

test('pieces are handed on while the body is still arriving', async () => {
  const slow = await FakeOpenAiServer.start({ speechChunks: 6, speechChunkGapMs: 40 });
  try {
    const t = tts({ apiKey: undefined }, slow);
    let sentWhenFirstArrived = -1;
    for await (const _ of t.synthesize(TEXT, { sessionId: 's' }, new AbortController().signal)) {
      if (sentWhenFirstArrived < 0) sentWhenFirstArrived = slow.requests[0]?.chunksSent ?? -1;
    }
    assert.ok(sentWhenFirstArrived >= 1 && sentWhenFirstArrived < 6, `server had sent ${sentWhenFirstArrived}/6 pieces`);
  } finally {
    await slow.close();
  }
});

test('wav: the rate comes from the header (24 kHz and 16 kHz sources)', async () => {
  const pieces = await collect(tts({ responseFormat: 'wav' }), TEXT);
  const expected = Math.ceil((server.speechSamplesFor(TEXT) * 8000) / 24_000);
  assert.ok(Math.abs(total(pieces) - expected) <= 1, `got ${total(pieces)}, expected ${expected}`);
  assert.equal((server.requests.at(-1)?.body as Record<string, unknown>).response_format, 'wav');

  const s16 = await FakeOpenAiServer.start({ speechSampleRate: 16_000, speechChunks: 9 });
  try {
    const p16 = await collect(tts({ apiKey: undefined, responseFormat: 'wav' }, s16), TEXT);
    const exp16 = Math.ceil((s16.speechSamplesFor(TEXT) * 8000) / 16_000);
    assert.ok(Math.abs(total(p16) - exp16) <= 1, `got ${total(p16)}, expected ${exp16}`);
    assert.ok(Math.abs(amplitude(joined(p16)) - 8000) < 150);
    // pcm from a non-OpenAI server at 16 kHz, configured explicitly
    const pcm16 = await collect(tts({ apiKey: undefined, sourceSampleRate: 16_000 }, s16), TEXT);
    assert.ok(Math.abs(total(pcm16) - exp16) <= 1);
  } finally {
    await s16.close();
  }
});

test('empty text: nothing to say, no request', async () => {
  const before = server.requests.length;
  assert.equal((await collect(tts(), '   ')).length, 0);
  assert.equal(server.requests.length, before);
});

test('429 with Retry-After → RetryableProviderError; 500 → RetryableProviderError; 401 → plain Error', async () => {
  server.enqueue(fakeMode.status(429, 3));
  const e429 = await failure(collect(tts(), TEXT));
  assert.ok(e429 instanceof RetryableProviderError);
  assert.equal(e429.retryAfterS, 3);

  server.enqueue(fakeMode.status(500));
  assert.ok((await failure(collect(tts(), TEXT))) instanceof RetryableProviderError);

  const e401 = await failure(collect(tts({ apiKey: 'nope' }), TEXT));
  assert.ok(!(e401 instanceof RetryableProviderError));
  assert.match(e401.message, /401/);
});

test('cut mid-stream after audio was emitted → Error("stream cut …")', async () => {
  server.enqueue(fakeMode.cutAfter(2));
  const got: Int16Array[] = [];
  const err = await failure(
    (async () => {
      for await (const p of tts().synthesize(TEXT, { sessionId: 's' }, new AbortController().signal)) got.push(p);
    })(),
  );
  assert.ok(got.length > 0);
  assert.match(err.message, /stream cut/);
  assert.ok(!(err instanceof RetryableProviderError));
});

test('connection refused → RetryableProviderError', async () => {
  const port = await unusedPort();
  const t = new OpenAiSpeechTts({ id: 'remote-tts', baseUrl: `http://127.0.0.1:${port}/v1`, model: 'x' });
  const err = await failure(collect(t, TEXT));
  assert.ok(err instanceof RetryableProviderError, err.message);
});

test('abort mid-stream: AbortError, nothing after the abort, the server sees the client go', async () => {
  const slow = await FakeOpenAiServer.start({ speechChunks: 8, speechChunkGapMs: 30 });
  try {
    const ctl = new AbortController();
    const got: Int16Array[] = [];
    let afterAbort = 0;
    const err = await failure(
      (async () => {
        for await (const p of tts({ apiKey: undefined }, slow).synthesize(TEXT, { sessionId: 's' }, ctl.signal)) {
          if (ctl.signal.aborted) afterAbort++;
          got.push(p);
          if (got.length === 1) ctl.abort();
        }
      })(),
    );
    assert.equal(err.name, 'AbortError');
    assert.equal(afterAbort, 0);
    await slow.waitForClientClose(0);
    assert.ok((slow.requests[0]?.chunksSent ?? 0) < 8);
  } finally {
    await slow.close();
  }
});

test('abort while waiting for the first audio → AbortError and the connection closes', async () => {
  server.enqueue(fakeMode.slowFirstToken(5000));
  const index = server.requests.length;
  const ctl = new AbortController();
  const run = collect(tts(), TEXT, ctl.signal);
  await waitFor(() => server.requests.length > index, 2000, 'the request');
  await new Promise((r) => setTimeout(r, 20));
  ctl.abort();
  const err = await failure(run);
  assert.equal(err.name, 'AbortError');
  await server.waitForClientClose(index);
});
