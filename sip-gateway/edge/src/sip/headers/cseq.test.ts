import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCSeq, parseCSeq } from './cseq.js';

test('parse and format', () => {
  assert.deepEqual(parseCSeq('4711 INVITE'), { seq: 4711, method: 'INVITE' });
  assert.deepEqual(parseCSeq('  0 \t ACK '), { seq: 0, method: 'ACK' });
  assert.deepEqual(parseCSeq('4294967295 NEWMETHOD'), { seq: 4294967295, method: 'NEWMETHOD' });
  assert.equal(formatCSeq({ seq: 1, method: 'BYE' }), '1 BYE');
});

test('garbage yields undefined', () => {
  for (const bad of ['', 'INVITE', '1', '4294967296 INVITE', '-1 INVITE', '1.5 INVITE', '12345678901 INVITE', '1 INV ITE', 'abc INVITE', '1INVITE']) {
    assert.equal(parseCSeq(bad), undefined, bad);
  }
});
