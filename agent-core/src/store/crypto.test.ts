import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decryptField, deriveCallerKey, encryptField, rawTextAad, toFieldKey, tryDecryptField } from './crypto.js';

const key = Buffer.alloc(32, 3);

test('round-trips text; each encryption uses a fresh IV', () => {
  const a = encryptField('my SSN is 078-05-1120', key, rawTextAad('s1', 1));
  const b = encryptField('my SSN is 078-05-1120', key, rawTextAad('s1', 1));
  assert.notDeepEqual(a, b);
  assert.ok(!a.includes(Buffer.from('078-05-1120')));
  assert.equal(decryptField(a, key, rawTextAad('s1', 1)), 'my SSN is 078-05-1120');
  assert.equal(decryptField(new Uint8Array(b), key, rawTextAad('s1', 1)), 'my SSN is 078-05-1120');
  assert.equal(decryptField(encryptField('', key, 'x'), key, 'x'), '');
});

test('refuses another key, another record (AAD) and altered bytes', () => {
  const sealed = encryptField('secret', key, rawTextAad('s1', 1));
  assert.throws(() => decryptField(sealed, Buffer.alloc(32, 4), rawTextAad('s1', 1)));
  assert.throws(() => decryptField(sealed, key, rawTextAad('s1', 2)), 'a ciphertext moved to another turn does not open');
  const flipped = Buffer.from(sealed);
  flipped[flipped.length - 1]! ^= 1;
  assert.throws(() => decryptField(flipped, key, rawTextAad('s1', 1)));
  assert.throws(() => decryptField(Buffer.from([2, 0, 0]), key, 'x'), /not an encrypted field/);
  assert.equal(tryDecryptField(flipped, key, rawTextAad('s1', 1)), undefined);
});

test('the key must be exactly 32 bytes', () => {
  assert.throws(() => toFieldKey(Buffer.alloc(31)), /32 bytes.*31 bytes/);
  assert.throws(() => encryptField('x', Buffer.alloc(33), 'a'), /32 bytes/);
  assert.throws(() => toFieldKey('0123456789abcdef0123456789abcdef' as unknown as Uint8Array), /32 bytes.*string/);
});

test('caller key: same for any spelling of the number, differs by HMAC key, never contains the number', () => {
  const k = deriveCallerKey('+1 (555) 010-7788', 'tenant-key');
  assert.match(k, /^[0-9a-f]{64}$/);
  assert.equal(deriveCallerKey('15550107788', 'tenant-key'), k);
  assert.notEqual(deriveCallerKey('15550107788', 'other-key'), k);
  assert.notEqual(deriveCallerKey('15550107789', 'tenant-key'), k);
  assert.ok(!k.includes('5550107788'));
  assert.throws(() => deriveCallerKey('anonymous', 'tenant-key'), /no digits/);
  assert.throws(() => deriveCallerKey('123', ''), /non-empty HMAC key/);
});
