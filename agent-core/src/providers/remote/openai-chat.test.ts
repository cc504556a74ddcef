import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RetryableProviderError, type DialogueChunk, type DialogueRequest } from '../ports.js';
import { FakeOpenAiServer, fakeMode, unusedPort, waitFor } from '../../testing/index.js';
import { OpenAiChatModel, ToolCallAccumulator, toWireMessages, type OpenAiChatOptions } from './openai-chat.js';

let server: FakeOpenAiServer;

before(async () => {
  server = await FakeOpenAiServer.start({ apiKey: 'sk-test' });
});
after(async () => {
  await server.close();
});

function model(extra: Partial<OpenAiChatOptions> = {}): OpenAiChatModel {
  return new OpenAiChatModel({ id: 'remote-llm', baseUrl: server.baseUrl, model: 'gpt-test', apiKey: 'sk-test', ...extra });
}

function request(extra: Partial<DialogueRequest> = {}): DialogueRequest {
  return {
    sessionId: 's1',
    agent: 'front-desk',
    messages: [{ role: 'user', content: 'hi' }],
    tools: [],
    state: {},
    ...extra,
  };
}

async function collect(m: OpenAiChatModel, req = request(), signal = new AbortController().signal): Promise<DialogueChunk[]> {
  const out: DialogueChunk[] = [];
  for await (const c of m.generate(req, signal)) out.push(c);
  return out;
}

function text(chunks: DialogueChunk[]): string {
  return chunks.map((c) => (c.type === 'text' ? c.text : '')).join('');
}

