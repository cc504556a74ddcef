import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CidrList, parseAddress, parseCidr } from './cidr.js';

describe('cidr', () => {
  it('matches IPv4 networks and host routes', () => {
    const l = new CidrList(['10.0.0.0/8', '192.0.2.7', '198.51.100.0/24']);
    assert.equal(l.contains('10.200.3.4'), true);
    assert.equal(l.contains('11.0.0.1'), false);
    assert.equal(l.contains('192.0.2.7'), true);
    assert.equal(l.contains('192.0.2.8'), false);
    assert.equal(l.contains('198.51.100.255'), true);
    assert.equal(l.contains('198.51.101.0'), false);
  });

  it('matches IPv6 networks, compressed forms and zone ids', () => {
    const l = new CidrList(['2001:db8::/32', 'fe80::1']);
    assert.equal(l.contains('2001:db8:0:0:0:0:0:1'), true);
    assert.equal(l.contains('2001:0db8:ffff::'), true);
    assert.equal(l.contains('2001:db9::1'), false);
    assert.equal(l.contains('fe80::1%eth0'), true);
    assert.equal(l.contains('[2001:db8::5]'), true);
  });

  it('treats IPv4-mapped IPv6 sources as IPv4', () => {
    const l = new CidrList(['10.0.0.0/8']);
    assert.equal(l.contains('::ffff:10.1.2.3'), true);
    assert.equal(l.contains('::ffff:11.1.2.3'), false);
    assert.equal(new CidrList(['::ffff:10.0.0.0/104']).contains('10.9.9.9'), true);
  });

  it('handles /0 and /32 edges', () => {
    assert.equal(new CidrList(['0.0.0.0/0']).contains('203.0.113.9'), true);
    assert.equal(new CidrList(['0.0.0.0/0']).contains('2001:db8::1'), false, 'an IPv4 /0 does not cover IPv6');
    assert.equal(new CidrList(['::/0']).contains('2001:db8::1'), true);
    assert.equal(new CidrList(['203.0.113.9/32']).contains('203.0.113.9'), true);
  });

  it('rejects invalid entries instead of widening', () => {
    assert.equal(parseCidr('10.0.0.0/33'), null);
    assert.equal(parseCidr('10.0.0/8'), null);
    assert.equal(parseCidr('2001:db8::/129'), null);
    assert.equal(parseCidr('1:2:3:4:5:6:7:8:9/64'), null);
    assert.equal(parseCidr('10.0.0.0/8/1'), null);
    assert.throws(() => new CidrList(['not-an-ip']), /invalid address/);
  });

  it('never matches non-addresses', () => {
    assert.equal(parseAddress('example.com'), null);
    assert.equal(new CidrList(['0.0.0.0/0']).contains(''), false);
  });
});
