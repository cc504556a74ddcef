/**
 * Receive-side RTP counters in the manner of RFC 3550 §A.3 (extended sequence numbers, expected vs received,
 * restart detection after a large jump) plus duplicates, out-of-order arrivals and §6.4.1 interarrival jitter.
 * It is a minimal base: the later quality work (late discards, MOS) builds on these counters.
 */

/** A snapshot of what one endpoint has received. */
export interface ReceiveStats {
  /** every well-formed RTP packet from the remote, duplicates included */
  packets: number;
  /** payload bytes of those packets */
  bytes: number;
  /** packets the sequence numbers say were sent (summed over SSRCs) */
  expected: number;
  /** expected minus distinct packets received, never negative */
  lost: number;
  duplicates: number;
  /** packets older than the highest sequence number seen, arriving late but not duplicates */
  outOfOrder: number;
  /** times the remote's SSRC changed */
  ssrcChanges: number;
  /** sequence restarts detected (a jump too large to be loss, confirmed by the next packet) */
  resyncs: number;
  /** RFC 3550 interarrival jitter of the current source, in ms */
  jitterMs: number;
}

/** How a packet counted: new in order, late but new, a duplicate, or held back pending a sequence restart. */
export type PacketFate = 'in-order' | 'late' | 'duplicate' | 'held';

const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
const WINDOW = 512;

/** Tracks one remote stream's sequence numbers; feed it every valid packet. */
export class ReceiveStatsTracker {
  private packets = 0;
  private bytes = 0;
  private duplicates = 0;
  private outOfOrder = 0;
  private ssrcChanges = 0;
  private resyncs = 0;
  /** expected/received of earlier sources or sequence runs */
  private doneExpected = 0;
  private doneReceived = 0;

  private ssrc: number | undefined;
  private base = 0;
  private max = 0;
  private received = 0;
  private badSeq: number | undefined;
  private readonly seen = new Float64Array(WINDOW).fill(-1);

  private jitter = 0; // in timestamp units
  private lastTransit: number | undefined;

  constructor(private readonly clockRate = 8000) {}

  /**
   * Records one packet. `arrivalMs` (a monotonic ms clock) feeds the jitter estimate; pass `forJitter: false`
   * for packets whose timestamp does not advance with the media clock (RFC 4733 events).
   */
  record(ssrc: number, seq: number, timestamp: number, payloadBytes: number, arrivalMs: number, forJitter = true): PacketFate {
    this.packets++;
    this.bytes += payloadBytes;
    if (this.ssrc !== ssrc) {
      if (this.ssrc !== undefined) this.ssrcChanges++;
      this.ssrc = ssrc;
      this.restart(seq);
      this.lastTransit = undefined;
    } else {
      const maxLow = this.max & 0xffff;
      const delta = ((seq - maxLow + 0x8000) & 0xffff) - 0x8000;
      const ext = this.max + delta;
      if (delta > MAX_DROPOUT || delta < -MAX_MISORDER) {
        if (this.badSeq !== seq) {
          this.badSeq = (seq + 1) & 0xffff; // wait for the next packet to confirm a restart
          return 'held';
        }
        this.resyncs++;
        this.restart(seq);
      } else if (delta > 0) {
        this.max = ext;
        this.mark(ext);
      } else if (delta === 0 || this.isSeen(ext)) {
        this.duplicates++;
        return 'duplicate';
      } else {
        this.outOfOrder++;
        this.mark(ext);
        return 'late';
      }
    }
    if (forJitter) this.updateJitter(timestamp, arrivalMs);
    return 'in-order';
  }

  snapshot(): ReceiveStats {
    const expected = this.doneExpected + (this.ssrc === undefined ? 0 : this.max - this.base + 1);
    const received = this.doneReceived + this.received;
    return {
      packets: this.packets,
      bytes: this.bytes,
      expected,
      lost: Math.max(0, expected - received),
      duplicates: this.duplicates,
      outOfOrder: this.outOfOrder,
      ssrcChanges: this.ssrcChanges,
      resyncs: this.resyncs,
      jitterMs: (this.jitter / this.clockRate) * 1000,
    };
  }

  /** What an RTCP report block says about the current source (undefined before the first packet). */
  reportState(): { ssrc: number; expected: number; received: number; extendedMaxSeq: number; jitter: number } | undefined {
    if (this.ssrc === undefined) return undefined;
    const expected = this.doneExpected + this.max - this.base + 1;
    return {
      ssrc: this.ssrc,
      expected,
      received: this.doneReceived + this.received,
      extendedMaxSeq: this.max >>> 0,
      jitter: Math.round(this.jitter),
    };
  }

  private restart(seq: number): void {
    if (this.received > 0) {
      this.doneExpected += this.max - this.base + 1;
      this.doneReceived += this.received;
    }
    this.base = seq;
    this.max = seq;
    this.received = 0;
    this.badSeq = undefined;
    this.seen.fill(-1);
    this.mark(seq);
  }

  private mark(ext: number): void {
    this.seen[slot(ext)] = ext;
    this.received++;
  }

  private isSeen(ext: number): boolean {
    return this.seen[slot(ext)] === ext;
  }

  private updateJitter(timestamp: number, arrivalMs: number): void {
    const transit = (arrivalMs * this.clockRate) / 1000 - timestamp;
    if (this.lastTransit !== undefined) {
      let d = Math.abs(transit - this.lastTransit);
      if (d > 0x80000000) d = 0x100000000 - d; // timestamp wrapped between the two packets
      this.jitter += (d - this.jitter) / 16;
    }
    this.lastTransit = transit;
  }
}

/** window index of an extended sequence number (which may be negative just after a start) */
function slot(ext: number): number {
  return ((ext % WINDOW) + WINDOW) % WINDOW;
}
