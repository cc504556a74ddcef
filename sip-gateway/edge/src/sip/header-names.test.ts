import { it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalHeaderName } from './header-names.js';

it('writes header names in their RFC spelling', () => {
  assert.equal(canonicalHeaderName('retry-after'), 'Retry-After');
  assert.equal(canonicalHeaderName('WWW-AUTHENTICATE'), 'WWW-Authenticate');
  assert.equal(canonicalHeaderName('call-id'), 'Call-ID');
  assert.equal(canonicalHeaderName('cseq'), 'CSeq');
  assert.equal(canonicalHeaderName('x-custom-thing'), 'X-Custom-Thing');
  assert.equal(canonicalHeaderName('Content-Type'), 'Content-Type');
});
