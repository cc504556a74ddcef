import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectAccounts } from './account.js';
import { detectAddresses } from './address.js';
import { detectCards, luhnValid } from './card.js';
import { detectDatesOfBirth } from './dob.js';
import { detectEmails } from './email.js';
import { detectNames } from './name.js';
import { detectPhones } from './phone.js';
import { detectSsns } from './ssn.js';
import type { Detector } from '../types.js';

/** the text each detector reports, and its normal forms */
const hits = (d: Detector, text: string) => d(text).map((s) => text.slice(s.start, s.end));
const norm = (d: Detector, text: string) => d(text).map((s) => s.normalized);

test('Luhn: valid test cards pass, a changed digit fails', () => {
  assert.ok(luhnValid('4111111111111111'));
  assert.ok(luhnValid('378282246310005'));
  assert.ok(!luhnValid('4111111111111112'));
  assert.ok(!luhnValid('1234567890123456'));
  assert.ok(!luhnValid('41a1'));
});

test('cards: written, spoken with "double" and "oh", and a 16-digit non-Luhn number left alone', () => {
  assert.deepEqual(norm(detectCards, 'it is 4111 1111 1111 1111'), ['4111111111111111']);
  assert.deepEqual(norm(detectCards, 'six oh one one double oh oh nine nine oh one three nine four two four'), ['6011000990139424']);
  assert.deepEqual(detectCards('the number is 1234 5678 9012 3456'), []);
  assert.deepEqual(hits(detectCards, 'card 4111 1111 1111 1111, 0426'), ['4111 1111 1111 1111']);
});

test('SSN: 3-2-4 grouping or a cue; other nine-digit runs and unissued numbers are not SSNs', () => {
  assert.deepEqual(hits(detectSsns, 'it is 123-45-6789'), ['123-45-6789']);
  assert.deepEqual(norm(detectSsns, 'my social is one two three four five six seven eight nine'), ['123456789']);
  assert.deepEqual(detectSsns('the tracking code is one two three four five six seven eight nine'), []);
  assert.deepEqual(detectSsns('my social is 666-12-3456'), []);
  assert.deepEqual(hits(detectSsns, 'the last four of my social are six seven eight nine'), ['six seven eight nine']);
});

test('phones: ten digits, +1 and "plus one" included in the span', () => {
  assert.deepEqual(hits(detectPhones, 'call +1 415 555 0132 now'), ['+1 415 555 0132']);
  assert.deepEqual(norm(detectPhones, 'plus one four one five five five five oh one three two'), ['4155550132']);
  assert.deepEqual(hits(detectPhones, 'at (212) 555-0147'), ['(212) 555-0147']);
  assert.deepEqual(detectPhones('order 0123456789'), []);
});

test('emails: written and spoken, with numbers and spelled letters', () => {
  assert.deepEqual(norm(detectEmails, 'it is john dot smith at gmail dot com thanks'), ['john.smith@gmail.com']);
  assert.deepEqual(norm(detectEmails, 'jdoe eighty five at yahoo dot com'), ['jdoe85@yahoo.com']);
  assert.deepEqual(norm(detectEmails, 'email is j d o e at hotmail.com'), ['jdoe@hotmail.com']);
  assert.deepEqual(norm(detectEmails, 'Mail A.B@Example.org'), ['a.b@example.org']);
  assert.deepEqual(detectEmails('meet me at the office at noon'), []);
});

test('dates of birth: only after a cue, spoken and numeric', () => {
  assert.deepEqual(norm(detectDatesOfBirth, 'I was born on march third nineteen eighty five'), ['1985-03-03']);
  assert.deepEqual(norm(detectDatesOfBirth, 'DOB 03/03/1985'), ['1985-03-03']);
  assert.deepEqual(norm(detectDatesOfBirth, 'my birthday is the fourth of July'), ['????-07-04']);
  assert.deepEqual(norm(detectDatesOfBirth, "my birthday's nine twelve eighty"), ['80-09-12']);
  assert.deepEqual(detectDatesOfBirth('the appointment is march third nineteen eighty five'), []);
});

test('addresses: written and spoken house numbers; lower-case needs a cue', () => {
  assert.deepEqual(hits(detectAddresses, 'I live at twelve thirty four elm street'), ['twelve thirty four elm street']);
  assert.deepEqual(hits(detectAddresses, 'Go to 88 North Maple Avenue, apt 4B now'), ['88 North Maple Avenue, apt 4B']);
  assert.deepEqual(detectAddresses('it is ten minutes down the road'), []);
  assert.deepEqual(detectAddresses('we drove 20 miles down Main Street'), []);
});

test('names: strong cues take lower case, weak cues need capitals, function words stop a name', () => {
  assert.deepEqual(hits(detectNames, 'my name is maria gonzalez and I need help'), ['maria gonzalez']);
  assert.deepEqual(hits(detectNames, 'this is Priya Raman from accounts'), ['Priya Raman']);
  assert.deepEqual(hits(detectNames, 'Dana Whitfield speaking'), ['Dana Whitfield']);
  assert.deepEqual(detectNames('this is really annoying'), []);
  assert.deepEqual(detectNames('my name is important to me'), []);
});

test('account numbers: cued, five or more characters with digits', () => {
  assert.deepEqual(norm(detectAccounts, 'my account number is 1234 5678 9012 3456'), ['1234567890123456']);
  assert.deepEqual(norm(detectAccounts, 'member ID is A B one two three four five'), ['AB12345']);
  assert.deepEqual(detectAccounts('my account is locked'), []);
  assert.deepEqual(detectAccounts('account number 1234'), []);
});
