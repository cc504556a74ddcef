/** Trunk policy: a source no trunk allows gets 403; a digest trunk challenges (401) and accepts good credentials. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Appliance } from './harness/appliance.js';
import { portPlan } from './harness/ports.js';
import { assertSippOk, call, describeRun, header, receivedResponses } from './harness/fixture.js';

describe('source not allowed', () => {
  let app: Appliance;
  before(async () => {
    app = await Appliance.start({ ports: portPlan(5), trunks: [{ name: 'carrier', allow: ['10.0.0.0/8'] }] });
  });
  after(async () => {
    assert.equal(await app?.stop(), 0, app?.logTail());
  });

  it('answers 403 to an INVITE from 127.0.0.1 when no trunk allows it and none uses digest', async () => {
    const r = await call(app, { scenario: 'trunk-forbidden.xml' });
    assertSippOk(r, app);
  });
});

describe('digest trunk', () => {
  const digest = { realm: 'callgate.test', username: 'trunkuser', password: 's3cret-pass' };
  let app: Appliance;
  before(async () => {
    app = await Appliance.start({ ports: portPlan(6), trunks: [{ name: 'digest', digest }] });
  });
  after(async () => {
    assert.equal(await app?.stop(), 0, app?.logTail());
  });

  // SIPp's digest uri defaults to sip:REMOTE_IP:PORT; RFC 2617 3.2.2.5 wants the Request-URI, so force it
  const authUri = (): string[] => ['-auth_uri', `1000@127.0.0.1:${app.ports.sip}`];

  it('challenges with 401 + WWW-Authenticate, then answers the authenticated INVITE with 200', async () => {
    const r = await call(app, { scenario: 'digest-auth.xml', auth: { username: digest.username, password: digest.password }, extraArgs: authUri() });
    assertSippOk(r, app);
    const challenge = receivedResponses(r, 'INVITE').find((m) => m.status === 401)!;
    assert.match(header(challenge, 'www-authenticate') ?? '', /^Digest .*realm="callgate\.test"/i);
    assert.match(header(challenge, 'www-authenticate') ?? '', /nonce="[^"]+"/i);
  });

  it('refuses an INVITE with a wrong password (401/403 again)', async () => {
    const r = await call(app, { scenario: 'digest-auth.xml', auth: { username: digest.username, password: 'wrong' }, extraArgs: authUri(), recvTimeoutMs: 4000 });
    assert.notEqual(r.code, 0, `SIPp must see the call fail\n${describeRun(r)}`);
    const finals = receivedResponses(r, 'INVITE').map((m) => m.status);
    assert.equal(finals[finals.length - 1] === 401 || finals[finals.length - 1] === 403, true, `second INVITE answered ${finals.join(',')}`);
    assert.ok(!finals.includes(200));
  });
});
