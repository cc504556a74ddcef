import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_TOOLS, DEMO_TOOLS, ToolConfigError, ToolRegistry, type WebhookToolConfig } from './index.js';

const lookup: WebhookToolConfig = {
  kind: 'webhook',
  name: 'lookup_order',
  description: 'Look up an order',
  parameters: {
    type: 'object',
    properties: {
      orderId: { type: 'string', pattern: '^[0-9]{6}$' },
      when: { type: 'string', format: 'date' },
      size: { enum: ['s', 'm', 'l'] },
    },
    required: ['orderId'],
    additionalProperties: false,
  },
  result: {
    type: 'object',
    properties: { status: { enum: ['open', 'shipped'] } },
    required: ['status'],
  },
  webhook: { url: 'https://orders.example/lookup', headers: { Authorization: 'Bearer ${ORDERS_TOKEN}', 'X-Tenant': 'acme' } },
  timeoutMs: 4000,
};

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ToolConfigError, `expected ToolConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected the config to be refused');
}

test('loads webhook and built-in tools: definitions for the model, env-resolved headers, defaults', () => {
  const reg = ToolRegistry.load([lookup, ...BUILTIN_TOOLS], { env: { ORDERS_TOKEN: 's3cret' } });
  assert.deepEqual(reg.names(), ['lookup_order', 'transfer_call', 'end_call']);
  const defs = reg.definitions();
  assert.equal(defs.length, 3);
  assert.deepEqual(defs[0], { name: 'lookup_order', description: 'Look up an order', parameters: lookup.parameters });
  assert.equal(defs[1]?.name, 'transfer_call');
  assert.equal((defs[1]?.parameters as { type?: string }).type, 'object');
  assert.deepEqual(reg.definitions(['end_call']).map((d) => d.name), ['end_call']);
  assert.throws(() => reg.definitions(['nope']), /unknown tool\(s\): nope/);

  const w = reg.webhook('lookup_order');
  assert.ok(w);
  assert.equal(w.headers.Authorization, 'Bearer s3cret');
  assert.equal(w.headers['X-Tenant'], 'acme');
  assert.equal(w.timeoutMs, 4000);
  assert.equal(w.webhookTimeoutMs, 4000, 'request timeout defaults to the tool timeout');
  assert.equal(reg.webhook('transfer_call'), undefined);
});

test('an unset environment variable in a header is a load error naming tool, header and variable', () => {
  const problems = problemsOf(() => ToolRegistry.load([lookup], { env: {} }));
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /tool "lookup_order": header "Authorization" references \$\{ORDERS_TOKEN\}.*ORDERS_TOKEN is not set/);
});

test('invalid schemas and configs are refused at load, every problem naming its tool', () => {
  const problems = problemsOf(() =>
    ToolRegistry.load(
      [
        { ...lookup, name: 'bad_schema', parameters: { type: 'object', properties: { a: { type: 'strin' } } } },
        { ...lookup, name: 'typo_keyword', parameters: { type: 'object', requred: ['a'] } },
        { ...lookup, name: 'not_object', parameters: { type: 'array' } },
        { ...lookup, name: 'bad_result', result: { type: 'object', properties: { x: { minimum: 'one' } } } },
        { ...lookup, name: 'slow_request', timeoutMs: 1000, webhook: { url: 'http://x.example/', timeoutMs: 2000 } },
        { ...lookup, name: 'ftp', webhook: { url: 'ftp://x.example/' } },
        { ...lookup, name: 'no_desc', description: undefined },
        { kind: 'builtin', name: 'launch_rockets' },
        { ...lookup, name: 'bad name!' },
        { ...lookup, name: 'own_idem', webhook: { url: 'http://x.example/', headers: { 'Idempotency-Key': 'x' } } },
        { ...lookup, name: 'lookup_order', webhook: { url: 'http://x.example/' } },
        { ...lookup, name: 'lookup_order', webhook: { url: 'http://x.example/' } },
      ],
      { env: { ORDERS_TOKEN: 't' } },
    ),
  );
  const byTool = (name: string): string | undefined => problems.find((p) => p.startsWith(`tool "${name}"`));
  assert.match(byTool('bad_schema') ?? '', /invalid parameters schema/);
  assert.match(byTool('typo_keyword') ?? '', /invalid parameters schema.*requred/);
  assert.match(byTool('not_object') ?? '', /type "object" at its root/);
  assert.match(byTool('bad_result') ?? '', /invalid result schema/);
  assert.match(byTool('slow_request') ?? '', /webhook.timeoutMs \(2000\) exceeds the tool's timeoutMs \(1000\)/);
  assert.match(byTool('ftp') ?? '', /webhook\.url/);
  assert.match(byTool('no_desc') ?? '', /missing required property 'description'/);
  assert.match(byTool('launch_rockets') ?? '', /must be one of "transfer_call", "end_call"/);
  assert.match(byTool('bad name!') ?? '', /config\.name/);
  assert.match(byTool('own_idem') ?? '', /Idempotency-Key.*set by the tool layer/);
  assert.match(byTool('lookup_order') ?? '', /defined twice/);
  assert.equal(problems.length, 11);
  assert.throws(() => ToolRegistry.load({ not: 'a list' }), /must be a list/);
});

test('validateArgs: readable messages the model can act on', () => {
  const reg = ToolRegistry.load([lookup, ...BUILTIN_TOOLS], { env: { ORDERS_TOKEN: 't' } });
  assert.deepEqual(reg.validateArgs('lookup_order', { orderId: '123456', when: '2024-02-29', size: 'm' }), { ok: true });

  const missing = reg.validateArgs('lookup_order', {});
  assert.equal(missing.ok, false);
  assert.match(!missing.ok ? missing.message : '', /arguments: missing required property 'orderId'/);

  const several = reg.validateArgs('lookup_order', { orderId: '12', when: '2023-02-29', size: 'xl', extra: 1 });
  const msg = !several.ok ? several.message : '';
  assert.match(msg, /arguments\.orderId: must match pattern/);
  assert.match(msg, /arguments\.when: must match format "date"/);
  assert.match(msg, /arguments\.size: must be one of "s", "m", "l"/);
  assert.match(msg, /unexpected property 'extra'/);

  assert.match(JSON.stringify(reg.validateArgs('nope', {})), /unknown tool \\"nope\\"; available: lookup_order, transfer_call, end_call/);
  assert.deepEqual(reg.validateArgs('transfer_call', { reason: 'wants a human' }), { ok: true });
  assert.equal(reg.validateArgs('end_call', { reason: 5 }).ok, false);
  assert.equal(reg.validateArgs('end_call', { bye: true }).ok, false);
});

test('validateResult: checked against the result schema; any JSON when a tool has none', () => {
  const noResult = { ...lookup, name: 'free_form', result: undefined };
  const reg = ToolRegistry.load([lookup, noResult], { env: { ORDERS_TOKEN: 't' } });
  assert.deepEqual(reg.validateResult('lookup_order', { status: 'open' }), { ok: true });
  const bad = reg.validateResult('lookup_order', { status: 'lost' });
  assert.match(!bad.ok ? bad.message : '', /result\.status: must be one of "open", "shipped"/);
  assert.deepEqual(reg.validateResult('free_form', [1, 'anything']), { ok: true });
});

test('the demo tools load as the default config', () => {
  const reg = ToolRegistry.load([...DEMO_TOOLS, ...BUILTIN_TOOLS], { env: {} });
  assert.deepEqual(reg.names(), ['book_appointment', 'take_callback', 'transfer_call', 'end_call']);
  assert.deepEqual(reg.validateArgs('book_appointment', { day: 'tuesday', time: '10:30', name: 'Ann' }), { ok: true });
  assert.equal(reg.validateArgs('book_appointment', { day: 'sunday', time: '10:30' }).ok, false);
  assert.equal(reg.validateArgs('take_callback', { phone: 'call me maybe' }).ok, false);
});
