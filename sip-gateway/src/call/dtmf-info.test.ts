import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDtmfInfo } from './dtmf-info.js';

describe('DTMF in SIP INFO', () => {
  it('application/dtmf-relay with and without duration', () => {
    assert.deepEqual(parseDtmfInfo('application/dtmf-relay', 'Signal=5\r\nDuration=250\r\n'), { kind: 'digit', value: { digit: '5', durationMs: 250 } });
    assert.deepEqual(parseDtmfInfo('application/dtmf-relay', 'Signal= #\r\n'), { kind: 'digit', value: { digit: '#', durationMs: 160 } });
    assert.deepEqual(parseDtmfInfo('application/dtmf-relay', 'signal=10\nduration=100'), { kind: 'digit', value: { digit: '*', durationMs: 100 } });
    assert.deepEqual(parseDtmfInfo('application/dtmf-relay', 'Signal=a'), { kind: 'digit', value: { digit: 'A', durationMs: 160 } });
  });

  it('application/dtmf', () => {
    assert.deepEqual(parseDtmfInfo('application/dtmf', '7'), { kind: 'digit', value: { digit: '7', durationMs: 160 } });
    assert.deepEqual(parseDtmfInfo('application/dtmf', '11\r\n'), { kind: 'digit', value: { digit: '#', durationMs: 160 } });
  });

  it('empty, malformed and unsupported bodies', () => {
    assert.deepEqual(parseDtmfInfo(undefined, ''), { kind: 'empty' });
    assert.deepEqual(parseDtmfInfo('application/dtmf-relay', 'Signal=X'), { kind: 'malformed' });
    assert.deepEqual(parseDtmfInfo('application/dtmf-relay', 'Duration=100'), { kind: 'malformed' });
    assert.deepEqual(parseDtmfInfo('application/dtmf', '99'), { kind: 'malformed' });
    assert.deepEqual(parseDtmfInfo('application/media_control+xml', '<x/>'), { kind: 'unsupported' });
  });
});
