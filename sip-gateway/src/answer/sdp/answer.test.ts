import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { answerLines, negotiate, warningHeader, type CodecName } from './answer.js';
import { parseSdp, type SessionDescription } from './parse.js';
import { LocalDescription } from './local-description.js';

function offer(media: string[], session: string[] = ['c=IN IP4 192.0.2.10']): SessionDescription {
  const r = parseSdp(['v=0', 'o=alice 1 1 IN IP4 192.0.2.10', 's=-', ...session, 't=0 0', ...media, ''].join('\r\n'));
  assert.ok(r.ok, 'test offer must parse');
  return r.sdp;
}

const BOTH: CodecName[] = ['PCMU', 'PCMA'];
const local = { address: '198.51.100.5', port: 20002 };

function answerText(o: SessionDescription, codecs = BOTH): string {
  const n = negotiate(o, { codecs });
  assert.ok(n.ok);
  return new LocalDescription(local.address, { sessionId: '42', version: 1 }).render(answerLines(o, n.value, local));
}

describe('sdp negotiate and answer', () => {
  it('PCMU only', () => {
    const n = negotiate(offer(['m=audio 4000 RTP/AVP 0']), { codecs: BOTH });
    assert.ok(n.ok);
    assert.deepEqual(n.value.codec, { name: 'PCMU', payloadType: 0, clockRate: 8000 });
    assert.deepEqual(n.value.remote, { address: '192.0.2.10', port: 4000, direction: 'sendrecv' });
    assert.equal(n.value.telephoneEventPayloadType, undefined);
  });

  it('PCMA only, even when we prefer PCMU', () => {
    const n = negotiate(offer(['m=audio 4000 RTP/AVP 8']), { codecs: BOTH });
    assert.ok(n.ok);
    assert.equal(n.value.codec.name, 'PCMA');
    assert.equal(n.value.codec.payloadType, 8);
  });

  it('both codecs in either order: our preference decides', () => {
    for (const formats of ['0 8', '8 0']) {
      const o = offer([`m=audio 4000 RTP/AVP ${formats}`]);
      const u = negotiate(o, { codecs: ['PCMU', 'PCMA'] });
      const a = negotiate(o, { codecs: ['PCMA', 'PCMU'] });
      assert.ok(u.ok && a.ok);
      assert.equal(u.value.codec.name, 'PCMU', formats);
      assert.equal(a.value.codec.name, 'PCMA', formats);
    }
  });

  it('dynamic payload type by rtpmap name keeps the offered number', () => {
    const n = negotiate(offer(['m=audio 4000 RTP/AVP 97 96', 'a=rtpmap:97 opus/48000/2', 'a=rtpmap:96 pcma/8000']), { codecs: BOTH });
    assert.ok(n.ok);
    assert.deepEqual(n.value.codec, { name: 'PCMA', payloadType: 96, clockRate: 8000 });
  });

  it('a static number remapped by rtpmap to something else is not that codec', () => {
    const n = negotiate(offer(['m=audio 4000 RTP/AVP 0', 'a=rtpmap:0 G722/8000']), { codecs: BOTH });
    assert.equal(n.ok, false);
  });

  it('keeps telephone-event with its payload type', () => {
    const o = offer(['m=audio 4000 RTP/AVP 8 100', 'a=rtpmap:100 telephone-event/8000', 'a=fmtp:100 0-15']);
    const n = negotiate(o, { codecs: BOTH });
    assert.ok(n.ok);
    assert.equal(n.value.telephoneEventPayloadType, 100);
    const text = answerText(o);
    assert.match(text, /^m=audio 20002 RTP\/AVP 8 100\r$/m);
    assert.match(text, /^a=rtpmap:100 telephone-event\/8000\r$/m);
    assert.match(text, /^a=fmtp:100 0-15\r$/m);
  });

  it('ignores telephone-event at another clock rate', () => {
    const n = negotiate(offer(['m=audio 4000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/16000']), { codecs: BOTH });
    assert.ok(n.ok);
    assert.equal(n.value.telephoneEventPayloadType, undefined);
  });

  it('answers the direction: sendonly → recvonly, recvonly → sendonly, inactive → inactive', () => {
    const c = 'c=IN IP4 192.0.2.10';
    const cases: Array<[string[], string[], string]> = [
      [['m=audio 4000 RTP/AVP 0', 'a=sendonly'], [c], 'recvonly'],
      [['m=audio 4000 RTP/AVP 0', 'a=recvonly'], [c], 'sendonly'],
      [['m=audio 4000 RTP/AVP 0', 'a=inactive'], [c], 'inactive'],
      [['m=audio 4000 RTP/AVP 0', 'a=sendrecv'], [c, 'a=inactive'], 'sendrecv'],
      [['m=audio 4000 RTP/AVP 0'], ['c=IN IP4 192.0.2.10', 'a=sendonly'], 'recvonly'],
      [['m=audio 4000 RTP/AVP 0'], ['c=IN IP4 0.0.0.0'], 'recvonly'],
    ];
    for (const [media, session, expected] of cases) {
      const o = offer(media, session);
      const n = negotiate(o, { codecs: BOTH });
      assert.ok(n.ok);
      assert.equal(n.value.remote.direction, expected, media.concat(session).join(' '));
      assert.match(answerText(o), new RegExp(`^a=${expected}\\r$`, 'm'));
    }
  });

  it('multiple m-lines: answers the first usable audio, rejects the rest in order', () => {
    const o = offer([
      'm=video 5000 RTP/AVP 96',
      'a=rtpmap:96 H264/90000',
      'm=audio 0 RTP/AVP 0',
      'm=audio 4000 RTP/SAVP 0',
      'm=audio 4002 RTP/AVP 0 8',
      'm=audio 4004 RTP/AVP 0',
    ]);
    const n = negotiate(o, { codecs: BOTH });
    assert.ok(n.ok);
    assert.equal(n.value.index, 3);
    assert.equal(n.value.remote.port, 4002);
    const mLines = answerText(o).split('\r\n').filter((l) => l.startsWith('m='));
    assert.deepEqual(mLines, [
      'm=video 0 RTP/AVP 96',
      'm=audio 0 RTP/AVP 0',
      'm=audio 0 RTP/SAVP 0',
      'm=audio 20002 RTP/AVP 0',
      'm=audio 0 RTP/AVP 0',
    ]);
  });

  it('builds a complete answer', () => {
    const text = answerText(offer(['m=audio 4000 RTP/AVP 0 8']));
    assert.equal(
      text,
      [
        'v=0',
        'o=callgate 42 1 IN IP4 198.51.100.5',
        's=callgate',
        'c=IN IP4 198.51.100.5',
        't=0 0',
        'm=audio 20002 RTP/AVP 0',
        'a=rtpmap:0 PCMU/8000',
        'a=ptime:20',
        'a=sendrecv',
        '',
      ].join('\r\n'),
    );
    assert.ok(parseSdp(text).ok, 'our answer parses');
  });

  it('no common codec → 305, no audio → 304, only SRTP → 302', () => {
    const none = negotiate(offer(['m=audio 4000 RTP/AVP 9 18']), { codecs: BOTH });
    assert.ok(!none.ok);
    assert.equal(none.warning.code, 305);
    assert.equal(none.reason, 'no common codec');
    assert.equal(warningHeader(none.warning), '305 callgate "Incompatible media format"');

    const noAudio = negotiate(offer(['m=video 5000 RTP/AVP 96']), { codecs: BOTH });
    assert.ok(!noAudio.ok);
    assert.equal(noAudio.warning.code, 304);
    assert.match(noAudio.reason, /no audio/);

    const srtp = negotiate(offer(['m=audio 4000 RTP/SAVP 0']), { codecs: BOTH });
    assert.ok(!srtp.ok);
    assert.equal(srtp.warning.code, 302);

    const onlyPcma = negotiate(offer(['m=audio 4000 RTP/AVP 0']), { codecs: ['PCMA'] });
    assert.equal(onlyPcma.ok, false, 'our codec list is honoured');
  });

  it('an audio stream without any c= is refused', () => {
    const n = negotiate(offer(['m=audio 4000 RTP/AVP 0'], []), { codecs: BOTH });
    assert.equal(n.ok, false);
  });

  it('IPv6 answer uses IN IP6', () => {
    const o = offer(['m=audio 4000 RTP/AVP 0'], ['c=IN IP6 2001:db8::10']);
    const n = negotiate(o, { codecs: BOTH });
    assert.ok(n.ok);
    assert.equal(n.value.remote.address, '2001:db8::10');
    const text = new LocalDescription('2001:db8::5', { sessionId: '1', version: 1 }).render(answerLines(o, n.value, { address: '2001:db8::5', port: 20000 }));
    assert.match(text, /^c=IN IP6 2001:db8::5\r$/m);
    assert.match(text, /^o=callgate 1 1 IN IP6 2001:db8::5\r$/m);
  });
});
