import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { silentLogger, type TrunkConfig } from '@callgate/contracts';
import { DigestVerifier } from '../auth/digest.js';
import { NonceIssuer } from '../auth/nonce.js';
import { parseAuthParams } from '../auth/digest-header.js';
import { FakeRequest, FakeResponse } from '../testing/fakes.js';
import { createTrunkAuth } from './trunk-auth.js';

const h = (s: string) => createHash('md5').update(s).digest('hex');
const URI = 'sip:+15550100@gw.example.com';

const trunks: TrunkConfig[] = [
  { name: 'carrier-ip', allow: ['203.0.113.0/24', '2001:db8::/32'] },
  { name: 'pbx-digest', allow: [], digest: { realm: 'callgate', username: 'pbx', password: 'pw' } },
  { name: 'both', allow: ['198.51.100.0/24'], digest: { realm: 'secure', username: 'both', password: 'pw2' } },
];

function setup(list = trunks) {
  const verifier = new DigestVerifier(new NonceIssuer());
  return createTrunkAuth({ trunks: list, verifier, logger: silentLogger });
}

function run(mw: ReturnType<typeof setup>, req: FakeRequest) {
  const res = new FakeResponse();
  let passed = false;
  mw(req, res, () => (passed = true));
  return { res, passed };
}

function answer(challenge: string, user: string, password: string, method = 'INVITE', uri = URI): string {
  const p = parseAuthParams(challenge.replace(/^Digest\s+/, ''));
  assert.ok(p);
  const realm = p.get('realm') as string;
  const nonce = p.get('nonce') as string;
  const ha1 = h(`${user}:${realm}:${password}`);
  const resp = h(`${ha1}:${nonce}:00000001:cn0nce:auth:${h(`${method}:${uri}`)}`);
  return `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${resp}", algorithm=MD5, qop=auth, nc=00000001, cnonce="cn0nce"`;
}

describe('trunk auth middleware', () => {
  it('passes a request from an allowed network and names the trunk', () => {
    const req = new FakeRequest({ source_address: '203.0.113.9' });
    const { res, passed } = run(setup(), req);
    assert.equal(passed, true);
    assert.equal(res.sent.length, 0);
    assert.deepEqual(req.locals?.trunk, { name: 'carrier-ip', via: 'address' });
    assert.equal(run(setup(), new FakeRequest({ source_address: '2001:db8::77' })).passed, true);
  });

  it('refuses an unknown source with 403 when no digest trunk could vouch for it', () => {
    const { res, passed } = run(setup([trunks[0] as TrunkConfig]), new FakeRequest({ source_address: '192.0.2.99' }));
    assert.equal(passed, false);
    assert.equal(res.last?.status, 403);
  });

  it('challenges with 401 and accepts the right credentials', () => {
    const mw = setup();
    const first = run(mw, new FakeRequest({ source_address: '192.0.2.99' }));
    assert.equal(first.passed, false);
    assert.equal(first.res.last?.status, 401);
    const challenge = first.res.last?.headers['WWW-Authenticate'] as string;
    assert.match(challenge, /^Digest realm="callgate", nonce="[^"]+", qop="auth", algorithm=MD5$/);

    const req = new FakeRequest({ source_address: '192.0.2.99', headers: { Authorization: answer(challenge, 'pbx', 'pw') } });
    const second = run(mw, req);
    assert.equal(second.passed, true);
    assert.deepEqual(req.locals?.trunk, { name: 'pbx-digest', via: 'digest' });
  });

  it('answers wrong credentials with a fresh 401', () => {
    const mw = setup();
    const challenge = run(mw, new FakeRequest({ source_address: '192.0.2.99' })).res.last?.headers['WWW-Authenticate'] as string;
    const bad = run(mw, new FakeRequest({ source_address: '192.0.2.99', headers: { Authorization: answer(challenge, 'pbx', 'nope') } }));
    assert.equal(bad.passed, false);
    assert.equal(bad.res.last?.status, 401);
    assert.doesNotMatch(bad.res.last?.headers['WWW-Authenticate'] as string, /stale/);
  });

  it('requires both the network and the digest when a trunk has both', () => {
    const mw = setup([trunks[2] as TrunkConfig]);
    assert.equal(run(mw, new FakeRequest({ source_address: '192.0.2.1' })).res.last?.status, 403, 'wrong network');
    const first = run(mw, new FakeRequest({ source_address: '198.51.100.20' }));
    assert.equal(first.res.last?.status, 401, 'right network, no digest');
    const challenge = first.res.last?.headers['WWW-Authenticate'] as string;
    assert.match(challenge, /realm="secure"/);
    const req = new FakeRequest({ source_address: '198.51.100.20', headers: { Authorization: answer(challenge, 'both', 'pw2') } });
    assert.equal(run(mw, req).passed, true);
    assert.deepEqual(req.locals?.trunk, { name: 'both', via: 'address+digest' });
    const elsewhere = new FakeRequest({ source_address: '192.0.2.1', headers: { Authorization: answer(challenge, 'both', 'pw2') } });
    assert.equal(run(mw, elsewhere).res.last?.status, 403, 'right digest, wrong network');
  });

  it('signals stale=TRUE for an expired nonce with a correct digest', () => {
    let t = 1_000_000;
    const now = () => t;
    const mw = createTrunkAuth({ trunks: [trunks[1] as TrunkConfig], verifier: new DigestVerifier(new NonceIssuer({ now, ttlMs: 1000 }), now), logger: silentLogger });
    const challenge = run(mw, new FakeRequest({ source_address: '192.0.2.99' })).res.last?.headers['WWW-Authenticate'] as string;
    t += 5000;
    const r = run(mw, new FakeRequest({ source_address: '192.0.2.99', headers: { Authorization: answer(challenge, 'pbx', 'pw') } }));
    assert.equal(r.res.last?.status, 401);
    assert.match(r.res.last?.headers['WWW-Authenticate'] as string, /stale=TRUE/);
  });

  it('answers 400 when the digest-uri is not the Request-URI', () => {
    const mw = setup();
    const challenge = run(mw, new FakeRequest({ source_address: '192.0.2.99' })).res.last?.headers['WWW-Authenticate'] as string;
    const auth = answer(challenge, 'pbx', 'pw', 'INVITE', 'sip:other@gw.example.com');
    assert.equal(run(mw, new FakeRequest({ source_address: '192.0.2.99', headers: { Authorization: auth } })).res.last?.status, 400);
  });

  it('authenticates OPTIONS the same way', () => {
    const mw = setup();
    const opt = run(mw, new FakeRequest({ method: 'OPTIONS', uri: 'sip:gw.example.com', source_address: '203.0.113.5' }));
    assert.equal(opt.passed, true);
  });
});
