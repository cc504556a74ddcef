import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRtcp, serializeRtcp, type ReceiverReport, type SenderReport, type SourceDescription } from './packet.js';
import { RtcpReporter, type RtcpReceptionState, type RtcpSenderState } from './reporter.js';

/** A reporter whose counters and clocks the test sets by hand. */
function endpoint(ssrc: number, cname: string) {
  const state = {
    sent: { ssrc, packets: 0, octets: 0, rtpTimestamp: 0 } as RtcpSenderState,
    rx: undefined as RtcpReceptionState | undefined,
    mono: 0,
    wall: 1_700_000_000_000,
    rand: 0.5,
  };
  const reporter = new RtcpReporter({
    cname,
    sender: () => state.sent,
    reception: () => state.rx,
    nowMs: () => state.mono,
    wallClockMs: () => state.wall,
    random: () => state.rand,
  });
  return { state, reporter };
}

const parse = (buf: Buffer) => parseRtcp(buf)!.packets;

test('SR after sending RTP, RR otherwise, and always an SDES CNAME', () => {
  const { state, reporter } = endpoint(0xa, 'a@callgate');
  const [initial, sdes] = parse(reporter.buildReport());
  assert.equal(initial!.type, 'rr', 'nothing sent yet');
  assert.deepEqual((initial as ReceiverReport).reports, [], 'nothing received yet: no report block');
  assert.deepEqual((sdes as SourceDescription).chunks, [{ ssrc: 0xa, items: [{ type: 1, text: 'a@callgate' }] }]);

  state.sent = { ssrc: 0xa, packets: 250, octets: 40000, rtpTimestamp: 40000 };
  state.wall = 1_700_000_000_500;
  const [afterSending] = parse(reporter.buildReport());
  assert.deepEqual(afterSending, {
    type: 'sr',
    ssrc: 0xa,
    ntp: { seconds: 0xe8fe6f80, fraction: 0x80000000 },
    rtpTimestamp: 40000,
    packetCount: 250,
    octetCount: 40000,
    reports: [],
  });
  const [idle] = parse(reporter.buildReport());
  assert.equal(idle!.type, 'rr', 'nothing sent since the last report');
});

test('report blocks carry the interval fraction lost and the cumulative loss', () => {
  const { state, reporter } = endpoint(0xa, 'a');
  state.rx = { ssrc: 0xb, expected: 100, received: 100, extendedMaxSeq: 65536 + 99, jitter: 40.7 };
  const first = parse(reporter.buildReport())[0] as ReceiverReport;
  assert.deepEqual(first.reports, [{ ssrc: 0xb, fractionLost: 0, cumulativeLost: 0, highestSeq: 65635, jitter: 40, lsr: 0, dlsr: 0 }]);
  // the next interval: 100 expected, 90 received → 10/100 lost → floor(0.1 × 256) = 25
  state.rx = { ssrc: 0xb, expected: 200, received: 190, extendedMaxSeq: 65536 + 199, jitter: 80 };
  const second = parse(reporter.buildReport())[0] as ReceiverReport;
  assert.equal(second.reports[0]!.fractionLost, 25);
  assert.equal(second.reports[0]!.cumulativeLost, 10);
  // a clean interval after that: 0, while the cumulative count stays
  state.rx = { ssrc: 0xb, expected: 300, received: 290, extendedMaxSeq: 65536 + 299, jitter: 80 };
  const third = parse(reporter.buildReport())[0] as ReceiverReport;
  assert.equal(third.reports[0]!.fractionLost, 0);
  assert.equal(third.reports[0]!.cumulativeLost, 10);
});

