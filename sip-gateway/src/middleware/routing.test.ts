import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '@callgate/contracts';
import { FakeRequest, FakeResponse } from '../testing/fakes.js';
import { createRouting, normalizeNumber, NumberPlan, requestUriUser } from './routing.js';

const plan = new NumberPlan({
  numbers: [
    { number: '+15550100', agent: 'reception', transferTarget: 'sip:desk@pbx.example.com' },
    { number: '1000', agent: 'support' },
  ],
  transferTarget: 'tel:+15550199',
});

describe('routing', () => {
  it('takes the user part of sip:, sips: and tel: URIs', () => {
    assert.equal(requestUriUser('sip:+15550100@gw.example.com'), '+15550100');
    assert.equal(requestUriUser('sips:1000@gw.example.com:5061;transport=tls'), '1000');
    assert.equal(requestUriUser('sip:+1-555-0100;phone-context=example.com@gw;user=phone'), '+1-555-0100');
    assert.equal(requestUriUser('tel:+1-555-0100;phone-context=+1'), '+1-555-0100');
    assert.equal(requestUriUser('sip:1000:secret@gw'), '1000');
    assert.equal(requestUriUser('sip:gw.example.com'), null);
    assert.equal(requestUriUser('http://x'), null);
  });

  it('strips visual separators and refuses non-numbers', () => {
    assert.equal(normalizeNumber('+1 (555) 01-00'), '+15550100');
    assert.equal(normalizeNumber('+1.555.0100'), '+15550100');
    assert.equal(normalizeNumber('%2B15550100'), '+15550100');
    assert.equal(normalizeNumber('*98#'), '*98#');
    assert.equal(normalizeNumber('alice'), null);
    assert.equal(normalizeNumber('1+2'), null);
    assert.equal(normalizeNumber('%zz'), null);
  });

  it('finds the route, falling back to the global transfer target', () => {
    assert.deepEqual(plan.lookup('sip:+1-555-0100@gw'), { number: '+15550100', agent: 'reception', transferTarget: 'sip:desk@pbx.example.com' });
    assert.deepEqual(plan.lookup('tel:1000'), { number: '1000', agent: 'support', transferTarget: 'tel:+15550199' });
    assert.equal(plan.lookup('sip:15550100@gw'), undefined, 'a leading + matters');
  });

  it('sets req.locals.route or answers 404', () => {
    const mw = createRouting(plan, silentLogger);
    const req = new FakeRequest({ uri: 'sip:(1000)@gw' });
    const res = new FakeResponse();
    let passed = false;
    mw(req, res, () => (passed = true));
    assert.equal(passed, true);
    assert.equal(req.locals?.route?.agent, 'support');

    const res2 = new FakeResponse();
    let passed2 = false;
    mw(new FakeRequest({ uri: 'sip:9999@gw' }), res2, () => (passed2 = true));
    assert.equal(passed2, false);
    assert.equal(res2.last?.status, 404);
  });
});
