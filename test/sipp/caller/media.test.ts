/** The caller's RTP stream on loopback: paced 20 ms frames, silence between, speech spans, RFC 4733 keys. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { toneUlaw } from '../harness/tone.js';
import { parseRtp, type RtpPacket } from '../harness/rtp.js';
import { CallerMedia } from './media.js';

describe('caller: RTP stream', () => {
  it('sends continuous paced PCMU with speech in it and RFC 4733 digits in place of audio', async () => {
    const sink = dgram.createSocket('udp4');
    sink.bind(0, '127.0.0.1');
    await once(sink, 'listening');
    const got: RtpPacket[] = [];
    sink.on('message', (m, r) => {
      const p = parseRtp(m, `${r.address}:${r.port}`);
      if (p) got.push(p);
    });
    const media = await CallerMedia.open();
    try {
      media.start({ address: '127.0.0.1', port: sink.address().port }, { dtmfPt: 101 });
      await new Promise((r) => setTimeout(r, 100));
      const spoken = await media.say(Buffer.concat([Buffer.alloc(800, 0xff), toneUlaw(0.3, 400), Buffer.alloc(800, 0xff)]));
      const voiced = spoken.lastVoicedAt - spoken.firstVoicedAt;
      assert.ok(voiced >= 240 && voiced <= 600, `voice lasted ${voiced} ms (14 frames)`);
      assert.ok(spoken.firstVoicedAt - spoken.startedAt >= 80, 'the lead silence is not voiced');
      const keyed = await media.keys('5#');
      assert.ok(keyed.lastVoicedAt > keyed.firstVoicedAt);
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      media.close();
    }
    sink.close();
    const audio = got.filter((p) => p.pt === 0);
    const dtmf = got.filter((p) => p.pt === 101);
    assert.ok(audio.every((p) => p.payloadLength === 160));
    assert.ok(audio.length >= 30, `${audio.length} audio packets`);
    // one sequence, one SSRC
    for (let i = 1; i < got.length; i++) assert.equal(got[i]!.seq, (got[i - 1]!.seq + 1) & 0xffff, 'continuous sequence numbers');
    assert.equal(new Set(got.map((p) => p.ssrc)).size, 1);
    // two presses: events 5 and 11, each with one timestamp, marker on the first packet, 3 end packets
    const events = [...new Set(dtmf.map((p) => p.payload[0]))];
    assert.deepEqual(events, [5, 11]);
    for (const e of events) {
      const press = dtmf.filter((p) => p.payload[0] === e);
      assert.equal(new Set(press.map((p) => p.ts)).size, 1, 'one timestamp per press');
      assert.equal(press[0]!.marker, true);
      assert.equal(press.filter((p) => (p.payload[1]! & 0x80) !== 0).length, 3, 'three end packets');
      assert.equal(press[press.length - 1]!.payload.readUInt16BE(2), 8 * 160, 'duration of a 160 ms press');
    }
    // paced: the whole stream took about 20 ms a packet
    const span = got[got.length - 1]!.at - got[0]!.at;
    assert.ok(Math.abs(span - (got.length - 1) * 20) < 250, `${got.length} packets in ${span} ms`);
  });

  it('keeps what the appliance sends, marked voiced or quiet', async () => {
    const media = await CallerMedia.open();
    const tx = dgram.createSocket('udp4');
    try {
      const pkt = (seq: number, payload: Buffer, pt = 0): Buffer => {
        const h = Buffer.alloc(12);
        h[0] = 0x80;
        h[1] = pt;
        h.writeUInt16BE(seq, 2);
        h.writeUInt32BE(seq * 160, 4);
        h.writeUInt32BE(42, 8);
        return Buffer.concat([h, payload]);
      };
      const done = new Promise<void>((resolve) => media.onFrame(() => media.frames.length === 2 && resolve()));
      tx.send(pkt(1, Buffer.alloc(160, 0xff)), media.port, '127.0.0.1');
      tx.send(pkt(2, toneUlaw(0.02, 300)), media.port, '127.0.0.1');
      tx.send(pkt(3, Buffer.from([1, 0x8a, 0, 160]), 101), media.port, '127.0.0.1');
      await done;
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(media.frames.map((f) => f.voiced), [false, true]);
      assert.equal(media.dtmfReceived, 1);
    } finally {
      tx.close();
      media.close();
    }
  });
});
