import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editDistance, speakDigits, speakTime, spell, stem, wordSimilarity } from './text.js';

test('speakDigits reads a number back in groups of digit words', () => {
  assert.equal(speakDigits('5551234'), 'five five five, one two three four');
  assert.equal(speakDigits('0207946012'), 'zero two zero, seven nine four, six zero one two');
  assert.equal(speakDigits('15551234567'), 'one, five five five, one two three, four five six seven');
  assert.equal(speakDigits('07700900123'), 'zero seven seven zero zero, nine zero zero, one two three');
});

test('spell reads a code character by character', () => {
  assert.equal(spell('RC-1042'), 'R C, one zero four two');
  assert.equal(spell('ab7'), 'A B, seven');
});

test('speakTime says a 24 h time the way flite reads it well', () => {
  assert.equal(speakTime('10:00'), 'ten A M');
  assert.equal(speakTime('14:30'), 'two thirty P M');
  assert.equal(speakTime('09:05'), 'nine oh five A M');
  assert.equal(speakTime('12:00'), 'twelve noon');
  assert.equal(speakTime('12:45'), 'twelve forty five P M');
  assert.equal(speakTime('25:00'), undefined);
});

test('stem brings inflections together', () => {
  assert.equal(stem('bookings'), 'book');
  assert.equal(stem('booked'), 'book');
  assert.equal(stem('hours'), 'hour');
  assert.equal(stem("monday's"), 'monday');
});

test('editDistance stops early beyond its bound', () => {
  assert.equal(editDistance('hours', 'ours', 2), 1);
  assert.equal(editDistance('tuesday', 'thursday', 2), 2);
  assert.equal(editDistance('appointment', 'cat', 2), 3);
});

test('wordSimilarity allows small STT slips on content words only', () => {
  assert.equal(wordSimilarity('booking', 'book'), 1);
  assert.equal(wordSimilarity('ours', 'hours'), 0.8);
  assert.equal(wordSimilarity('apointment', 'appointment'), 0.8);
  assert.equal(wordSimilarity('receptionst', 'receptionist'), 0.8);
  assert.equal(wordSimilarity('yours', 'hours'), 0, 'stop words never match fuzzily');
  assert.equal(wordSimilarity('cat', 'car'), 0, 'short words must match exactly');
  assert.equal(wordSimilarity('four', 'hours'), 0, 'number words match exactly');
});
