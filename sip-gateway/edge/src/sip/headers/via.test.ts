import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatVia, parseVia, parseViaList, splitViaList } from './via.js';

test('typical Via', () => {
  const v = parseVia('SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bK776asdhds;rport;received=192.0.2.1');
  assert.ok(v);
  assert.equal(v.protocol, 'SIP/2.0');
  assert.equal(v.transport, 'UDP');
  assert.equal(v.host, 'pc33.atlanta.example.com');
  assert.equal(v.port, 5066);
  assert.equal(v.branch, 'z9hG4bK776asdhds');
  assert.equal(v.rport, true);
  assert.equal(v.received, '192.0.2.1');
  assert.equal(formatVia(v), 'SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bK776asdhds;rport;received=192.0.2.1');
});

test('white space everywhere RFC 3261 allows it, lower-case transport', () => {
  const v = parseVia('  sip / 2.0 / tcp   host.example : 5060 ; branch = z9hG4bKx ; ttl=16 ; maddr=224.2.0.1 ; rport=5070 ');
  assert.ok(v);
  assert.equal(v.transport, 'TCP');
  assert.equal(v.host, 'host.example');
  assert.equal(v.port, 5060);
  assert.equal(v.ttl, 16);
  assert.equal(v.maddr, '224.2.0.1');
  assert.equal(v.rport, 5070);
});

test('IPv6 sent-by and received', () => {
  const v = parseVia('SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKabc;received=2001:db8::9');
  assert.equal(v?.host, '2001:db8::9');
  assert.equal(v?.received, '2001:db8::9');
  assert.equal(formatVia(v!), 'SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKabc;received=2001:db8::9');
});

test('formatVia applies convenience fields', () => {
  const v = parseVia('SIP/2.0/UDP h;branch=z9hG4bK1;rport');
  assert.ok(v);
  v.rport = 4000;
  v.received = '198.51.100.7';
  assert.equal(formatVia(v), 'SIP/2.0/UDP h;branch=z9hG4bK1;rport=4000;received=198.51.100.7');
});

test('several via-parms on one line', () => {
  const line = 'SIP/2.0/UDP first.example;branch=z9hG4bKa, SIP/2.0/TCP second.example:5061;branch=z9hG4bKb;x="1,2"';
  assert.equal(splitViaList(line)?.length, 2);
  const vias = parseViaList(line);
  assert.equal(vias?.[0]?.host, 'first.example');
  assert.equal(vias?.[1]?.transport, 'TCP');
  assert.equal(vias?.[1]?.params.get('x'), '1,2');
});

test('garbage yields undefined', () => {
  for (const bad of ['', 'SIP/2.0/UDP', 'SIP/2.0 UDP host', 'SIP/3.0/UDP host', 'HTTP/2.0/UDP host', 'SIP/2.0/UDP host:99999', 'SIP/2.0/UDP ho st', 'SIP/2.0/UDP host;branch', 'SIP/2.0/UDP host;rport=x', 'SIP/2.0/UDP host;ttl=300', 'SIP/2.0/UDP [::1', 'SIP/2.0/UDP host junk']) {
    assert.equal(parseVia(bad), undefined, bad);
  }
  assert.equal(parseViaList(''), undefined);
  assert.equal(parseViaList('SIP/2.0/UDP a;branch=z9hG4bK1, nonsense'), undefined);
});
