import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeRequest, FakeResponse } from '../testing/fakes.js';
import { createMethodNotAllowed } from './method-not-allowed.js';
import { createOptionsResponder } from './options.js';
import { createStaleDialogGuard, hasToTag } from './stale-dialog.js';
import { createRequireCheck, unsupportedTags } from './require-check.js';

describe('small middleware', () => {
  it('OPTIONS gets 200 with Allow, Accept and Supported', () => {
    const res = new FakeResponse();
    createOptionsResponder()(new FakeRequest({ method: 'OPTIONS' }), res, () => assert.fail());
    assert.equal(res.last?.status, 200);
    assert.match(res.last?.headers.Allow ?? '', /INVITE.*BYE.*OPTIONS/);
    assert.match(res.last?.headers.Accept ?? '', /application\/sdp/);
    assert.ok('Supported' in (res.last?.headers ?? {}));
  });

  it('unsupported methods get 405 with Allow; dialog-only ones 481', () => {
    const mw = createMethodNotAllowed();
    const reg = new FakeResponse();
    mw(new FakeRequest({ method: 'REGISTER' }), reg, () => assert.fail());
    assert.equal(reg.last?.status, 405);
    assert.ok(reg.last?.headers.Allow);
    const bye = new FakeResponse();
    mw(new FakeRequest({ method: 'BYE' }), bye, () => assert.fail());
    assert.equal(bye.last?.status, 481);
  });

  it('a request for a dialog we do not have gets 481', () => {
    assert.equal(hasToTag('<sip:1000@gw>;tag=abc'), true);
    assert.equal(hasToTag('<sip:1000@gw;tag=inside-uri>'), false);
    assert.equal(hasToTag('sip:1000@gw ; tag = x'), true);
    assert.equal(hasToTag('<sip:1000@gw>'), false);
    const res = new FakeResponse();
    createStaleDialogGuard()(new FakeRequest({ headers: { To: '<sip:1000@gw>;tag=zz' } }), res, () => assert.fail());
    assert.equal(res.last?.status, 481);
    let passed = false;
    createStaleDialogGuard()(new FakeRequest(), new FakeResponse(), () => (passed = true));
    assert.equal(passed, true);
  });

  it('Require of an unsupported extension gets 420 with Unsupported', () => {
    assert.deepEqual(unsupportedTags('100rel, timer'), ['100rel', 'timer']);
    assert.deepEqual(unsupportedTags(undefined), []);
    const res = new FakeResponse();
    createRequireCheck()(new FakeRequest({ headers: { Require: '100rel' } }), res, () => assert.fail());
    assert.equal(res.last?.status, 420);
    assert.equal(res.last?.headers.Unsupported, '100rel');
    let passed = false;
    createRequireCheck()(new FakeRequest(), new FakeResponse(), () => (passed = true));
    assert.equal(passed, true);
  });
});
