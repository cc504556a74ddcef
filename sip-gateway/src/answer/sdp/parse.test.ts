import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveConnection, effectiveDirection, parseSdp } from './parse.js';
import { OFFER_PCMU } from '../../testing/fakes.js';

describe('sdp parse', () => {
  it('parses origin, connection, m-line, rtpmap, fmtp, direction', () => {
    const r = parseSdp(OFFER_PCMU);
    assert.ok(r.ok);
    const s = r.sdp;
    assert.equal(s.origin.sessionId, '2890844526');
    assert.equal(s.origin.sessionVersion, '2890844526');
    assert.equal(s.connection?.address, '192.0.2.10');
    assert.equal(s.media.length, 1);
    const m = s.media[0];
    assert.ok(m);
    assert.equal(m.type, 'audio');
    assert.equal(m.port, 49170);
    assert.equal(m.proto, 'RTP/AVP');
    assert.deepEqual(m.formats, ['0', '8', '101']);
    assert.deepEqual(m.rtpmap.get('101'), { encoding: 'telephone-event', clockRate: 8000 });
    assert.equal(m.fmtp.get('101'), '0-16');
    assert.equal(m.direction, 'sendrecv');
  });

  it('accepts LF line endings and keeps session vs media level apart', () => {
    const text = 'v=0\no=- 1 2 IN IP4 10.0.0.1\ns=x\nc=IN IP4 10.0.0.1\na=sendonly\nt=0 0\nm=audio 4000 RTP/AVP 0\nc=IN IP4 10.0.0.2/127\nm=audio 4002 RTP/AVP 8\na=inactive\n';
    const r = parseSdp(text);
    assert.ok(r.ok);
    const [a, b] = r.sdp.media;
    assert.ok(a && b);
    assert.equal(r.sdp.direction, 'sendonly');
    assert.equal(effectiveDirection(r.sdp, a), 'sendonly');
    assert.equal(effectiveDirection(r.sdp, b), 'inactive');
    assert.equal(effectiveConnection(r.sdp, a)?.address, '10.0.0.2', 'media-level c= wins, TTL dropped');
    assert.equal(effectiveConnection(r.sdp, b)?.address, '10.0.0.1');
  });

  it('returns an error, never throws, for malformed descriptions', () => {
    const bad = [
      undefined,
      '',
      'hello',
      'v=1\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\n',
      'v=0\r\ns=-\r\nm=audio 1 RTP/AVP 0\r\n',
      'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio x RTP/AVP 0\r\n',
      'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio 70000 RTP/AVP 0\r\n',
      'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio 4000 RTP/AVP\r\n',
      'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4\r\n',
      'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio 4000 RTP/AVP 96\r\na=rtpmap:96 nonsense\r\n',
      'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nthis is not sdp\r\n',
      'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 0\r\n',
    ];
    for (const text of bad) {
      const r = parseSdp(text);
      assert.equal(r.ok, false, `should refuse: ${JSON.stringify(text)}`);
      if (!r.ok) assert.ok(r.error.length > 0);
    }
  });
});
