/**
 * The adaptive jitter buffer of one call's inbound audio (G.711 decoded to PCM16, 20 ms frames). Packets are
 * placed by sequence number, so reordering is undone; the pacer takes one frame per tick.
 *
 * Rules, chosen to keep the delay small on a clean network and to never leave a gap:
 * - Start: playout begins `targetMs` after the first packet of a talkspurt arrived (prebuffer).
 * - Loss: the next frame is missing but a later one is here → the missing one is concealed (the last good
 *   frame repeated at -6 dB per successive concealed frame, silent after three) and playout moves on.
 * - Underrun: nothing is here yet → a concealed frame is played without moving on, which grows the delay by
 *   one frame exactly when the network proved slower than the buffer; after `maxDelayMs` of nothing the
 *   stream is idle (silence, DTX) and the next packet starts a new prebuffer.
 * - Shrink: when more than `targetMs` + two frames are buffered, one low-energy frame (a pause between words,
 *   below -40 dBFS) is dropped per tick until the depth is back near the target; speech is never skipped.
 * - Target: 3 × the RFC 3550 interarrival jitter estimate rounded up to whole frames, within [min, max].
 * A packet whose slot has already been played is a late discard (counted: the E-model treats it as lost).
 */
import { dbfs } from '../audio/level.js';

export type PutResult = 'queued' | 'late' | 'duplicate' | 'early-overflow';

/** One frame out of the buffer. */
export interface JitterFrame {
  pcm: Int16Array;
  kind: 'audio' | 'concealed' | 'silence';
  seq?: number;
  /** a concealed frame played while waiting for a late stream (underrun), not in place of a lost packet */
  waiting?: boolean;
}

export interface JitterBufferStats {
  /** audio buffered ahead of playout, ms */
  depthMs: number;
  targetMs: number;
  /** RFC 3550 jitter estimate of the arrivals, ms */
  jitterMs: number;
  lateDiscards: number;
  concealed: number;
  duplicates: number;
  overflowDrops: number;
  /** low-energy frames dropped to shrink the delay */
  shrinkDrops: number;
  played: number;
}

export interface JitterBufferOptions {
  minDelayMs?: number;
  maxDelayMs?: number;
  frameMs?: number;
  sampleRate?: number;
}

const QUIET_DBFS = -40;
const CONCEAL_FRAMES = 3;
/** room beyond maxDelay for a burst (a stalled network delivering a second of packets at once) */
const BURST_FRAMES = 50;

/** One call's inbound jitter buffer. */
export class JitterBuffer {
  private readonly frameMs: number;
  private readonly frameSamples: number;
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly frames = new Map<number, Int16Array>();
  /** extended sequence number of the next frame to play; undefined while idle */
  private next: number | undefined;
  private highest = -1;
  private startAtMs = 0;
  private started = false;
  private lastGood: Int16Array | undefined;
  private concealRun = 0;
  private underrunMs = 0;
  private jitterTs = 0;
  private lastTransit: number | undefined;
  private readonly silence: Int16Array;
  private readonly counters = { lateDiscards: 0, concealed: 0, duplicates: 0, overflowDrops: 0, shrinkDrops: 0, played: 0 };

  constructor(opts: JitterBufferOptions = {}) {
    this.frameMs = opts.frameMs ?? 20;
    this.frameSamples = ((opts.sampleRate ?? 8000) * this.frameMs) / 1000;
    this.minMs = Math.max(0, opts.minDelayMs ?? 20);
    this.maxMs = Math.max(this.minMs, opts.maxDelayMs ?? 200);
    this.silence = new Int16Array(this.frameSamples);
  }

  /** Files a received frame by its sequence number. */
  put(seq: number, timestamp: number, pcm: Int16Array, arrivalMs: number, marker = false): PutResult {
    this.trackJitter(timestamp, arrivalMs);
    if (this.next === undefined || (marker && this.frames.size === 0 && !this.started)) {
      this.resync(seq, arrivalMs);
    }
    const ext = this.extend(seq);
    if (ext < this.next!) {
      this.counters.lateDiscards++;
      return 'late';
    }
    if (this.frames.has(ext)) {
      this.counters.duplicates++;
      return 'duplicate';
    }
    const capacityFrames = Math.ceil(this.maxMs / this.frameMs) + BURST_FRAMES;
    if (ext - this.next! >= capacityFrames) {
      // far ahead: a sequence jump (new source/restart) if nothing is pending, else an overflow
      if (this.frames.size === 0) {
        this.resync(seq, arrivalMs);
        return this.put(seq, timestamp, pcm, arrivalMs, false);
      }
      this.counters.overflowDrops++;
      return 'early-overflow';
    }
    this.frames.set(ext, pcm);
    if (ext > this.highest) this.highest = ext;
    return 'queued';
  }

