import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { parsePcap, WireCapture, wireStats } from './wire-timing.js';

const MS = 1_000_000n;
const T0 = 1_700_000_000_000n * MS;

/** an Ethernet/IPv4/UDP frame from 127.0.0.1:src to :dst carrying an RTP header of `pt` */
function frame(src: number, dst: number, pt: number, seq: number, ts: number): Buffer {
  const rtp = Buffer.alloc(172, 0xff);
  rtp[0] = 0x80;
  rtp[1] = pt;
  rtp.writeUInt16BE(seq, 2);
  rtp.writeUInt32BE(ts >>> 0, 4);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip[9] = 17;
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(src, 0);
  udp.writeUInt16BE(dst, 2);
  const eth = Buffer.alloc(14);
  eth.writeUInt16BE(0x0800, 12);
  return Buffer.concat([eth, ip, udp, rtp]);
}

/** a nanosecond pcap (little-endian, Ethernet), each frame cut to 96 bytes like `tcpdump -s 96` */
function pcap(records: Array<{ atMs: number; frame: Buffer }>): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b23c4d, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(96, 16);
  head.writeUInt32LE(1, 20);
  const parts: Buffer[] = [head];
  for (const r of records) {
    const t = T0 + BigInt(Math.round(r.atMs * 1e6));
    const cap = r.frame.subarray(0, 96);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Number(t / 1_000_000_000n), 0);
    rec.writeUInt32LE(Number(t % 1_000_000_000n), 4);
    rec.writeUInt32LE(cap.length, 8);
    rec.writeUInt32LE(r.frame.length, 12);
    parts.push(rec, cap);
  }
  return Buffer.concat(parts);
}

test('pcap parsing and interval statistics per flow: jitter, a sequence gap, a skipped period, RTCP and a torn tail', () => {
  const out = (atMs: number, seq: number, ts: number) => ({ atMs, frame: frame(40000, 50000, 0, seq, ts) });
  const file = pcap([
    out(0, 65534, 0xffffff60), // the sequence number and the timestamp wrap on the way
    out(20.5, 65535, 0),
    out(40, 0, 160),
    { atMs: 45, frame: frame(40001, 50000, 200, 0, 0) }, // RTCP: not audio, ignored
    { atMs: 63, frame: frame(40000, 50000, 0x80, 2, 480) }, // marker set; seq 1 lost: a gap of 1; 23 − 20 = 3 ms off
    out(120, 3, 1120), // the timestamp skipped 3 periods (4 frames for one sequence step); 57 ms apart
    { atMs: 100, frame: frame(50000, 40000, 8, 7, 0) }, // the other direction, PCMA
    { atMs: 120, frame: frame(50000, 40000, 8, 8, 160) },
  ]);
  const torn = Buffer.concat([file, Buffer.alloc(20)]); // a record header with no data after it
  const packets = parsePcap(torn);
  assert.equal(packets.length, 7);
  assert.deepEqual(packets[0], { tNs: T0, srcPort: 40000, dstPort: 50000, seq: 65534, ts: 0xffffff60, marker: false });
  const s = wireStats(packets, (p) => p.srcPort === 40000);
  assert.equal(s.packets, 5);
  assert.equal(s.flows, 1);
  assert.equal(s.intervals, 4);
  assert.equal(s.seqGaps, 1);
  assert.equal(s.tsSkips, 3);
  // the marked packet's interval (3 ms off) is a talkspurt start; the 57 ms one is off and unmarked
  assert.deepEqual([s.talkspurtStarts, s.talkspurtShifts, s.offIntervals], [1, 1, 1]);
  assert.equal(Math.round(s.devMaxMs * 1000) / 1000, 37);
  assert.equal(Math.round(s.maxIntervalMs * 1000) / 1000, 57);
  // deviations sorted: 0.5, 0.5, 3, 37 → p50 (nearest rank) 0.5
  assert.equal(Math.round(s.devP50Ms * 1000) / 1000, 0.5);
  const back = wireStats(packets, (p) => p.dstPort === 40000);
  assert.deepEqual([back.packets, back.intervals, back.seqGaps], [2, 1, 0]);
  assert.throws(() => parsePcap(Buffer.alloc(24, 1)), /not a pcap/);
  assert.deepEqual(parsePcap(Buffer.alloc(10)), []);
});

test('a live capture on loopback sees every packet sent (tcpdump, when installed and permitted)', async (t) => {
  if (!WireCapture.available()) return t.skip('tcpdump is not installed');
  const rx = dgram.createSocket('udp4');
  const tx = dgram.createSocket('udp4');
  rx.bind(0, '127.0.0.1');
  await once(rx, 'listening');
  // a source port inside a range no bench uses
  let port = 46_900;
  for (; port < 46_999; port++) {
    try {
      tx.bind(port, '127.0.0.1');
      await once(tx, 'listening');
      break;
    } catch {
      /* taken: try the next */
    }
  }
  const capture = new WireCapture(port, port);
  try {
    await capture.start();
  } catch (err) {
    tx.close();
    rx.close();
    return t.skip(`tcpdump cannot capture here: ${(err as Error).message}`);
  }
  for (let i = 0; i < 30; i++) {
    const pkt = frame(0, 0, 0, i, i * 160).subarray(42);
    tx.send(pkt, rx.address().port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 20));
  }
  const { packets, kernelDrops } = await capture.stop();
  tx.close();
  rx.close();
  const s = wireStats(packets, (p) => p.srcPort === port);
  assert.equal(s.packets, 30, 'the last packets too (libpcap hands blocks over late)');
  assert.equal(s.seqGaps, 0);
  assert.equal(s.intervals, 29);
  assert.ok(!(kernelDrops > 0));
});
