import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render, speakValue } from './template.js';

const slots = { day: { value: 'tuesday', spoken: 'Tuesday' }, time: { value: '10:00', spoken: 'ten A M' } };

test('slots are filled with their spoken form', () => {
  assert.equal(render('You said {day} at {time}. Is that right?', { slots }), 'You said Tuesday at ten A M. Is that right?');
});

test('result fields are made speakable by their look', () => {
  const result = { reference: 'RC-1042', day: 'wednesday', time: '14:30:00' };
  assert.equal(
    render('Booked for {result.day} at {result.time}. Your reference is {result.reference}.', { slots, result }),
    'Booked for Wednesday at two thirty P M. Your reference is R C, one zero four two.',
  );
});

test('a sentence whose value is missing is left out', () => {
  assert.equal(render('Thanks. Your reference is {result.reference}. Goodbye.', { slots, result: {} }), 'Thanks. Goodbye.');
});

test('filters choose the reading', () => {
  assert.equal(render('{result.n|digits}.', { slots, result: { n: '5551234' } }), 'five five five, one two three four.');
  assert.equal(render('{result.n|raw}.', { slots, result: { n: 'A1' } }), 'A1.');
  assert.equal(render('{day|raw}.', { slots }), 'tuesday.');
});

test('values cannot inject braces or control characters', () => {
  assert.equal(speakValue('hello {x}\u0007 there'), 'hello x there');
  assert.equal(speakValue({ a: 1 }), undefined);
  assert.equal(speakValue(''), undefined);
});
