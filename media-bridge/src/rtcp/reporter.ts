/**
 * One endpoint's RTCP state (RFC 3550 §6): builds the compound report it sends (SR when it sent RTP since its
 * last report, else RR; always SDES CNAME), takes in the remote's reports (its last SR for our LSR/DLSR; its
 * report block about us for loss, jitter and round-trip time), and says when to report next. No sockets and no
 * timers: the endpoint asks `nextIntervalMs()`, schedules, calls `buildReport()` and sends it to RTP port + 1.
 *
 * Interval (§6.2, §6.3): for a two-party call at G.711 rates the bandwidth rule always yields less than the fixed
 * 5 s minimum, so the interval is that minimum (half of it before the first report), randomised uniformly in
 * [0.5, 1.5] ×. Timer reconsideration and its e − 3/2 compensation are left out (two members, no joins to absorb).
 */
import { performance } from 'node:perf_hooks';
import {
  clampCumulativeLost,
  fractionLost,
  ntpFromUnixMs,
  ntpMiddle32,
  parseRtcp,
  serializeRtcp,
  SDES_CNAME,
  type ParsedRtcp,
  type ReportBlock,
  type RtcpPacket,
} from './packet.js';

/** Our send side, read when a report is built. */
export interface RtcpSenderState {
  ssrc: number;
  /** RTP packets and payload octets sent so far */
  packets: number;
  octets: number;
  /** the RTP timestamp corresponding to now (the same instant as the SR's NTP time) */
  rtpTimestamp: number;
}

/** What we received from the remote, read when a report is built (RFC 3550 §A.3 counters). */
export interface RtcpReceptionState {
  ssrc: number;
  /** packets expected (extended highest − base + 1) and distinct packets received, cumulative */
  expected: number;
  received: number;
  extendedMaxSeq: number;
  /** interarrival jitter in timestamp units */
  jitter: number;
}

export interface RtcpReporterOptions {
  /** our canonical name (e.g. a per-call UUID or user@host) */
  cname: string;
  sender: () => RtcpSenderState;
  /** undefined until an RTP packet was received */
  reception: () => RtcpReceptionState | undefined;
  /** RTP clock rate, to turn jitter into ms (default 8000) */
  clockRate?: number;
  /** monotonic ms, for DLSR (default performance.now) */
  nowMs?: () => number;
  /** wall clock, Unix ms, for NTP timestamps and RTT (default performance.timeOrigin + performance.now()) */
  wallClockMs?: () => number;
  /** [0, 1) (default Math.random) */
  random?: () => number;
  /** the fixed minimum interval (default 5000 ms) */
  minIntervalMs?: number;
}

/** What the remote told us about our stream, for quality reporting. Fields are absent until reported. */
export interface RemoteView {
  /** the remote's SSRC and CNAME */
  ssrc?: number;
  cname?: string;
  /** fraction of our packets lost over its last interval, 0..1 */
  fractionLost?: number;
  cumulativeLost?: number;
  extendedHighestSeq?: number;
  /** interarrival jitter of our stream at the remote, timestamp units and ms */
  jitter?: number;
  jitterMs?: number;
  /** round-trip time from the last report block carrying an LSR */
  rttMs?: number;
  /** monotonic ms when the last report block about us arrived */
  lastReportMs?: number;
  /** report blocks about us received */
  reports: number;
  /** the remote sent BYE */
  bye: boolean;
  byeReason?: string;
}

/** Per-endpoint RTCP reports and their interpretation. */
export class RtcpReporter {
  private readonly clockRate: number;
  private readonly nowMs: () => number;
  private readonly wallClockMs: () => number;
  private readonly random: () => number;
  private readonly minIntervalMs: number;
  private packetsAtLastReport = 0;
  private reportsBuilt = 0;
  private prior = { expected: 0, received: 0 };
  private lastSr: { ssrc: number; lsr: number; atMs: number } | undefined;
  private readonly view: RemoteView = { reports: 0, bye: false };

  constructor(private readonly opts: RtcpReporterOptions) {
    this.clockRate = opts.clockRate ?? 8000;
    this.nowMs = opts.nowMs ?? (() => performance.now());
    this.wallClockMs = opts.wallClockMs ?? (() => performance.timeOrigin + performance.now());
    this.random = opts.random ?? Math.random;
    this.minIntervalMs = opts.minIntervalMs ?? 5000;
  }

  /** The next compound packet: SR (if we sent RTP since the last report) or RR, then SDES CNAME. */
  buildReport(): Buffer {
    return serializeRtcp(this.reportPackets());
  }

  /** The compound packet that leaves the session: report, SDES CNAME, BYE. */
  buildBye(reason?: string): Buffer {
    const bye: RtcpPacket = reason === undefined ? { type: 'bye', ssrcs: [this.opts.sender().ssrc] } : { type: 'bye', ssrcs: [this.opts.sender().ssrc], reason };
    return serializeRtcp([...this.reportPackets(), bye]);
  }

