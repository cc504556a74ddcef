import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REDACTED, REDACTION_FAILED, createLogger, isStructuralLogKey, redactLogFields, type LoggerOptions } from './log.js';

/** a logger whose lines are kept, parsed */
function capture(opts: Omit<LoggerOptions, 'write'> = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger('test', { level: 'debug', ...opts, write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { log, lines, last: () => lines[lines.length - 1]! };
}

/**
 * A stand-in for agent-core's text redactor, deliberately greedy: every run of digits becomes [N] and every
 * word with an @ becomes [EMAIL]. What it cannot reach is what the logger kept away from it.
 */
const greedy = (text: string): string => text.replace(/\S+@\S+/g, '[EMAIL]').replace(/\d+/g, '[N]');

test('sensitive keys are redacted at any depth, names compared without case, _ or -', () => {
  const { log, last } = capture();
  log.info('turn', {
    text: 'my card is 4111 1111 1111 1111',
    transcript: ['hello'],
    apiKey: 'sk-123',
    API_KEY: 'sk-456',
    caller: { Caller_Text: 'hi', utterance: { words: 3 } },
    headers: { Authorization: 'Bearer abc', 'content-type': 'application/json' },
    list: [{ password: 'hunter2' }],
    turn_id: 't1',
  });
  const rec = last();
  assert.equal(rec.text, REDACTED);
  assert.equal(rec.transcript, REDACTED);
  assert.equal(rec.apiKey, REDACTED);
  assert.equal(rec.API_KEY, REDACTED);
  assert.deepEqual(rec.caller, { Caller_Text: REDACTED, utterance: REDACTED });
  assert.deepEqual(rec.headers, { Authorization: REDACTED, 'content-type': 'application/json' });
  assert.deepEqual(rec.list, [{ password: REDACTED }]);
  assert.equal(rec.turn_id, 't1');
});

test('credential names also match as the end of a name; booleans and null stay', () => {
  const { log, last } = capture();
  log.info('config', { webhookToken: 'abc', db_password: 'x', client_secret: 'y', raw_text: true, final: false, prompt: null, tokens: 42, token_count: 3 });
  assert.deepEqual(
    { ...last(), time: undefined },
    { time: undefined, level: 'info', service: 'test', msg: 'config', webhookToken: REDACTED, db_password: REDACTED, client_secret: REDACTED, raw_text: true, final: false, prompt: null, tokens: 42, token_count: 3 },
  );
});

test('a custom key list replaces the default one', () => {
  const { log, last } = capture({ redactKeys: ['ssrc'] });
  log.info('x', { ssrc: 1234, text: 'kept' });
  assert.equal(last().ssrc, REDACTED);
  assert.equal(last().text, 'kept');
});

test('free text: msg and other string fields go through redactText, nested ones too', () => {
  const { log, last } = capture({ redactText: greedy });
  log.warn('caller said 2125550198 to john@example.com', { reason: 'number 4111111111111111', detail: { note: ['call 5551234'] } });
  const rec = last();
  assert.equal(rec.msg, 'caller said [N] to [EMAIL]');
  assert.equal(rec.reason, 'number [N]');
  assert.deepEqual(rec.detail, { note: ['call [N]'] });
});

test('free text: structural fields are never passed to the redactor', () => {
  const seen: string[] = [];
  const { log, last } = capture({ redactText: (t) => (seen.push(t), greedy(t)) });
  const fields = {
    session_id: '5f0c1d2e-0000-4000-8000-000000000001',
    callId: 'a84b4c76e66710@pc33.example.com',
    turn_id: 't12',
    endpoint_id: 'ep-42',
    url: 'http://127.0.0.1:8080/tools/book?id=42',
    base_url: 'http://10.0.0.2:9000',
    path: '/var/lib/callgate/data-2125550198',
    remote: '192.0.2.10:5060',
    port: '5060',
    rtp_ports: '40000-40999',
    onset_ms: '250',
    started_at: '2025-01-02T03:04:05.678Z',
    status: '200',
    code: 'E1234567',
  };
  log.info('ok', fields);
  const rec = last();
  for (const [k, v] of Object.entries(fields)) assert.equal(rec[k], v, k);
  assert.deepEqual(seen, ['ok'], 'only msg went to the redactor');
  for (const k of Object.keys(fields)) assert.ok(isStructuralLogKey(k), k);
  for (const k of ['msg', 'reason', 'detail', 'what', 'err']) assert.ok(!isStructuralLogKey(k), k);
});

test('free text: timestamps, UUIDs, hex ids, IP addresses, ports and numbers with a unit are kept intact', () => {
  const { log, last } = capture({ redactText: greedy });
  const keep = [
    '2025-01-02T03:04:05.678Z',
    '2025-01-02T03:04:05+01:00',
    '6f1e2a3b-65a1-4b35-86fd-8fed32d96634',
    '4bf92f3577b34da6a3ce929d0e0e4736',
    '127.0.0.1:5060',
    '192.168.100.200',
    '[::1]:6379',
    'fe80::1ff:fe23:4567:890a',
    '2001:db8:85a3:0:0:8a2e:370:7334',
    'localhost:6379',
    'redis.internal:16379',
    '250 ms',
    '1.5s',
    '16000 Hz',
    '12%',
    'ports 40000-40999',
  ];
  const msg = `session ${keep.join(' and ')} ended; caller 2125550198`;
  log.info(msg);
  const out = last().msg as string;
  for (const k of keep) assert.ok(out.includes(k), `${k} kept in ${out}`);
  assert.ok(out.endsWith('caller [N]'), `the rest still redacted: ${out}`);
});

test('free text: setting tokens aside never splits a number off a longer one', () => {
  const { log, last } = capture({ redactText: greedy });
  // "host:212" followed by more digit groups is not a host:port; "10.0.0.1" followed by digits is not kept
  log.info('localhost:212 555 0198, card at 10.4111 1111 1111 1111, ip 10.1.1.1 2125550198, took 212 555 0198 ms');
  assert.equal(last().msg, 'localhost:[N] [N] [N], card at [N].[N] [N] [N] [N], ip [N].[N].[N].[N] [N], took [N] [N] [N] ms');
});

test('a redactor that throws fails closed', () => {
  const { log, last } = capture({
    redactText: () => {
      throw new Error('boom');
    },
  });
  log.error('caller 2125550198', { reason: 'x', session_id: 's1' });
  assert.equal(last().msg, REDACTION_FAILED);
  assert.equal(last().reason, REDACTION_FAILED);
  assert.equal(last().session_id, 's1');
});

test('child fields are redacted once, when the child is made', () => {
  let calls = 0;
  const { log, lines } = capture({ redactText: (t) => (calls++, greedy(t)) });
  const child = log.child({ session_id: 's1', note: 'for 2125550198', token: 'abc' });
  assert.equal(calls, 1);
  child.info('a');
  child.info('b');
  assert.equal(calls, 3, 'one call per line (its msg), none for the child fields again');
  for (const l of lines) {
    assert.equal(l.note, 'for [N]');
    assert.equal(l.token, REDACTED);
    assert.equal(l.session_id, 's1');
  }
  assert.equal(lines[1]!.msg, 'b');
});

test('errors log as message and stack, redacted; circular values do not throw', () => {
  const { log, last } = capture({ redactText: greedy });
  const circular: Record<string, unknown> = { name: 'loop' };
  circular.self = circular;
  log.error('failed', { err: new Error('bad number 2125550198'), circular });
  const err = last().err as { message: string; stack: string };
  assert.equal(err.message, 'bad number [N]');
  assert.ok(!err.stack.includes('2125550198'));
  assert.deepEqual(last().circular, { name: 'loop', self: '[…]' });
});

test('without redactText the text is left as it is (key-based redaction still runs)', () => {
  const { log, last } = capture();
  log.info('caller 2125550198', { reason: 'x 5551234', secret: 's' });
  assert.equal(last().msg, 'caller 2125550198');
  assert.equal(last().reason, 'x 5551234');
  assert.equal(last().secret, REDACTED);
});

test('redactLogFields redacts a record the same way', () => {
  assert.deepEqual(redactLogFields({ text: 'hi', reason: 'call 5551234', call_id: 'c1' }, { redactText: greedy }), { text: REDACTED, reason: 'call [N]', call_id: 'c1' });
});

test('lines below the level are dropped', () => {
  const lines: string[] = [];
  const log = createLogger('test', { level: 'warn', write: (l) => lines.push(l) });
  log.info('no');
  log.warn('yes');
  assert.equal(lines.length, 1);
});