  /** The frame for this tick. */
  pull(nowMs: number): JitterFrame {
    if (this.next === undefined) return { pcm: this.silence, kind: 'silence' };
    if (!this.started) {
      if (nowMs < this.startAtMs) return { pcm: this.silence, kind: 'silence' };
      this.started = true;
    }
    this.maybeShrink();
    const seq = this.next;
    const pcm = this.frames.get(seq);
    if (pcm) {
      this.frames.delete(seq);
      this.next = seq + 1;
      this.lastGood = pcm;
      this.concealRun = 0;
      this.underrunMs = 0;
      this.counters.played++;
      return { pcm, kind: 'audio', seq: seq & 0xffff };
    }
    if (this.frames.size > 0) {
      this.next = seq + 1; // lost: a later frame is here
      return this.conceal();
    }
    // underrun: wait for it (the delay grows by a frame), up to maxDelay, then the stream is idle
    this.underrunMs += this.frameMs;
    if (this.underrunMs > this.maxMs) {
      this.idle();
      return { pcm: this.silence, kind: 'silence' };
    }
    return { ...this.conceal(), waiting: true };
  }

  stats(): JitterBufferStats {
    return {
      depthMs: this.depthMs(),
      targetMs: this.targetMs(),
      jitterMs: Math.round((this.jitterTs / 8) * 100) / 100,
      ...this.counters,
    };
  }

  private depthMs(): number {
    if (this.next === undefined || this.frames.size === 0) return 0;
    return (this.highest - this.next + 1) * this.frameMs;
  }

  private targetMs(): number {
    const want = Math.ceil((3 * (this.jitterTs / 8)) / this.frameMs) * this.frameMs;
    return Math.min(this.maxMs, Math.max(this.minMs, want));
  }

  private maybeShrink(): void {
    if (this.depthMs() <= this.targetMs() + 2 * this.frameMs) return;
    const head = this.frames.get(this.next!);
    if (!head || dbfs(head) > QUIET_DBFS) return;
    this.frames.delete(this.next!);
    this.next! += 1;
    this.counters.shrinkDrops++;
  }

  private conceal(): JitterFrame {
    this.counters.concealed++;
    this.concealRun++;
    if (!this.lastGood || this.concealRun > CONCEAL_FRAMES) return { pcm: this.silence, kind: 'concealed' };
    const gain = Math.pow(0.5, this.concealRun);
    const pcm = new Int16Array(this.frameSamples);
    for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round((this.lastGood[i] ?? 0) * gain);
    return { pcm, kind: 'concealed' };
  }

  private resync(seq: number, arrivalMs: number): void {
    this.frames.clear();
    this.next = seq; // 16-bit value as the new extended base
    this.highest = seq - 1;
    this.started = false;
    this.startAtMs = arrivalMs + this.targetMs();
    this.concealRun = 0;
    this.underrunMs = 0;
  }

  private idle(): void {
    this.next = undefined;
    this.frames.clear();
    this.started = false;
    this.lastGood = undefined;
  }

  /** the extended sequence number of a 16-bit one, nearest to the playout position */
  private extend(seq: number): number {
    const ref = this.next!;
    const delta = ((seq - (ref & 0xffff) + 0x8000) & 0xffff) - 0x8000;
    return ref + delta;
  }

  /** RFC 3550 §6.4.1 on (arrival, timestamp), in timestamp units */
  private trackJitter(timestamp: number, arrivalMs: number): void {
    const transit = arrivalMs * 8 - timestamp;
    if (this.lastTransit !== undefined) {
      let d = Math.abs(transit - this.lastTransit);
      if (d > 8 * 1000 * 10) d = 0; // a timestamp jump (new talkspurt after DTX), not jitter
      this.jitterTs += (d - this.jitterTs) / 16;
    }
    this.lastTransit = transit;
  }
}
