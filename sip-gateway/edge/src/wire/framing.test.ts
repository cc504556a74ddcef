import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WireDecoder, WireFrameError, encodeFrame } from './framing.js';
import { parseAppMessage } from './messages.js';

describe('drachtio wire framing', () => {
  it('round-trips messages split at every byte, counting UTF-8 bytes', () => {
    const payloads = ['abc|ping', 'id|sip|t|\r\nINVITE sip:é@x SIP/2.0\r\n\r\n', 'x'.repeat(5000)];
    const stream = Buffer.concat(payloads.map(encodeFrame));
    for (const step of [1, 3, 7, stream.length]) {
      const d = new WireDecoder();
      const got: string[] = [];
      for (let i = 0; i < stream.length; i += step) got.push(...d.push(stream.subarray(i, i + step)));
      assert.deepEqual(got, payloads);
      assert.equal(d.buffered, 0);
    }
  });

  it('refuses a bad length specifier', () => {
    assert.throws(() => new WireDecoder().push(Buffer.from('12a#hello')), WireFrameError);
    assert.throws(() => new WireDecoder().push(Buffer.from('hello world')), WireFrameError);
    assert.throws(() => new WireDecoder(100).push(Buffer.from('1000#')), WireFrameError);
    assert.throws(() => new WireDecoder().push(Buffer.from('0#')), WireFrameError);
  });

  it('splits the leader from the SIP text', () => {
    const m = parseAppMessage('id1|sip|txn|dlg\r\nBYE sip:x SIP/2.0\r\n\r\n');
    assert.deepEqual(m && { id: m.id, command: m.command, args: m.args }, { id: 'id1', command: 'sip', args: ['txn', 'dlg'] });
    assert.equal(m?.sip, 'BYE sip:x SIP/2.0\r\n\r\n');
    assert.equal(parseAppMessage('|'), undefined);
  });
});
