import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlowSlot } from '@callgate/contracts';
import { parseDay, parseEmail, parseFreeText, parsePhone, parseSlot, parseTime, parseYesNo, phoneFromDtmf, speakEmail } from './slots.js';

// Monday 6 January 2025, 10:00 UTC (23:30 on Sunday evening would be Monday in Auckland, hence the timezone test)
const ctx = { now: new Date('2025-01-06T10:00:00Z'), timezone: 'UTC' };
const day = (t: string) => parseDay(t, ctx)?.value;
const time = (t: string, mode: 'asked' | 'extract' = 'asked') => parseTime(t, mode)?.value;

test('days: names, STT variants and split words', () => {
  assert.equal(day('tuesday please'), 'tuesday');
  assert.equal(day("Thursday's fine"), 'thursday');
  assert.equal(day('how about wensday'), 'wednesday');
  assert.equal(day('fri day'), 'friday');
  assert.equal(day('next mondy'), 'monday');
  assert.equal(parseDay('saturday', ctx)?.spoken, 'Saturday');
});

test('days: today, tomorrow and the day after resolve to weekdays', () => {
  assert.equal(day('today'), 'monday');
  assert.equal(day('to day'), 'monday');
  assert.equal(day('tomorow morning'), 'tuesday');
  assert.equal(day('the day after tomorrow'), 'wednesday');
});

test('days: "today" follows the flow timezone', () => {
  const late = { now: new Date('2025-01-05T23:30:00Z'), timezone: 'Pacific/Auckland' };
  assert.equal(parseDay('today', late)?.value, 'monday');
});

test('days: no day in the utterance reads nothing', () => {
  assert.equal(day('whenever suits you'), undefined);
  assert.equal(day('some day'), undefined);
});

test('times: spoken and written forms', () => {
  assert.equal(time('ten a m'), '10:00');
  assert.equal(time('10 AM'), '10:00');
  assert.equal(time('10am'), '10:00');
  assert.equal(time('three p.m.'), '15:00');
  assert.equal(time('10:30'), '10:30');
  assert.equal(time('10 30'), '10:30');
  assert.equal(time('ten thirty'), '10:30');
  assert.equal(time('nine oh five'), '09:05');
  assert.equal(time("two o'clock"), '14:00');
  assert.equal(time('noon'), '12:00');
  assert.equal(time('twelve noon'), '12:00');
});

test('times: half past, quarter to, minutes past', () => {
  assert.equal(time('half past two'), '14:30');
  assert.equal(time('quarter to three'), '14:45');
  assert.equal(time('a quarter past nine'), '09:15');
  assert.equal(time('twenty past four'), '16:20');
});

test('times: without a.m./p.m. office hours decide; morning and afternoon override', () => {
  assert.equal(time('at nine'), '09:00');
  assert.equal(time('at two'), '14:00');
  assert.equal(time('eight in the evening'), '20:00');
  assert.equal(time('three in the morning'), '03:00');
  assert.equal(time('12 am'), '00:00');
});

test('times: homophones count only where a time is plainly meant', () => {
  assert.equal(time('at for'), '16:00');
  assert.equal(time('to p m'), '14:00');
  assert.equal(time('I want to come in'), undefined);
});

test('times: picked up in passing only with a cue', () => {
  assert.equal(time('tuesday at ten', 'extract'), '10:00');
  assert.equal(time('tuesday ten a m', 'extract'), '10:00');
  assert.equal(time('book for two people', 'extract'), undefined);
  assert.equal(time('ten', 'extract'), undefined);
  assert.equal(time('ten', 'asked'), '10:00');
  assert.equal(parseTime('half past two', 'asked')?.spoken, 'two thirty P M');
});

test('phone: spoken digits with oh, double and a misheard "to"', () => {
  assert.equal(parsePhone('oh seven seven double five one two to three four', 7, 15)?.value, '0775512234');
  assert.equal(parsePhone('my number is 555 1234', 7, 15)?.value, '5551234');
  assert.equal(parsePhone('five five five, one two three four', 7, 15)?.spoken, 'five five five, one two three four');
});

test('phone: a stray "oh" before the number is not part of it', () => {
  assert.equal(parsePhone("oh, it's five five five one two three four", 7, 15)?.value, '5551234');
});

test('phone: too few or too many digits read nothing', () => {
  assert.equal(parsePhone('five five five', 7, 15), undefined);
  assert.equal(parsePhone('1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6', 7, 15), undefined);
});

test('phone: DTMF digits before #', () => {
  assert.equal(phoneFromDtmf('5551234#', 7, 15)?.value, '5551234');
  assert.equal(phoneFromDtmf('555#', 7, 15), undefined);
});

test('yes/no: the usual words, negation first', () => {
  assert.equal(parseYesNo('yeah that is right'), true);
  assert.equal(parseYesNo('yep'), true);
  assert.equal(parseYesNo('go ahead'), true);
  assert.equal(parseYesNo('nope'), false);
  assert.equal(parseYesNo("that's not right"), false);
  assert.equal(parseYesNo('wrong'), false);
  assert.equal(parseYesNo('Tuesday'), undefined);
});

test('free text: lead-ins and trailing thanks are removed', () => {
  assert.equal(parseFreeText('my name is Ann Lee, thanks')?.value, 'Ann Lee');
  assert.equal(parseFreeText("um it's Bob")?.value, 'Bob');
  assert.equal(parseFreeText('  '), undefined);
});

test('email: spoken with "dot" and "at", or written; read back the way it is said', () => {
  assert.deepEqual(parseEmail('john dot smith at example dot com'), { value: 'john.smith@example.com', spoken: 'john dot smith at example dot com' });
  assert.deepEqual(parseEmail('my email is Jane underscore Doe at gmail dot co dot uk'), { value: 'jane_doe@gmail.co.uk', spoken: 'jane underscore doe at gmail dot co dot uk' });
  assert.equal(parseEmail('it is jdoe eighty five at yahoo dot com')?.value, 'jdoe85@yahoo.com');
  assert.equal(parseEmail('send it to maria.lopez@example.com please')?.value, 'maria.lopez@example.com');
  assert.equal(speakEmail('j.doe-85@example.org'), 'j dot doe dash eight five at example dot org');
});

test('email: "at" without an address is not one', () => {
  assert.equal(parseEmail('at the clinic'), undefined);
  assert.equal(parseEmail('see you at ten'), undefined);
  assert.equal(parseEmail('john dot smith at example dot'), undefined, 'no top-level domain yet');
});

test('email: read in passing too (an address is unmistakable)', () => {
  const slot: FlowSlot = { name: 'email', type: 'email', prompt: 'Email?', reprompts: [], maxAttempts: 3, minDigits: 7, maxDigits: 15, vocabulary: [] };
  assert.equal(parseSlot(slot, 'call me on five five five one two three four, email john at example dot com', 'extract', ctx)?.value, 'john@example.com');
});