/** the error a promise rejects with (fails when it resolves) */
async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof Error, `not an Error: ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

test('streams text in pieces, in order, and sends a well-formed request', async () => {
  const reply = 'Sure, I can book that for you. Which day suits you best?';
  server.enqueueReplies({ text: reply });
  const before = server.requests.length;
  const chunks = await collect(
    model({ temperature: 0.3, maxTokens: 200, extraHeaders: { 'x-team': 'voice' }, systemPrompt: 'You are terse.' }),
    request({
      tools: [{ name: 'book', description: 'Book a slot', parameters: { type: 'object', properties: { day: { type: 'string' } } } }],
    }),
  );
  assert.ok(chunks.length > 5, `expected many pieces, got ${chunks.length}`);
  assert.ok(chunks.every((c) => c.type === 'text'));
  assert.equal(text(chunks), reply);

  const rec = server.requests[before];
  assert.ok(rec);
  assert.equal(rec.method, 'POST');
  assert.equal(rec.path, '/v1/chat/completions');
  assert.equal(rec.headers.authorization, 'Bearer sk-test');
  assert.equal(rec.headers['x-team'], 'voice');
  assert.equal(rec.clientClosedEarly, false);
  const body = rec.body as Record<string, unknown>;
  assert.equal(body.model, 'gpt-test');
  assert.equal(body.stream, true);
  assert.equal(body.temperature, 0.3);
  assert.equal(body.max_tokens, 200);
  assert.deepEqual(body.messages, [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'hi' },
  ]);
  assert.deepEqual(body.tools, [
    {
      type: 'function',
      function: { name: 'book', description: 'Book a slot', parameters: { type: 'object', properties: { day: { type: 'string' } } } },
    },
  ]);
});

test('maps dtmf, interrupted turns, tool calls and tool results onto chat messages', async () => {
  const before = server.requests.length;
  await collect(
    model(),
    request({
      messages: [
        { role: 'system', content: 'Be kind.' },
        { role: 'user', content: 'my account is', dtmf: '123#' },
        { role: 'user', content: '', dtmf: '9' },
        { role: 'assistant', content: 'Your balance is forty', interrupted: true },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'lookup', arguments: { account: '123' } }] },
        { role: 'tool', toolCallId: 'c1', name: 'lookup', content: '{"balance":40}', ok: true },
        { role: 'tool', toolCallId: 'c2', name: 'lookup', content: 'timeout', ok: false },
      ],
    }),
  );
  const body = server.requests[before]?.body as { messages: unknown[]; tools?: unknown };
  assert.equal(body.tools, undefined, 'no tools field when there are no tools');
  assert.deepEqual(body.messages, [
    { role: 'system', content: 'Be kind.' },
    { role: 'user', content: 'my account is [keypad: 1 2 3 #]' },
    { role: 'user', content: '[keypad: 9]' },
    { role: 'assistant', content: 'Your balance is forty [interrupted by the caller]' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{"account":"123"}' } }],
    },
    { role: 'tool', tool_call_id: 'c1', content: '{"balance":40}' },
    { role: 'tool', tool_call_id: 'c2', content: 'ERROR: timeout' },
  ]);
  assert.deepEqual(toWireMessages([{ role: 'assistant', content: 'Hold', interrupted: true }], undefined, ' (cut)'), [
    { role: 'assistant', content: 'Hold (cut)' },
  ]);
});

test('assembles tool-call arguments from fragmented deltas, one tool_call chunk per call', async () => {
  server.enqueueReplies({
    text: 'Let me check.',
    toolCalls: [
      { id: 'call_a', name: 'check_slots', arguments: { day: 'Tuesday', party: { adults: 2, kids: [3, 7] }, note: 'window "seat"' } },
      { id: 'call_b', name: 'notify', arguments: {} },
    ],
  });
  const chunks = await collect(model());
  assert.equal(text(chunks), 'Let me check.');
  const calls = chunks.filter((c) => c.type === 'tool_call').map((c) => (c.type === 'tool_call' ? c.call : undefined));
  assert.deepEqual(calls, [
    { id: 'call_a', name: 'check_slots', arguments: { day: 'Tuesday', party: { adults: 2, kids: [3, 7] }, note: 'window "seat"' } },
    { id: 'call_b', name: 'notify', arguments: {} },
  ]);
  // text comes before the calls
  assert.equal(chunks.at(-1)?.type, 'tool_call');
  assert.equal(chunks[0]?.type, 'text');
});

test('tolerates tool calls without id or index (vLLM / llama.cpp style) and finish_reason without [DONE]', async () => {
  server.enqueueReplies({
    toolCalls: [{ name: 'transfer', arguments: { to: 'sales' } }],
    omitToolCallIds: true,
    omitIndex: true,
    finishReason: 'eos',
    sendDone: false,
  });
  const chunks = await collect(model());
  assert.equal(chunks.length, 1);
  const c = chunks[0];
  assert.ok(c && c.type === 'tool_call');
  assert.equal(c.call.name, 'transfer');
  assert.deepEqual(c.call.arguments, { to: 'sales' });
  assert.match(c.call.id, /^call_\w+$/);

  server.enqueueReplies({
    toolCalls: [
      { name: 'a', arguments: { x: 1 } },
      { name: 'b', arguments: { y: 2 } },
    ],
    omitToolCallIds: true,
  });
  const two = (await collect(model())).flatMap((x) => (x.type === 'tool_call' ? [x.call] : []));
  assert.deepEqual(
    two.map((x) => [x.name, x.arguments]),
    [
      ['a', { x: 1 }],
      ['b', { y: 2 }],
    ],
  );
  assert.notEqual(two[0]?.id, two[1]?.id, 'generated ids are unique');
});

test('invalid tool-call JSON fails with an error naming the tool', async () => {
  server.enqueueReplies({ toolCalls: [{ name: 'book_table', arguments: '{"day": "Mon' }] });
  const err = await failure(collect(model()));
  assert.match(err.message, /book_table/);
  assert.match(err.message, /JSON/);
  assert.ok(!(err instanceof RetryableProviderError));
});

test('ToolCallAccumulator matches fragments by id when index is missing and concatenates them', () => {
  const acc = new ToolCallAccumulator();
  acc.add({ id: 'x1', function: { name: 'f', arguments: '{"a"' } });
  acc.add({ id: 'x2', function: { name: 'g', arguments: '{}' } });
  acc.add({ id: 'x1', function: { arguments: ':1}' } });
  assert.deepEqual(acc.finish(), [
    { id: 'x1', name: 'f', arguments: { a: 1 } },
    { id: 'x2', name: 'g', arguments: {} },
  ]);
  const bad = new ToolCallAccumulator();
  bad.add({ index: 0, id: 'z', function: { name: 'list', arguments: '[1,2]' } });
  assert.throws(() => bad.finish(), /list.*not a JSON object/);
});

test('slow first token: the output still arrives', async () => {
  server.enqueue(fakeMode.slowFirstToken(80));
  server.enqueueReplies({ text: 'finally here' });
  assert.equal(text(await collect(model())), 'finally here');
});

test('abort while waiting for the first token: AbortError, nothing emitted, the server sees the client go', async () => {
  server.enqueue(fakeMode.slowFirstToken(5000));
  const index = server.requests.length;
  const ctl = new AbortController();
  const got: DialogueChunk[] = [];
  const run = (async () => {
    for await (const c of model().generate(request(), ctl.signal)) got.push(c);
  })();
  await waitFor(() => server.requests.length > index, 2000, 'the request');
  await new Promise((r) => setTimeout(r, 20));
  ctl.abort();
  const err = await failure(run);
  assert.equal(err.name, 'AbortError');
  assert.equal(got.length, 0);
  await server.waitForClientClose(index);
  assert.equal(server.requests[index]?.chunksSent, 0);
});

test('abort mid-stream: the next step throws AbortError, no chunk after the abort, the fetch is really aborted', async () => {
  server.enqueue(fakeMode.slowFirstToken(0));
  server.enqueueReplies({ text: 'one two three four five six seven eight nine ten eleven twelve' });
  const index = server.requests.length;
  const ctl = new AbortController();
  const it = model().generate(request(), ctl.signal)[Symbol.asyncIterator]();
  const first = await it.next();
  assert.equal(first.done, false);
  ctl.abort();
  const err = await failure(it.next());
  assert.equal(err.name, 'AbortError');
  const after = await it.next();
  assert.equal(after.done, true);
  await server.waitForClientClose(index);
});

test('a consumer that stops early closes the connection', async () => {
  server.enqueueReplies({ text: 'a b c d e f g h i j k l m n o p' });
  const index = server.requests.length;
  for await (const c of model().generate(request(), new AbortController().signal)) {
    assert.equal(c.type, 'text');
    break;
  }
  await server.waitForClientClose(index);
});

test('429 with Retry-After → RetryableProviderError carrying retryAfterS', async () => {
  server.enqueue(fakeMode.status(429, 7, 'Rate limit reached for requests'));
  const err = await failure(collect(model()));
  assert.ok(err instanceof RetryableProviderError, err.message);
  assert.equal(err.retryAfterS, 7);
  assert.match(err.message, /429/);
  assert.match(err.message, /Rate limit reached/);
});

test('500 and 503 → RetryableProviderError', async () => {
  server.enqueue(fakeMode.status(500));
  const e500 = await failure(collect(model()));
  assert.ok(e500 instanceof RetryableProviderError);
  assert.equal(e500.retryAfterS, undefined);
  server.enqueue(fakeMode.status(503, 2));
  const e503 = await failure(collect(model()));
  assert.ok(e503 instanceof RetryableProviderError);
  assert.equal(e503.retryAfterS, 2);
});

test('401 (wrong key) → plain Error with the status and the server message', async () => {
  const err = await failure(collect(model({ apiKey: 'sk-wrong' })));
  assert.ok(!(err instanceof RetryableProviderError));
  assert.match(err.message, /401/);
  assert.match(err.message, /Incorrect API key/);
});

test('other 4xx → plain Error, long server messages truncated', async () => {
  server.enqueue(fakeMode.status(400, undefined, `context too long ${'x'.repeat(5000)}`));
  const err = await failure(collect(model()));
  assert.ok(!(err instanceof RetryableProviderError));
  assert.match(err.message, /400: context too long/);
  assert.ok(err.message.length < 500, `message length ${err.message.length}`);
});

test('cut mid-stream after output → plain Error("stream cut …")', async () => {
  server.enqueue(fakeMode.cutAfter(4));
  server.enqueueReplies({ text: 'this reply will never be finished by the server' });
  const got: DialogueChunk[] = [];
  const err = await failure(
    (async () => {
      for await (const c of model().generate(request(), new AbortController().signal)) got.push(c);
    })(),
  );
  assert.ok(got.length > 0, 'some text came before the cut');
  assert.match(err.message, /stream cut/);
  assert.ok(!(err instanceof RetryableProviderError));
});

test('cut before any output → RetryableProviderError("stream cut …")', async () => {
  server.enqueue(fakeMode.cutAfter(1)); // only the empty role chunk gets through
  const err = await failure(collect(model()));
  assert.match(err.message, /stream cut/);
  assert.ok(err instanceof RetryableProviderError);
});

test('a stream that ends without [DONE] or finish_reason → Error("stream cut …")', async () => {
  server.enqueueReplies({ text: 'partial answer', finishReason: null, sendDone: false });
  const err = await failure(collect(model()));
  assert.match(err.message, /stream cut/);
});

test('connection refused → RetryableProviderError', async () => {
  const port = await unusedPort();
  const m = new OpenAiChatModel({ id: 'remote-llm', baseUrl: `http://127.0.0.1:${port}/v1`, model: 'x' });
  const err = await failure(collect(m));
  assert.ok(err instanceof RetryableProviderError, err.message);
  assert.match(err.message, /ECONNREFUSED/);
});

