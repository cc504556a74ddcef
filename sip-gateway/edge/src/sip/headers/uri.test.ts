import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatUri, parseUri, unescapeUriPart } from './uri.js';

test('full sip URI', () => {
  const u = parseUri('sip:alice:secret@atlanta.example.com:5060;transport=tcp;lr?subject=project&priority=urgent');
  assert.ok(u);
  assert.equal(u.scheme, 'sip');
  assert.equal(u.user, 'alice');
  assert.equal(u.password, 'secret');
  assert.equal(u.host, 'atlanta.example.com');
  assert.equal(u.port, 5060);
  assert.equal(u.params.get('transport'), 'tcp');
  assert.equal(u.params.get('lr'), null);
  assert.equal(u.headers.get('subject'), 'project');
  assert.equal(u.headers.get('priority'), 'urgent');
  assert.equal(formatUri(u), 'sip:alice:secret@atlanta.example.com:5060;transport=tcp;lr?subject=project&priority=urgent');
});

test('scheme is case-insensitive, sips and host-only', () => {
  const u = parseUri('SIPS:example.com');
  assert.equal(u?.scheme, 'sips');
  assert.equal(u?.user, undefined);
  assert.equal(u?.host, 'example.com');
});

test('IPv6 host in brackets', () => {
  const u = parseUri('sip:bob@[2001:db8::10]:5070;maddr=[2001:db8::1]');
  assert.ok(u);
  assert.equal(u.host, '2001:db8::10');
  assert.equal(u.port, 5070);
  assert.equal(u.params.get('maddr'), '[2001:db8::1]');
  assert.equal(formatUri(u), 'sip:bob@[2001:db8::10]:5070;maddr=[2001:db8::1]');
  assert.equal(parseUri('sip:[2001:db8::zz]'), undefined);
  assert.equal(parseUri('sip:[2001:db8::1'), undefined);
});

test('escaped and odd-but-valid user parts', () => {
  const u = parseUri('sip:%61lice;isub=12%20x@example.com');
  assert.equal(u?.user, '%61lice;isub=12%20x');
  assert.equal(unescapeUriPart(u?.user ?? ''), 'alice;isub=12 x');
  assert.equal(parseUri('sip:+1-212-555-1212;phone-context=example.com@gw.example.com;user=phone')?.params.get('user'), 'phone');
  assert.equal(unescapeUriPart('%E0%A4%A'), '%E0%A4%A');
});

test('tel URI', () => {
  const u = parseUri('tel:+1-201-555-0123;phone-context=example.com');
  assert.equal(u?.scheme, 'tel');
  assert.equal(u?.user, '+1-201-555-0123');
  assert.equal(u?.params.get('phone-context'), 'example.com');
  assert.equal(formatUri(u!), 'tel:+1-201-555-0123;phone-context=example.com');
});

test('garbage yields undefined', () => {
  for (const bad of ['', 'alice@example.com', 'http://example.com', 'sip:', 'sip:@example.com', 'sip:a b@example.com', 'sip:alice@', 'sip:alice@example.com:99999', 'sip:alice@example.com:abc', 'sip:al%zzice@example.com', 'sip:alice@exa mple.com', 'sip:alice@example.com?x', 'tel:', 'sip:alice@-bad..'] ) {
    assert.equal(parseUri(bad), undefined, bad);
  }
  assert.equal(parseUri(undefined as unknown as string), undefined);
});

test('port range', () => {
  assert.equal(parseUri('sip:h:0')?.port, 0);
  assert.equal(parseUri('sip:h:65535')?.port, 65535);
  assert.equal(parseUri('sip:h:65536'), undefined);
});
