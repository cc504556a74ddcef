import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatParams, getParam, parseParams } from './params.js';

test('header params: flags, values, quoted strings, white space, case', () => {
  const p = parseParams(' ; Tag = abc ;lr; expires=3600;x="a;b, \\"c\\""');
  assert.ok(p);
  assert.equal(p.get('tag'), 'abc');
  assert.equal(p.get('lr'), null);
  assert.equal(getParam(p, 'EXPIRES'), '3600');
  assert.equal(p.get('x'), 'a;b, "c"');
  assert.equal(p.get('missing'), undefined);
});

test('empty input and empty params', () => {
  assert.equal(parseParams('')?.size, 0);
  assert.equal(parseParams(';;a=1;')?.get('a'), '1');
});

test('garbage yields undefined', () => {
  assert.equal(parseParams('abc'), undefined);
  assert.equal(parseParams(';x="open'), undefined);
  assert.equal(parseParams(';a b=1'), undefined);
  assert.equal(parseParams(';a=b c'), undefined);
  assert.equal(parseParams(';a=1\r\n;b'), undefined);
  assert.equal(parseParams(';="x"'), undefined);
});

test('uri mode: no quotes, escapes allowed, bad escapes rejected', () => {
  assert.equal(parseParams(';user=phone;x=%41b', 'uri')?.get('x'), '%41b');
  assert.equal(parseParams(';x="a"', 'uri'), undefined);
  assert.equal(parseParams(';x=%4', 'uri'), undefined);
});

test('first occurrence wins', () => {
  assert.equal(parseParams(';a=1;A=2')?.get('a'), '1');
});

test('formatParams quotes only when needed', () => {
  const p = new Map<string, string | null>([
    ['tag', 'abc'],
    ['lr', null],
    ['received', '2001:db8::1'],
    ['text', 'hello world "x"'],
  ]);
  assert.equal(formatParams(p), ';tag=abc;lr;received=2001:db8::1;text="hello world \\"x\\""');
  assert.deepEqual(parseParams(formatParams(p)), p);
});
