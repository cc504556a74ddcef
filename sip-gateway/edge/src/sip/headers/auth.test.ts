import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAuthHeader, parseAuthHeader, parseDigestChallenge, parseDigestCredentials } from './auth.js';

test('challenge with quoted qop list', () => {
  const value = 'Digest realm="atlanta.example.com", nonce="84a4cc6f3082121f32b42a2187831a9e", qop="auth,auth-int", algorithm=MD5, stale=FALSE, opaque=""';
  const c = parseDigestChallenge(value);
  assert.ok(c);
  assert.equal(c.realm, 'atlanta.example.com');
  assert.deepEqual(c.qop, ['auth', 'auth-int']);
  assert.equal(c.algorithm, 'MD5');
  assert.equal(c.stale, false);
  assert.equal(c.opaque, '');
  const h = parseAuthHeader(value)!;
  assert.deepEqual(parseAuthHeader(formatAuthHeader(h, 'challenge')), h);
});

test('credentials with escapes and odd spacing', () => {
  const value = 'digest  username = "bob \\"the\\" builder" ,realm="biloxi.example.com",nonce="dcd98b",uri="sip:bob@biloxi.example.com",response="6629fae49393a05397450978507c4ef1", qop=auth, nc=00000001, cnonce="0a4f113b"';
  const c = parseDigestCredentials(value);
  assert.ok(c);
  assert.equal(c.username, 'bob "the" builder');
  assert.equal(c.uri, 'sip:bob@biloxi.example.com');
  assert.equal(c.qop, 'auth');
  assert.equal(c.nc, '00000001');
  const formatted = formatAuthHeader(parseAuthHeader(value)!, 'credentials');
  assert.match(formatted, /qop=auth,/);
  assert.match(formatted, /username="bob \\"the\\" builder"/);
});

test('garbage and incomplete values yield undefined', () => {
  for (const bad of ['', 'Digest realm="open', 'Digest =x', 'Digest a=b c', '"Digest" a=b', 'Digest realm="a"x']) {
    assert.equal(parseAuthHeader(bad), undefined, bad);
  }
  assert.equal(parseDigestChallenge('Digest realm="a"'), undefined);
  assert.equal(parseDigestChallenge('Basic realm="a", nonce="b"'), undefined);
  assert.equal(parseDigestCredentials('Digest username="a", realm="b"'), undefined);
  assert.deepEqual(parseAuthHeader('Digest')?.params.size, 0);
});
