import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { ToolError, ToolRegistry, callWebhook, type CompiledWebhookTool, type WebhookToolConfig } from './index.js';
import { startTestWebhookServer, type TestWebhookServer } from './test-webhook-server.js';

let server: TestWebhookServer;
before(async () => {
  server = await startTestWebhookServer();
});
after(async () => {
  await server.close();
});

function tool(path: string, extra: Partial<WebhookToolConfig> = {}): CompiledWebhookTool {
  const cfg: WebhookToolConfig = {
    kind: 'webhook',
    name: 'check_stock',
    description: 'Check stock',
    parameters: { type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] },
    result: { type: 'object', properties: { inStock: { type: 'boolean' } }, required: ['inStock'] },
    webhook: { url: `${server.url}${path}`, headers: { Authorization: 'Bearer ${STOCK_TOKEN}' } },
    timeoutMs: 2000,
    ...extra,
  };
  const t = ToolRegistry.load([cfg], { env: { STOCK_TOKEN: 'tok-1' } }).webhook('check_stock');
  assert.ok(t);
  return t;
}

const payload = { tool: 'check_stock', arguments: { sku: 'A1' }, sessionId: 's-1', callId: 'c-9', toolCallId: 'tc-1' };

async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<ToolError> {
  let caught: unknown;
  await p.then(
    () => assert.fail(`expected a ${code} rejection`),
    (err: unknown) => {
      caught = err;
    },
  );
  assert.ok(caught instanceof ToolError, `expected ToolError, got ${String(caught)}`);
  assert.equal(caught.code, code);
  if (message) assert.match(caught.message, message);
  return caught;
}

test('POSTs the JSON payload with Idempotency-Key, Content-Type and the resolved auth header', async () => {
  server.on('/ok', () => ({ body: { inStock: true } }));
  const result = await callWebhook(tool('/ok'), payload, { idempotencyKey: 'sess-1/tc-1' });
  assert.deepEqual(result, { inStock: true });
  const [req] = server.hits('/ok');
  assert.ok(req);
  assert.equal(req.method, 'POST');
  assert.equal(req.headers['idempotency-key'], 'sess-1/tc-1');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.equal(req.headers.authorization, 'Bearer tok-1');
  assert.deepEqual(req.body, payload);
});

test('non-2xx → http_error with the status', async () => {
  server.on('/boom', () => ({ status: 503, body: { error: 'down' } }));
  const err = await rejectsWith(callWebhook(tool('/boom'), payload, { idempotencyKey: 'k' }), 'http_error', /HTTP 503/);
  assert.equal(err.status, 503);
});

test('a redirect is not followed (auth headers stay with the configured host)', async () => {
  server.on('/moved', () => ({ status: 307, body: '' }));
  await rejectsWith(callWebhook(tool('/moved'), payload, { idempotencyKey: 'k' }), 'http_error', /HTTP 307/);
});

test('a slow webhook → timeout', async () => {
  server.on('/slow', () => ({ delayMs: 1500, body: { inStock: true } }));
  await rejectsWith(
    callWebhook(tool('/slow'), payload, { idempotencyKey: 'k', timeoutMs: 150 }),
    'timeout',
    /did not answer within 150 ms/,
  );
});

test("the caller's signal cancels the request with an AbortError, not a tool failure", async () => {
  server.on('/slow2', () => ({ delayMs: 1500, body: { inStock: true } }));
  const ac = new AbortController();
  const p = callWebhook(tool('/slow2'), payload, { idempotencyKey: 'k', signal: ac.signal });
  setTimeout(() => ac.abort(), 50);
  await assert.rejects(p, (err: Error) => err.name === 'AbortError' && !(err instanceof ToolError));
});

test('a result not matching the schema, or not JSON → invalid_result; empty body is null', async () => {
  server.on('/wrong', () => ({ body: { inStock: 'maybe' } }));
  await rejectsWith(
    callWebhook(tool('/wrong'), payload, { idempotencyKey: 'k' }),
    'invalid_result',
    /result\.inStock: must be boolean/,
  );
  server.on('/html', () => ({ body: '<html>oops</html>' }));
  await rejectsWith(callWebhook(tool('/html'), payload, { idempotencyKey: 'k' }), 'invalid_result', /not JSON/);
  server.on('/empty', () => ({ status: 200, body: '' }));
  assert.equal(await callWebhook(tool('/empty', { result: undefined }), payload, { idempotencyKey: 'k' }), null);
});

test('connection refused → failed', async () => {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const t = { ...tool('/x'), url: `http://127.0.0.1:${port}/x` };
  await rejectsWith(callWebhook(t, payload, { idempotencyKey: 'k' }), 'failed', /ECONNREFUSED/);
});
