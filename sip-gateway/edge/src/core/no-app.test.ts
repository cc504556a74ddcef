import { it } from 'node:test';
import assert from 'node:assert/strict';
import { rejectionWithoutApp } from './no-app.js';

it('answers requests no application routed as RFC 3261 asks', () => {
  assert.equal(rejectionWithoutApp('INVITE', []).status, 503);
  assert.equal(rejectionWithoutApp('FROBNICATE', ['invite']).status, 501);
  assert.equal(rejectionWithoutApp('BYE', ['invite']).status, 481);
  const r = rejectionWithoutApp('REGISTER', ['invite', 'options']);
  assert.equal(r.status, 405);
  assert.deepEqual(r.headers, [{ name: 'Allow', value: 'INVITE, OPTIONS' }]);
});