test('LSR and DLSR answer the remote SR, and the round trip comes out as A − LSR − DLSR', () => {
  const a = endpoint(0xa, 'a');
  const b = endpoint(0xb, 'b');
  // A sends RTP and an SR at wall time …000.5 s: NTP 0xE8FE6F80.80000000, middle 32 bits 0x6F808000
  a.state.sent = { ssrc: 0xa, packets: 50, octets: 8000, rtpTimestamp: 8000 };
  a.state.wall = 1_700_000_000_500;
  const sr = a.reporter.buildReport();
  // it reaches B 60 ms later (B's monotonic clock: 10 s); B reports 1.5 s after that
  b.state.mono = 10_000;
  b.reporter.receive(sr);
  b.state.rx = { ssrc: 0xa, expected: 50, received: 49, extendedMaxSeq: 49, jitter: 16 };
  b.state.mono = 11_500;
  const rr = b.reporter.buildReport();
  const block = (parse(rr)[0] as ReceiverReport).reports[0]!;
  assert.equal(block.lsr, 0x6f808000);
  assert.equal(block.dlsr, 98304, '1.5 s in 1/65536 s');
  assert.equal(rr.toString('hex', 24, 32), '6f808000' + '00018000');
  // the RR reaches A 60 ms after B sent it: A = 0.5 + 0.06 + 1.5 + 0.06 s after the SR
  a.state.wall = 1_700_000_000_500 + 60 + 1500 + 60;
  a.state.mono = 42;
  a.reporter.receive(rr);
  const view = a.reporter.remoteView();
  assert.ok(Math.abs(view.rttMs! - 120) < 0.05, `rtt ${view.rttMs}`);
  assert.equal(view.ssrc, 0xb);
  assert.equal(view.cname, 'b');
  assert.equal(view.fractionLost, fractionOf(1, 50));
  assert.equal(view.cumulativeLost, 1);
  assert.equal(view.extendedHighestSeq, 49);
  assert.equal(view.jitter, 16);
  assert.equal(view.jitterMs, 2);
  assert.equal(view.lastReportMs, 42);
  assert.equal(view.reports, 1);
  assert.equal(view.bye, false);
});

/** the 8-bit fraction as a receiver computes it, read back as 0..1 */
const fractionOf = (lost: number, expected: number) => Math.floor((lost * 256) / expected) / 256;

test('no LSR yet means no round-trip estimate; report blocks about other sources are ignored', () => {
  const { reporter } = endpoint(0xa, 'a');
  const rr: ReceiverReport = {
    type: 'rr',
    ssrc: 0xb,
    reports: [
      { ssrc: 0xa, fractionLost: 64, cumulativeLost: 3, highestSeq: 10, jitter: 8, lsr: 0, dlsr: 0 },
      { ssrc: 0xc, fractionLost: 255, cumulativeLost: 99, highestSeq: 1, jitter: 1, lsr: 5, dlsr: 5 },
    ],
  };
  reporter.receive(serializeRtcp([rr]));
  const view = reporter.remoteView();
  assert.equal(view.rttMs, undefined);
  assert.equal(view.fractionLost, 0.25);
  assert.equal(view.cumulativeLost, 3);
  assert.equal(view.reports, 1);
});

test('a remote BYE is recorded; our own looped-back packets and garbage are ignored', () => {
  const { reporter } = endpoint(0xa, 'a');
  assert.equal(reporter.receive(Buffer.from('not rtcp')), undefined);
  const own: SenderReport = { type: 'sr', ssrc: 0xa, ntp: { seconds: 1, fraction: 0 }, rtpTimestamp: 0, packetCount: 1, octetCount: 1, reports: [] };
  reporter.receive(serializeRtcp([own, { type: 'bye', ssrcs: [0xa] }]));
  assert.deepEqual(reporter.remoteView(), { reports: 0, bye: false });
  reporter.receive(serializeRtcp([{ type: 'rr', ssrc: 0xb, reports: [] }, { type: 'bye', ssrcs: [0xb], reason: 'hangup' }]));
  assert.equal(reporter.remoteView().bye, true);
  assert.equal(reporter.remoteView().byeReason, 'hangup');
});

test('our own BYE comes after a report and the CNAME', () => {
  const { reporter } = endpoint(0xa, 'a');
  const packets = parse(reporter.buildBye('call ended'));
  assert.deepEqual(
    packets.map((p) => p.type),
    ['rr', 'sdes', 'bye'],
  );
  assert.deepEqual(packets[2], { type: 'bye', ssrcs: [0xa], reason: 'call ended' });
});

test('the report interval is randomised in [0.5, 1.5) × 5 s, half that before the first report', () => {
  const { state, reporter } = endpoint(0xa, 'a');
  state.rand = 0;
  assert.equal(reporter.nextIntervalMs(), 1250);
  state.rand = 0.999;
  assert.ok(Math.abs(reporter.nextIntervalMs() - 3747.5) < 1e-9);
  reporter.buildReport();
  state.rand = 0;
  assert.equal(reporter.nextIntervalMs(), 2500);
  state.rand = 0.5;
  assert.equal(reporter.nextIntervalMs(), 5000);
  state.rand = 0.999;
  assert.ok(reporter.nextIntervalMs() < 7500);
});
