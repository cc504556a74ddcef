import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { extractSdp } from './body.js';

describe('sdp body extraction', () => {
  it('plain SDP, none, and unsupported bodies', () => {
    assert.deepEqual(extractSdp('application/sdp', 'v=0\r\n'), { kind: 'sdp', sdp: 'v=0\r\n' });
    assert.deepEqual(extractSdp('Application/SDP; charset=utf-8', 'v=0\r\n'), { kind: 'sdp', sdp: 'v=0\r\n' });
    assert.deepEqual(extractSdp(undefined, ''), { kind: 'none' });
    assert.deepEqual(extractSdp(undefined, 'v=0\r\n'), { kind: 'sdp', sdp: 'v=0\r\n' });
    assert.deepEqual(extractSdp('text/plain', 'hello'), { kind: 'unsupported', contentType: 'text/plain' });
  });

  it('finds the SDP part of multipart/mixed', () => {
    const body = [
      '--b1',
      'Content-Type: application/sdp',
      '',
      'v=0',
      'o=- 1 1 IN IP4 1.2.3.4',
      '--b1',
      'Content-Type: application/isup;version=itu-t92+',
      '',
      'xxxx',
      '--b1--',
      '',
    ].join('\r\n');
    const r = extractSdp('multipart/mixed;boundary="b1"', body);
    assert.deepEqual(r, { kind: 'sdp', sdp: 'v=0\r\no=- 1 1 IN IP4 1.2.3.4' });
  });
});