  /** Takes in a received RTCP datagram; returns what it parsed (undefined: not RTCP, ignored). */
  receive(buf: Buffer): ParsedRtcp | undefined {
    const parsed = parseRtcp(buf);
    if (!parsed) return undefined;
    const ours = this.opts.sender().ssrc;
    for (const p of parsed.packets) {
      if (p.type === 'sr' || p.type === 'rr') {
        if (p.ssrc === ours) continue; // our own packet looped back, or an SSRC collision
        if (p.type === 'sr') this.lastSr = { ssrc: p.ssrc, lsr: ntpMiddle32(p.ntp), atMs: this.nowMs() };
        this.view.ssrc = p.ssrc;
        for (const block of p.reports) if (block.ssrc === ours) this.aboutUs(block);
      } else if (p.type === 'sdes') {
        const chunk = p.chunks.find((c) => c.ssrc !== ours);
        const cname = chunk?.items.find((i) => i.type === SDES_CNAME);
        if (chunk && cname) {
          this.view.ssrc ??= chunk.ssrc;
          this.view.cname = cname.text;
        }
      } else if (p.ssrcs.some((s) => s !== ours)) {
        this.view.bye = true;
        if (p.reason !== undefined) this.view.byeReason = p.reason;
      }
    }
    return parsed;
  }

  /** Delay until the next report: the minimum interval (half before the first report) × uniform [0.5, 1.5). */
  nextIntervalMs(): number {
    const base = this.reportsBuilt === 0 ? this.minIntervalMs / 2 : this.minIntervalMs;
    return base * (0.5 + this.random());
  }

  /** What the remote reported about our stream (a copy). */
  remoteView(): RemoteView {
    return { ...this.view };
  }

  private reportPackets(): RtcpPacket[] {
    const me = this.opts.sender();
    const blocks = this.receptionBlocks();
    const sentSince = me.packets > this.packetsAtLastReport;
    this.packetsAtLastReport = me.packets;
    this.reportsBuilt++;
    const report: RtcpPacket = sentSince
      ? {
          type: 'sr',
          ssrc: me.ssrc,
          ntp: ntpFromUnixMs(this.wallClockMs()),
          rtpTimestamp: me.rtpTimestamp >>> 0,
          packetCount: me.packets >>> 0,
          octetCount: me.octets >>> 0,
          reports: blocks,
        }
      : { type: 'rr', ssrc: me.ssrc, reports: blocks };
    return [report, { type: 'sdes', chunks: [{ ssrc: me.ssrc, items: [{ type: SDES_CNAME, text: this.opts.cname }] }] }];
  }

  /** our report block about the remote (§6.4.1, fraction lost over the interval as §A.3), if we heard it */
  private receptionBlocks(): ReportBlock[] {
    const rx = this.opts.reception();
    if (!rx || rx.expected <= 0) return [];
    if (rx.expected < this.prior.expected || rx.received < this.prior.received) this.prior = { expected: 0, received: 0 }; // counters restarted
    const fraction = fractionLost(rx.expected - this.prior.expected, rx.received - this.prior.received);
    this.prior = { expected: rx.expected, received: rx.received };
    const sr = this.lastSr?.ssrc === rx.ssrc ? this.lastSr : undefined;
    return [
      {
        ssrc: rx.ssrc,
        fractionLost: fraction,
        cumulativeLost: clampCumulativeLost(rx.expected - rx.received),
        highestSeq: rx.extendedMaxSeq >>> 0,
        jitter: Math.min(0xffffffff, Math.max(0, Math.floor(rx.jitter))),
        lsr: sr ? sr.lsr : 0,
        dlsr: sr ? Math.min(0xffffffff, Math.max(0, Math.floor(((this.nowMs() - sr.atMs) * 65536) / 1000))) : 0,
      },
    ];
  }

  /** a report block from the remote about our stream; RTT = A − LSR − DLSR (§6.4.1) in 1/65536 s */
  private aboutUs(b: ReportBlock): void {
    const v = this.view;
    v.fractionLost = b.fractionLost / 256;
    v.cumulativeLost = b.cumulativeLost;
    v.extendedHighestSeq = b.highestSeq;
    v.jitter = b.jitter;
    v.jitterMs = (b.jitter / this.clockRate) * 1000;
    v.lastReportMs = this.nowMs();
    v.reports++;
    if (b.lsr === 0) return;
    const a = ntpMiddle32(ntpFromUnixMs(this.wallClockMs()));
    const rtt = (a - b.lsr - b.dlsr) >>> 0;
    if (rtt < 0x80000000) v.rttMs = (rtt * 1000) / 65536; // else the clocks disagree (a step): no estimate
  }
}
