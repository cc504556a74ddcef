import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redact } from './redact.js';

test('placeholder mode writes the type of each span and reports where it was', () => {
  const text = 'This is Karen Mills, card 4111 1111 1111 1111, email k dot mills at gmail dot com';
  const r = redact(text);
  assert.equal(r.text, 'This is [NAME], card [CARD_NUMBER], email [EMAIL]');
  assert.deepEqual(r.found.map((f) => f.type), ['NAME', 'CARD_NUMBER', 'EMAIL']);
  assert.equal(text.slice(r.found[1]!.start, r.found[1]!.end), '4111 1111 1111 1111');
});

test('text without PII comes back unchanged', () => {
  const text = 'Can we do five thirty? It was about two hundred dollars.';
  assert.deepEqual(redact(text), { text, found: [] });
});

test('hmac mode: stable per value and key, same for spoken and written forms, different for another key', () => {
  const key = Buffer.from('test-key-1');
  const a = redact('card 4111 1111 1111 1111', { mode: 'hmac', hmacKey: key }).text;
  const b = redact('it is four one one one one one one one one one one one one one one one', { mode: 'hmac', hmacKey: key }).text;
  const c = redact('card 4111 1111 1111 1111', { mode: 'hmac', hmacKey: 'another key' }).text;
  const token = /\[CARD_NUMBER:([0-9a-f]{8})\]/;
  assert.match(a, token);
  assert.equal(token.exec(a)![1], token.exec(b)![1]);
  assert.notEqual(token.exec(a)![1], token.exec(c)![1]);
  assert.equal(redact('card 4111 1111 1111 1111', { mode: 'hmac', hmacKey: key }).text, a);
});

test('hmac mode without a key throws a clear error', () => {
  assert.throws(() => redact('hi', { mode: 'hmac' }), /hmacKey/);
  assert.throws(() => redact('hi', { mode: 'hmac', hmacKey: '' }), /hmacKey/);
});