test('a server that never answers: idle timeout → RetryableProviderError; abort → AbortError', async () => {
  server.enqueue(fakeMode.hang());
  const err = await failure(collect(model({ idleTimeoutMs: 60 })));
  assert.ok(err instanceof RetryableProviderError, err.message);

  server.enqueue(fakeMode.hang());
  const ctl = new AbortController();
  const index = server.requests.length;
  const run = collect(model(), request(), ctl.signal);
  await new Promise((r) => setTimeout(r, 30));
  ctl.abort(new Error('caller hung up'));
  const aborted = await failure(run);
  assert.equal(aborted.name, 'AbortError');
  await server.waitForClientClose(index);
});

test('an already-aborted signal fails without a request', async () => {
  const before = server.requests.length;
  const ctl = new AbortController();
  ctl.abort();
  const err = await failure(collect(model(), request(), ctl.signal));
  assert.equal(err.name, 'AbortError');
  assert.equal(server.requests.length, before);
});

test('an error object inside the stream (llama.cpp style) → Error with its message', async () => {
  const srv = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('data: {"error":{"code":500,"message":"the model crashed","type":"server_error"}}\n\n');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  try {
    const m = new OpenAiChatModel({
      id: 'llama',
      baseUrl: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/v1`,
      model: 'x',
    });
    const err = await failure(collect(m));
    assert.match(err.message, /the model crashed/);
  } finally {
    srv.closeAllConnections();
    await new Promise<void>((r) => srv.close(() => r()));
  }
});
