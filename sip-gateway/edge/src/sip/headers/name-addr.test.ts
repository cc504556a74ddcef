import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatNameAddr, getTag, parseNameAddr, parseNameAddrList, splitNameAddrList } from './name-addr.js';

test('quoted display name with escapes and params', () => {
  const na = parseNameAddr('"Alice \\"Al\\" <Smith>, Jr" <sip:alice@example.com;transport=tcp> ;tag=1928301774;x="y z"');
  assert.ok(na);
  assert.equal(na.displayName, 'Alice "Al" <Smith>, Jr');
  assert.equal(na.uri, 'sip:alice@example.com;transport=tcp');
  assert.equal(na.params.get('tag'), '1928301774');
  assert.equal(na.params.get('x'), 'y z');
  assert.deepEqual(parseNameAddr(formatNameAddr(na)), na);
});

test('token display name and no display name', () => {
  assert.equal(parseNameAddr('Bob   Smith <sip:bob@example.com>')?.displayName, 'Bob Smith');
  const na = parseNameAddr('<sip:bob@example.com>');
  assert.equal(na?.displayName, undefined);
  assert.equal(na?.uri, 'sip:bob@example.com');
  assert.equal(parseNameAddr('"" <sip:bob@example.com>')?.displayName, '');
});

test('bare addr-spec: params after the URI are header params', () => {
  const na = parseNameAddr('sip:carol@chicago.example.com;tag=abc');
  assert.equal(na?.uri, 'sip:carol@chicago.example.com');
  assert.equal(na?.params.get('tag'), 'abc');
  assert.equal(getTag('sip:carol@chicago.example.com;tag=abc'), 'abc');
  assert.equal(getTag('<sip:carol@chicago.example.com>'), undefined);
  assert.equal(parseNameAddr('tel:+15551234')?.uri, 'tel:+15551234');
});

test('garbage yields undefined', () => {
  for (const bad of ['', '"Alice <sip:a@b>', '<sip:a@b', 'Alice', '<>', '<not a uri>', '"A" sip:a@b', 'sip:a@b;tag="x', 'A"b <sip:a@b>', '<sip:a@b> junk', 'sip:a b@c']) {
    assert.equal(parseNameAddr(bad), undefined, bad);
  }
});

test('lists split outside quotes and angle brackets', () => {
  const value = '"Doe, John" <sip:john@a.example;lr>, <sip:b@b.example?x=1,2>;q=0.5 , sip:c@c.example';
  assert.deepEqual(splitNameAddrList(value), ['"Doe, John" <sip:john@a.example;lr>', '<sip:b@b.example?x=1,2>;q=0.5', 'sip:c@c.example']);
  const list = parseNameAddrList(value);
  assert.equal(list?.length, 3);
  assert.equal(list?.[0]?.displayName, 'Doe, John');
  assert.equal(list?.[1]?.params.get('q'), '0.5');
  assert.equal(splitNameAddrList('"open, <sip:a@b>'), undefined);
  assert.equal(parseNameAddrList('<sip:a@b>, garbage'), undefined);
});

test('an unquoted display name is tokens only: a comma or semicolon needs quotes', () => {
  assert.equal(parseNameAddr('Bell, Alexander <sip:a.g.bell@example.com>'), undefined);
  assert.equal(parseNameAddr('Bell; Alexander <sip:a.g.bell@example.com>'), undefined);
  assert.equal(parseNameAddr('Alexander  Graham Bell <sip:a.g.bell@example.com>')?.displayName, 'Alexander Graham Bell');
  assert.equal(parseNameAddr('"Bell, Alexander" <sip:a.g.bell@example.com>')?.displayName, 'Bell, Alexander');
});
