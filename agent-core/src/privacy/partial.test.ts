import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskPartial, redactPartial } from './partial.js';

test('a number half said is masked in a partial', () => {
  assert.equal(redactPartial('two one two five five five'), '[NUMBER]');
  assert.equal(redactPartial('my card number is four one one one one one'), 'my card number is [NUMBER]');
  assert.equal(redactPartial('it is 555 01'), 'it is [NUMBER]');
});

test('an address being spelled is masked in a partial', () => {
  assert.equal(redactPartial('john dot smith at'), '[EMAIL]');
  assert.equal(redactPartial('my email is john dot smith at example dot'), 'my email is [EMAIL]');
  assert.equal(redactPartial('jane underscore'), '[EMAIL]');
  assert.equal(redactPartial('it is john.smith@exam'), 'it is [EMAIL]');
});

test('whole values keep their typed placeholders', () => {
  assert.equal(redactPartial('two one two five five five zero one nine eight'), '[PHONE_NUMBER]');
  assert.equal(redactPartial('john dot smith at example dot com'), '[EMAIL]');
});

test('ordinary partials are left alone', () => {
  for (const t of ['i would like to book an appointment', 'tuesday at ten', 'twelve o\'clock', 'see you at the clinic', 'press three']) {
    assert.equal(maskPartial(t), t);
  }
});
