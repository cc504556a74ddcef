import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { computeDigestResponse, DigestVerifier, md5 } from './digest.js';
import { formatChallenge, parseAuthorization, parseAuthParams } from './digest-header.js';
import { NonceIssuer } from './nonce.js';

const h = (s: string) => createHash('md5').update(s).digest('hex');
const account = { realm: 'callgate', username: 'trunk1', password: 's3cret' };
const URI = 'sip:+15550100@gw.example.com';

function clock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** what a UAC computes, written out independently of the code under test (RFC 2617 §3.2.2.1) */
function clientResponse(nonce: string, nc: string, cnonce: string, method = 'INVITE', password = account.password): string {
  const ha1 = h(`${account.username}:${account.realm}:${password}`);
  const ha2 = h(`${method}:${URI}`);
  return h(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
}

function cred(nonce: string, response: string, extra: Partial<Record<string, string>> = {}) {
  return { username: account.username, realm: account.realm, nonce, uri: URI, response, qop: 'auth', nc: '00000001', cnonce: 'abcdef', algorithm: 'MD5', ...extra };
}

describe('digest', () => {
  it('computes the RFC 2617 §3.5 example response', () => {
    // the worked example of RFC 2617 (HTTP, qop=auth)
    const r = computeDigestResponse({
      username: 'Mufasa',
      realm: 'testrealm@host.com',
      password: 'Circle Of Life',
      method: 'GET',
      uri: '/dir/index.html',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
    });
    assert.equal(r, '6629fae49393a05397450978507c4ef1');
    assert.equal(md5('abc'), '900150983cd24fb0d6963f7d28e17f72');
  });

  it('accepts a correct response and rejects a wrong one', () => {
    const c = clock();
    const v = new DigestVerifier(new NonceIssuer({ now: c.now }), c.now);
    const nonce = v.challengeNonce(account.realm);
    assert.deepEqual(v.verify(cred(nonce, clientResponse(nonce, '00000001', 'abcdef')), account, 'INVITE', URI), { ok: true });
    const nonce2 = v.challengeNonce(account.realm);
    const wrong = clientResponse(nonce2, '00000001', 'abcdef', 'INVITE', 'guess');
    assert.deepEqual(v.verify(cred(nonce2, wrong), account, 'INVITE', URI), { ok: false, reason: 'mismatch' });
  });

  it('binds the response to the method', () => {
    const c = clock();
    const v = new DigestVerifier(new NonceIssuer({ now: c.now }), c.now);
    const nonce = v.challengeNonce(account.realm);
    const forOptions = clientResponse(nonce, '00000001', 'abcdef', 'OPTIONS');
    assert.equal(v.verify(cred(nonce, forOptions), account, 'INVITE', URI).ok, false);
  });

  it('reports a stale nonce only when the digest itself was right', () => {
    const c = clock();
    const v = new DigestVerifier(new NonceIssuer({ now: c.now, ttlMs: 60_000 }), c.now);
    const nonce = v.challengeNonce(account.realm);
    c.advance(61_000);
    assert.deepEqual(v.verify(cred(nonce, clientResponse(nonce, '00000001', 'abcdef')), account, 'INVITE', URI), { ok: false, reason: 'stale' });
    const wrong = clientResponse(nonce, '00000001', 'abcdef', 'INVITE', 'guess');
    assert.deepEqual(v.verify(cred(nonce, wrong), account, 'INVITE', URI), { ok: false, reason: 'mismatch' });
  });

  it('rejects forged nonces, replays, a missing qop and a foreign URI', () => {
    const c = clock();
    const v = new DigestVerifier(new NonceIssuer({ now: c.now }), c.now);
    const forged = `${c.now().toString(36)}.AAAA.BBBBBBBBBBBBBBBBBBBBBB`;
    assert.deepEqual(v.verify(cred(forged, clientResponse(forged, '00000001', 'x')), account, 'INVITE', URI), { ok: false, reason: 'bad-nonce' });
    const other = new NonceIssuer({ now: c.now }).issue(account.realm);
    assert.equal(v.verify(cred(other, clientResponse(other, '00000001', 'abcdef')), account, 'INVITE', URI).ok, false, 'nonce of another secret');

    const nonce = v.challengeNonce(account.realm);
    const good = cred(nonce, clientResponse(nonce, '00000001', 'abcdef'));
    assert.equal(v.verify(good, account, 'INVITE', URI).ok, true);
    assert.deepEqual(v.verify(good, account, 'INVITE', URI), { ok: false, reason: 'replay' });
    assert.equal(v.verify(cred(nonce, clientResponse(nonce, '00000002', 'abcdef'), { nc: '00000002' }), account, 'INVITE', URI).ok, true);

    const n3 = v.challengeNonce(account.realm);
    const noQop = { username: account.username, realm: account.realm, nonce: n3, uri: URI, response: 'x' };
    assert.deepEqual(v.verify(noQop, account, 'INVITE', URI), { ok: false, reason: 'unsupported' });
    assert.deepEqual(v.verify(cred(n3, clientResponse(n3, '00000001', 'abcdef'), { algorithm: 'SHA-256' }), account, 'INVITE', URI), { ok: false, reason: 'unsupported' });
    assert.deepEqual(v.verify(cred(n3, clientResponse(n3, '00000001', 'abcdef')), account, 'INVITE', 'sip:other@gw'), { ok: false, reason: 'uri-mismatch' });
  });

  it('parses Authorization headers, quoted values and folded credentials', () => {
    const [c] = parseAuthorization(
      'Digest username="trunk1", realm="callgate", nonce="n.1.x", uri="sip:+15550100@gw.example.com", response="0123456789abcdef0123456789abcdef", algorithm=MD5, cnonce="c\\"q", qop=auth, nc=00000001',
    );
    assert.ok(c);
    assert.equal(c.username, 'trunk1');
    assert.equal(c.cnonce, 'c"q');
    assert.equal(c.qop, 'auth');
    assert.equal(c.nc, '00000001');
    const two = parseAuthorization('Digest username="a", realm="r1", nonce="n", uri="u", response="x", Digest username="b", realm="r2", nonce="n", uri="u", response="y"');
    assert.deepEqual(two.map((x) => x.realm), ['r1', 'r2']);
    assert.deepEqual(parseAuthorization('Basic dXNlcjpwYXNz'), []);
    assert.deepEqual(parseAuthorization('Digest username="unterminated'), []);
    assert.equal(parseAuthParams('a=1, b'), null, 'a parameter without a value');
    assert.equal(parseAuthParams('a="open'), null, 'an unterminated quoted value');
  });

  it('formats a challenge with qop, algorithm and stale', () => {
    const v = formatChallenge({ realm: 'callgate', nonce: 'abc', stale: true });
    assert.equal(v, 'Digest realm="callgate", nonce="abc", qop="auth", algorithm=MD5, stale=TRUE');
    const p = parseAuthParams(v.slice('Digest '.length));
    assert.equal(p?.get('realm'), 'callgate');
  });
});
