import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dashboardSchema } from '@callgate/contracts';
import { hashPassword, verifyPassword } from './passwords.js';
import { Accounts, AccountConfigError } from './accounts.js';
import { SessionStore } from './sessions.js';
import { LoginLimiter } from './login-limiter.js';

const cheap = { N: 1024, r: 8, p: 1 };

test('scrypt hashes verify the right password only, with a fresh salt each time', async () => {
  const a = await hashPassword('correct horse', cheap);
  const b = await hashPassword('correct horse', cheap);
  assert.match(a, /^scrypt\$1024\$8\$1\$/);
  assert.notEqual(a, b);
  assert.equal(await verifyPassword('correct horse', a), true);
  assert.equal(await verifyPassword('correct horsE', a), false);
  assert.equal(await verifyPassword('correct horse', 'scrypt$1000$8$1$AAAA$BBBB'), false, 'N not a power of two');
  assert.equal(await verifyPassword('x', 'plain-text'), false);
});

test('without configured users the embedded defaults exist and are flagged; production refuses them', async () => {
  const embedded = await Accounts.fromConfig(dashboardSchema.parse({}));
  assert.deepEqual(embedded.list().map((a) => [a.username, a.role, a.isDefault]), [['admin', 'admin', true], ['supervisor', 'supervisor', true]]);
  assert.ok(await embedded.verify('supervisor', 'callgate'));
  assert.equal(await embedded.verify('supervisor', 'wrong'), undefined);
  assert.equal(await embedded.verify('nobody', 'callgate'), undefined);
  await assert.rejects(Accounts.fromConfig(dashboardSchema.parse({ production: true })), AccountConfigError);
  const withDefault = dashboardSchema.parse({ production: true, users: [{ username: 'ops', role: 'admin', passwordHash: await hashPassword('callgate', cheap) }] });
  await assert.rejects(Accounts.fromConfig(withDefault), /refuses the default password \(accounts: ops\)/);
  const good = dashboardSchema.parse({ production: true, users: [{ username: 'ops', role: 'admin', password: '${OPS_PW}' }] });
  const accounts = await Accounts.fromConfig(good, { OPS_PW: 'a long passphrase' });
  assert.ok(await accounts.verify('ops', 'a long passphrase'));
  await assert.rejects(Accounts.fromConfig(good, {}), /dashboard\.users\.0\.password: environment variable OPS_PW is not set/);
});

test('the config names a user entry with both or neither password fields', () => {
  const r = dashboardSchema.safeParse({ users: [{ username: 'x', role: 'admin' }] });
  assert.equal(r.success, false);
  assert.deepEqual(r.error?.issues[0]?.path, ['users', 0, 'passwordHash']);
});

test('sessions expire after the idle lifetime; the CSRF token must match exactly', () => {
  let now = 1000;
  const store = new SessionStore(60_000, () => now);
  const s = store.create('alice', 'supervisor');
  assert.equal(store.get(s.id)?.username, 'alice');
  now += 59_000;
  assert.ok(store.get(s.id), 'touched: still alive');
  now += 59_000;
  assert.ok(store.get(s.id), 'still within the idle time since the last touch');
  now += 60_001;
  assert.equal(store.get(s.id), undefined);
  const t = store.create('bob', 'admin');
  assert.equal(SessionStore.csrfMatches(t, t.csrf), true);
  assert.equal(SessionStore.csrfMatches(t, t.csrf.slice(1)), false);
  assert.equal(SessionStore.csrfMatches(t, undefined), false);
  assert.equal(store.get(undefined), undefined);
  store.destroyUser('bob');
  assert.equal(store.get(t.id), undefined);
});

test('failed logins lock the username out; another address for the same user is locked too, and it ends', () => {
  let now = 0;
  const limiter = new LoginLimiter(3, 10_000, () => now);
  for (let i = 0; i < 2; i++) limiter.failed('admin', '10.0.0.1');
  assert.equal(limiter.retryAfterMs('admin', '10.0.0.1'), 0);
  limiter.failed('admin', '10.0.0.1');
  assert.equal(limiter.retryAfterMs('admin', '10.0.0.1'), 10_000);
  assert.equal(limiter.retryAfterMs('ADMIN', '10.0.0.2'), 10_000, 'the username is locked wherever it comes from');
  assert.equal(limiter.retryAfterMs('carol', '10.0.0.1'), 0, 'the address itself has a higher limit');
  now += 10_000;
  assert.equal(limiter.retryAfterMs('admin', '10.0.0.1'), 0);
  for (let i = 0; i < 12; i++) limiter.failed(`user${i}`, '10.0.0.9');
  assert.ok(limiter.retryAfterMs('someone-else', '10.0.0.9') > 0, 'one address trying many usernames is locked');
});
