import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digitRuns, numberAt, tokenize } from './spoken-digits.js';

const only = (text: string) => {
  const runs = digitRuns(text);
  assert.equal(runs.length, 1, `one run in ${JSON.stringify(text)}`);
  return runs[0]!;
};

test('digit words become digits, with offsets back into the text', () => {
  const text = 'it is four one one one ok';
  const run = only(text);
  assert.equal(run.digits, '4111');
  assert.equal(text.slice(run.start, run.end), 'four one one one');
});

test('"double" and "triple" repeat the next digit; "oh" is zero', () => {
  assert.equal(only('double five triple oh seven').digits, '550007');
  assert.equal(only('oh one two').digits, '012');
});

test('teens, tens and compound numbers: "twelve thirty four", "nineteen eighty five"', () => {
  assert.equal(only('twelve thirty four').digits, '1234');
  assert.equal(only('nineteen eighty five').digits, '1985');
  assert.equal(only('eight hundred').digits, '800');
  assert.equal(only('two thousand three').digits, '2003');
  assert.equal(only('one hundred and twelve').digits, '112');
});

test('digits and words mix, and commas, dashes and fillers do not break a run', () => {
  const text = 'card 4111, one one one one - uh 1111 one one one one.';
  const run = only(text);
  assert.equal(run.digits, '4111111111111111');
  assert.equal(text.slice(run.start, run.end), '4111, one one one one - uh 1111 one one one one');
});

test('groups follow the pauses: a written 3-2-4 and a spoken one', () => {
  assert.deepEqual(only('123-45-6789').groups, [3, 2, 4]);
  assert.deepEqual(only('one two three, four five, six seven eight nine').groups, [3, 2, 4]);
  assert.deepEqual(only('one two three four five six seven eight nine').groups, [9]);
});

test('other words end a run', () => {
  const runs = digitRuns('five five five or six six six');
  assert.deepEqual(runs.map((r) => r.digits), ['555', '666']);
});

test('numberAt reads nothing from a non-number', () => {
  const tokens = tokenize('hello double trouble');
  assert.equal(numberAt(tokens, 0), undefined);
  assert.equal(numberAt(tokens, 1), undefined);
});
