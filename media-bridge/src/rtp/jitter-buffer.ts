/**
 * Adaptive jitter buffer for one inbound G.711 stream, working on decoded PCM16 frames (8 kHz, 20 ms = 160
 * samples). Every audio packet is `put` as it arrives; frames come out in one of two ways:
 *  - `pull`, exactly one frame per pacer tick at the target delay: playout for a listener (the rules below);
 *  - `take`, as soon as they are in order: for a consumer that analyses the audio (the media bridge's VAD and
 *    speech-to-text), which gains nothing from a steady pace and everything from getting the caller's last
 *    syllable, and the silence after it, at once. A missing packet is waited for (`lossWaitMs`, 60 ms, or the
 *    target if longer) before its slot is concealed, and a packet is late only once its slot has been concealed.
 *
 * Placement: frames sit in timestamp order (sequence numbers and timestamps are extended across their 16/32-bit
 * wrap); a cursor walks the timestamp grid one frame per pull. A packet whose slot the cursor has passed is late.
 *
 * Delay estimate (a percentile, not RFC 3550's running mean): each packet's relative transit is
 * r = arrival − timestamp (ms). Over the last `windowPackets` packets, base = min r (the fastest path) and the
 * jitter estimate is the `percentile` (99 %, over 10 s: a stall every few seconds must not cost a late discard
 * each time) of r − base. It rises at once when the window's percentile does and
 * falls by 1/64 of the difference per packet, so it grows quickly and shrinks slowly.
 * target = clamp(ceil-to-ms(estimate × jitterFactor + marginMs), minDelayMs, maxDelayMs). Not rounded to whole
 * frames: frames are pulled on the pacer's ticks, so the depth lands at target + (up to a frame of tick phase);
 * a clean link gets a few ms of target, not a frame, which is what the caller's end of turn waits for.
 * depth = (time the cursor's slot plays) − (its timestamp) − base: how much later than the fastest recent
 * packet audio is played, i.e. the buffer's share of the mouth-to-ear delay.
 *
 * Depth rules (hysteresis of a quarter frame around [target, target + 1 frame)):
 *  - talkspurt start (marker bit, or a timestamp gap with no sequence gap) and resume after `idleMs` without
 *    packets: playout re-anchors so the first frame plays `target` after its fastest-path arrival time;
 *  - grow: when the cursor's slot is empty and depth < target, the cursor holds (a concealed frame is inserted
 *    and the missing packet may still make it); during low-energy audio a background frame is repeated;
 *  - shrink: only by dropping a frame in a low-energy stretch (previous, current and next frames all quiet),
 *    at most one every 100 ms, when depth ≥ target + 1 frame. Speech is never skipped.
 *  "Low energy": frame RMS below max(200, 2 × the quietest of the last 100 frames), capped at 1000 (≈ −30 dBFS).
 * Resuming after an idle spell, frames already overdue on the new schedule are late discards (real time first).
 * Five late packets in a row, paced over 80 ms with nothing buffered, mean the timing moved: playout re-anchors.
 * A sequence jump beyond 3000 ahead / 100 behind is overflow / late until the next packet in sequence confirms a
 * restart; `reset()` (for an SSRC change) does it at once.
 *
 * Concealment: a missing frame repeats the last good frame, −6 dB per successive concealed frame (each step
 * ramped over 5 ms), the third fading to zero across its 20 ms: silence after 60 ms. When real audio returns,
 * its first 5 ms crossfade from where the concealment would have continued.
 *
 * Effective loss for the E-model: network loss (ReceiveStats.lost) + late discards + overflow drops, over
 * ReceiveStats.expected (`effectiveLossPct`). Concealed frames are not loss: they include talkspurt tails.
 */
import type { ReceiveStats } from './receive-stats.js';

/** What `put` did with a packet. */
export type PutResult = 'queued' | 'late' | 'duplicate' | 'early-overflow';

/** One frame out of the buffer. `silence`: no received audio for this slot (zeros, or while the buffer stretches
 *  a pause to grow its delay, a copy of the preceding low-level frame). */
export interface JitterFrame {
  pcm: Int16Array;
  kind: 'audio' | 'concealed' | 'silence';
  /** RTP sequence number of an `audio` frame */
  seq?: number;
  /** stands in for a packet that is late, not known lost: playout holds for it (the delay grows a frame) */
  waiting?: boolean;
  /** `take` only: when the frame's slot was complete on the fastest recent path (monotonic ms, the caller's clock) */
  dueMs?: number;
}

/** Counters and the current delay, for metrics and the E-model. */
export interface JitterBufferStats {
  /** playout delay beyond the fastest recent packet's transit (the buffer's share of mouth-to-ear delay), ms */
  depthMs: number;
  targetMs: number;
  /** the jitter estimate: percentile of transit deviation from the fastest recent packet, ms */
  jitterMs: number;
  bufferedFrames: number;
  /** packets accepted */
  queued: number;
  /** received frames played */
  played: number;
  /** frames output as `concealed` (a missing packet, or a hold while waiting for a late one) */
  concealed: number;
  /** frames output as `silence` */
  silence: number;
  /** packets that arrived after their slot was played (or were too far behind), never played */
  lateDiscards: number;
  duplicates: number;
  /** packets too far ahead of playout, dropped */
  overflowDrops: number;
  /** low-energy frames dropped to shrink the delay */
  shrinkDrops: number;
  /** frames inserted to grow the delay (cursor held on an empty slot, or a quiet frame repeated) */
  insertedFrames: number;
  /** times playout re-anchored after it first started (talkspurts, resumes, stream restarts) */
  resyncs: number;
}

/** Options; every field has a default (undefined means the default). */
export interface JitterBufferOptions {
  /** RTP clock rate (default 8000) */
  clockRate?: number;
  /** samples per frame (default 160 = 20 ms); other packet sizes are truncated or zero-padded to it */
  frameSamples?: number;
  /** bounds of the target delay (defaults 20 and 200 ms; the media config's default minimum is 0) */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** target = estimate × jitterFactor + marginMs (defaults 1 and 10) */
  jitterFactor?: number;
  marginMs?: number;
  /** percentile of transit deviations used as the estimate (default 0.99) over this many packets (default 500) */
  percentile?: number;
  windowPackets?: number;
  /** frames held at most, and how far ahead of playout a packet may be (default 2 × maxDelay in frames) */
  capacityFrames?: number;
  /** no packets for this long with nothing buffered: the stream is idle, playout re-anchors (default 200) */
  idleMs?: number;
  /** concealed frames before the output fades to silence (default 3) */
  maxConcealFrames?: number;
  /** `take`: a missing packet is waited for this long past its fastest-path arrival, or the target if longer (default 60) */
  lossWaitMs?: number;
}

const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
const SEEN_WINDOW = 512;
const RELEASE_PACKETS = 64;
const CONCEAL_STEP = Math.pow(10, -6 / 20);
const CROSSFADE_SAMPLES = 40;
const SILENCE_RMS = 200;
const LOW_ENERGY_CAP_RMS = 1000;
const FLOOR_FRAMES = 100;
const SHRINK_INTERVAL_MS = 100;
/** consecutive late packets, paced over at least 4 frames with nothing buffered: the timing moved, re-anchor */
const LATE_RUN_RESYNC = 5;
/** frame buffers kept for `frameBuffer` */
const SPARE_FRAMES = 8;

interface Frame {
  seq: number;
  ts: number;
  pcm: Int16Array;
  marker: boolean;
  rms: number;
}

/** One call's inbound jitter buffer. Not thread- or timer-aware: the caller supplies every time. */
export class JitterBuffer {
  private readonly clockRate: number;
  private readonly fs: number;
  private readonly frameMs: number;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly factor: number;
  private readonly marginMs: number;
  private readonly percentile: number;
  private readonly capacity: number;
  private readonly idleMs: number;
  private readonly maxConceal: number;
  private readonly lossWaitMs: number;

  private frames: Frame[] = [];
  /** extended timestamp of the next slot to play; undefined while waiting to (re)start */
  private cursor: number | undefined;
  private waitLateBefore = -Infinity;
  private skipStale = false;
  private started = false;
  private lastRealTs = -Infinity;
  private lastRealSeq: number | undefined;

  private maxSeq: number | undefined;
  private maxTs = 0;
  private restartCandidate: number | undefined;
  private readonly seen = new Float64Array(SEEN_WINDOW).fill(NaN);

  private readonly transit: Float64Array;
  /** the same window, sorted (its first `sortedCount` entries) */
  private readonly sorted: Float64Array;
  private sortedCount = 0;
  private transitCount = 0;
  private transitPos = 0;
  private estimateMs = 0;
  private lastArrivalMs = -Infinity;
  private lateRun = 0;
  private lateRunSince = 0;
  private depth = 0;
  private lastShrinkMs = -Infinity;

  private lastGood: Int16Array | undefined;
  /** frames played and no longer referenced, handed out again by `frameBuffer` */
  private readonly spare: Int16Array[] = [];
  private concealRun = 0;
  private concealGain = 1;
  private lastOut: Int16Array;
  private lastOutRms = 0;
  private readonly recentRms = new Float64Array(FLOOR_FRAMES);
  private recentCount = 0;

  private readonly c = {
    queued: 0,
    played: 0,
    concealed: 0,
    silence: 0,
    lateDiscards: 0,
    duplicates: 0,
    overflowDrops: 0,
    shrinkDrops: 0,
    insertedFrames: 0,
    resyncs: 0,
  };

  constructor(opts: JitterBufferOptions = {}) {
    this.clockRate = opts.clockRate ?? 8000;
    this.fs = opts.frameSamples ?? 160;
    this.frameMs = (this.fs * 1000) / this.clockRate;
    this.minDelayMs = opts.minDelayMs ?? 20;
    this.maxDelayMs = opts.maxDelayMs ?? 200;
    this.factor = opts.jitterFactor ?? 1;
    this.marginMs = opts.marginMs ?? 10;
    this.percentile = opts.percentile ?? 0.99;
    this.capacity = opts.capacityFrames ?? 2 * Math.ceil(this.maxDelayMs / this.frameMs);
    this.idleMs = opts.idleMs ?? 200;
    this.lossWaitMs = opts.lossWaitMs ?? 60;
    if (!(this.lossWaitMs >= 0 && this.lossWaitMs <= 1000)) throw new RangeError('jitter buffer: lossWaitMs must be in [0, 1000]');
    this.maxConceal = opts.maxConcealFrames ?? 3;
    const windowPackets = opts.windowPackets ?? 500;
    if (!(this.clockRate > 0) || !Number.isInteger(this.fs) || this.fs <= 0) throw new RangeError('jitter buffer: bad clock rate or frame size');
    if (!(this.minDelayMs >= 0) || !(this.maxDelayMs >= this.minDelayMs)) throw new RangeError('jitter buffer: need 0 ≤ minDelayMs ≤ maxDelayMs');
    if (!(this.percentile > 0 && this.percentile <= 1)) throw new RangeError('jitter buffer: percentile must be in (0, 1]');
    if (!Number.isInteger(windowPackets) || windowPackets < 1 || !Number.isInteger(this.capacity) || this.capacity < 2) {
      throw new RangeError('jitter buffer: windowPackets ≥ 1 and capacityFrames ≥ 2 must be integers');
    }
    this.transit = new Float64Array(windowPackets);
    this.sorted = new Float64Array(windowPackets + 1);
    this.lastOut = new Int16Array(this.fs);
  }

  /**
   * A frame's worth of samples for the caller to decode the next packet into and hand to `put`: a frame that has
   * been played and is referenced no more (so a busy call allocates no audio buffers), else a new one. A frame
   * that `take`/`pull` hands out is valid until the next call to either.
   */
  frameBuffer(): Int16Array {
    return this.spare.pop() ?? new Int16Array(this.fs);
  }

  /**
   * Offers one received audio packet (decoded). `arrivalMs` is on the same monotonic clock as `pull`'s. A frame
   * of exactly one frame's samples is kept as it is (the caller hands it over and must not change it after);
   * any other size is copied to one frame.
   */
  put(seq: number, timestamp: number, pcm: Int16Array, arrivalMs: number, marker: boolean): PutResult {
    this.lastArrivalMs = arrivalMs;
    const ext = this.extend(seq & 0xffff, timestamp >>> 0);
    if (ext === 'behind') return this.discardLate();
    if (ext === 'ahead') return this.overflow();
    const { extSeq, extTs } = ext;
    const half = this.fs / 2;
    if (this.isSeen(extSeq) || this.frames.some((f) => Math.abs(f.ts - extTs) < half)) {
      this.c.duplicates++;
      return 'duplicate';
    }
    const r = arrivalMs - this.tsToMs(extTs);
    const lateBefore = this.cursor !== undefined ? this.cursor - half : this.waitLateBefore;
    if (extTs < lateBefore) {
      if (marker && extTs > this.lastRealTs) {
        // a talkspurt starting inside the silence we have been playing: its sender's clock did not run through the
        // pause if it is later than the jitter allowance, so it becomes the new timing reference
        this.release(extTs - half, r - this.base(r) > this.targetMs());
      } else {
        if (this.lateRun === 0) this.lateRunSince = arrivalMs;
        this.lateRun++;
        if (this.lateRun < LATE_RUN_RESYNC || arrivalMs - this.lateRunSince < 4 * this.frameMs || this.frames.length > 0) {
          this.commit(extSeq, extTs);
          this.addTransit(r);
          return this.discardLate();
        }
        this.release(extTs - half, true);
      }
    }
    this.lateRun = 0;
    const anchor = this.cursor ?? this.frames[0]?.ts ?? extTs;
    const newest = this.frames[this.frames.length - 1]?.ts ?? extTs;
    const span = Math.max(newest, extTs) - Math.min(anchor, extTs);
    if (span >= this.capacity * this.fs || this.frames.length >= this.capacity) {
      if (this.frames.length > 0 || this.cursor === undefined) return this.overflow();
      this.release(extTs - half, Math.abs(r - this.base(r)) > this.maxDelayMs); // nothing to protect: follow the jump
    }
    this.insert({ seq: extSeq, ts: extTs, pcm: pcm.length === this.fs ? pcm : fit(pcm, this.fs), marker, rms: rms(pcm) });
    this.commit(extSeq, extTs);
    this.addTransit(r);
    this.c.queued++;
    return 'queued';
  }

  /** Takes the frame for this 20 ms tick (call once per tick, even when several ticks are due at one `nowMs`). */
  pull(nowMs: number): JitterFrame {
    if (this.cursor === undefined && !this.startIfDue(nowMs)) return this.silence();
    return this.playSlot(nowMs);
  }

  /**
   * Arrival delivery, the alternative to `pull` for a consumer that analyses the audio rather than plays it (VAD,
   * speech-to-text): the next frame in order as soon as its packet is here, or a concealed one for a slot whose
   * packet is `lossWaitMs` (or the target, if longer) past its fastest-path arrival; undefined when neither.
   * Call it until it returns undefined, after each `put` and on each tick. No frame is delayed by the target, no
   * rate adaptation happens (the consumer keeps no real-time clock), and a packet is late only once its slot was
   * concealed. While the stream is idle or not yet started it returns undefined: the caller fills in silence.
   */
  take(nowMs: number): JitterFrame | undefined {
    const half = this.fs / 2;
    if (this.cursor === undefined) {
      this.dropBefore(this.waitLateBefore);
      const first = this.frames[0];
      if (!first) return undefined;
      this.startAt(first.ts);
    }
    const cursor = this.cursor!;
    this.dropBefore(cursor - half);
    const head = this.frames[0];
    // in order, or a new talkspurt after a pause (marker bit, or the next sequence number): nothing is missing
    if (head && (head.ts < cursor + half || head.marker || (this.lastRealSeq !== undefined && head.seq === this.lastRealSeq + 1))) {
      return this.delivered(this.play(head), head.ts, nowMs);
    }
    if (!head && nowMs - this.lastArrivalMs > this.idleMs) {
      this.release(cursor + half, false);
      this.concealRun = 0;
      return undefined;
    }
    const dueMs = this.tsToMs(cursor) + this.base();
    if (nowMs < dueMs + Math.max(this.lossWaitMs, this.targetMs())) return undefined;
    this.cursor = cursor + this.fs;
    return this.delivered(this.conceal(), cursor, nowMs);
  }

  /** true while `take` follows a stream (false before the first packet and after an idle spell) */
  get running(): boolean {
    return this.cursor !== undefined;
  }

  /** a frame of silence for a tick with no stream running (arrival delivery: the caller fills in the time) */
  idleFrame(): JitterFrame {
    return this.silence();
  }

  /** Forgets the stream (call on an SSRC change); counters and the jitter estimate are kept. */
  reset(): void {
    this.c.lateDiscards += this.frames.length;
    this.frames = [];
    this.cursor = undefined;
    this.waitLateBefore = -Infinity;
    this.lastRealTs = -Infinity;
    this.lastRealSeq = undefined;
    this.maxSeq = undefined;
    this.restartCandidate = undefined;
    this.seen.fill(NaN);
    this.transitCount = 0;
    this.lateRun = 0;
    this.skipStale = false;
  }

  stats(): JitterBufferStats {
    return {
      depthMs: Math.round(this.depth),
      targetMs: this.targetMs(),
      jitterMs: Math.round(this.estimateMs * 10) / 10,
      bufferedFrames: this.frames.length,
      ...this.c,
    };
  }

  /** the delay playout aims for now */
  targetMs(): number {
    const raw = Math.ceil(this.estimateMs * this.factor + this.marginMs - 1e-9);
    return Math.min(this.maxDelayMs, Math.max(this.minDelayMs, raw));
  }

  // ---- playout ----

  /** While waiting: start on the earliest frame once its anchored playout time has come. */
  private startIfDue(nowMs: number): boolean {
    const half = this.fs / 2;
    this.dropBefore(this.waitLateBefore);
    const first = this.frames[0];
    if (!first) return false;
    const desired = this.tsToMs(first.ts) + this.base() + this.targetMs();
    if (nowMs < desired) return false;
    let start = first;
    if (this.skipStale) {
      // resuming after an idle spell: what is already behind the schedule is late, play what is due now
      const wantTs = first.ts + Math.floor((nowMs - desired) / this.frameMs) * this.fs;
      start = this.frames.find((f) => f.ts >= wantTs - half) ?? this.frames[this.frames.length - 1]!;
      this.dropBefore(start.ts - half);
    }
    this.startAt(start.ts);
    return true;
  }

  /** playout (or arrival delivery) starts, or restarts, at the frame at `ts` */
  private startAt(ts: number): void {
    this.cursor = ts;
    if (this.started) this.c.resyncs++;
    this.started = true;
    this.skipStale = false;
  }

  private playSlot(nowMs: number): JitterFrame {
    const cursor = this.cursor!;
    const half = this.fs / 2;
    const hyst = this.frameMs / 4;
    this.dropBefore(cursor - half);
    this.depth = nowMs - this.tsToMs(cursor) - this.base();
    const target = this.targetMs();
    const head = this.frames[0];
    if (head && head.ts < cursor + half) {
      const next = this.frames[1];
      const low = this.lowEnergyThreshold();
      const quiet = head.rms < low && this.lastOutRms < low;
      if (
        quiet &&
        this.depth >= target + this.frameMs + hyst &&
        next !== undefined &&
        next.ts < cursor + this.fs + half &&
        next.rms < low &&
        nowMs - this.lastShrinkMs >= SHRINK_INTERVAL_MS
      ) {
        this.frames.shift();
        this.c.shrinkDrops++;
        this.lastShrinkMs = nowMs;
        this.depth -= this.frameMs;
        return this.play(next);
      }
      if (quiet && this.depth < target - hyst && this.concealRun === 0) {
        this.c.insertedFrames++;
        this.c.silence++;
        return this.emit(this.lastOut.slice(), 'silence');
      }
      return this.play(head);
    }
    // the slot is empty
    if (head && (head.marker || (this.lastRealSeq !== undefined && head.seq === this.lastRealSeq + 1))) {
      // a pause between talkspurts (nothing is missing): re-anchor the next talkspurt on the current target
      this.release(cursor + half, false);
      this.concealRun = 0;
      return this.startIfDue(nowMs) ? this.playSlot(nowMs) : this.silence();
    }
    if (!head && nowMs - this.lastArrivalMs > this.idleMs) {
      this.release(cursor + half, false);
      this.skipStale = true;
      this.concealRun = 0;
      return this.silence();
    }
    if (this.depth < target - hyst) {
      this.c.insertedFrames++; // hold the cursor: the delay grows by a frame and the packet may still come
      return { ...this.conceal(), waiting: true };
    }
    this.cursor = cursor + this.fs;
    return this.conceal();
  }

  private play(f: Frame): JitterFrame {
    this.frames.shift();
    this.cursor = f.ts + this.fs;
    let pcm = f.pcm;
    if (this.concealRun > 0) {
      // crossfade from where the concealment would have continued
      pcm = f.pcm.slice();
      const from = this.lastGood;
      const n = Math.min(CROSSFADE_SAMPLES, pcm.length);
      for (let i = 0; i < n; i++) {
        const w = i / n;
        const c = from ? from[i]! * this.concealGain : 0;
        pcm[i] = Math.round(f.pcm[i]! * w + c * (1 - w));
      }
    }
    this.concealRun = 0;
    this.concealGain = 1;
    const previousGood = this.lastGood;
    this.lastGood = f.pcm;
    this.lastRealTs = f.ts;
    this.lastRealSeq = f.seq;
    this.c.played++;
    this.recentRms[this.recentCount++ % FLOOR_FRAMES] = f.rms;
    const out = this.emit(pcm, 'audio', f.seq & 0xffff, pcm === f.pcm ? f.rms : undefined);
    this.recycle(previousGood);
    return out;
  }

  /** repeat the last good frame, −6 dB per concealed frame (ramped inside the frame), silent after maxConceal */
  private conceal(): JitterFrame {
    const k = ++this.concealRun;
    if (k > this.maxConceal) {
      this.concealGain = 0;
      return this.silence();
    }
    const out = new Int16Array(this.fs);
    const g0 = this.concealGain;
    const last = k >= this.maxConceal;
    const g1 = last ? 0 : Math.pow(CONCEAL_STEP, k);
    // step down over the first 5 ms (the last concealed frame fades out over all of it)
    const ramp = last ? this.fs : Math.min(CROSSFADE_SAMPLES, this.fs);
    if (this.lastGood) {
      for (let i = 0; i < this.fs; i++) {
        const g = i < ramp ? g0 + ((g1 - g0) * (i + 1)) / ramp : g1;
        out[i] = Math.round(this.lastGood[i]! * g);
      }
    }
    this.concealGain = g1;
    this.c.concealed++;
    return this.emit(out, 'concealed');
  }

  /** a frame `take` hands over: stamped with its slot's fastest-path arrival; the depth follows the delay added */
  private delivered(f: JitterFrame, ts: number, nowMs: number): JitterFrame {
    f.dueMs = this.tsToMs(ts) + this.base();
    this.depth += (Math.max(0, nowMs - f.dueMs) - this.depth) / 16;
    return f;
  }

  private silence(): JitterFrame {
    this.c.silence++;
    return this.emit(new Int16Array(this.fs), 'silence');
  }

  private emit(pcm: Int16Array, kind: JitterFrame['kind'], seq?: number, level = rms(pcm)): JitterFrame {
    const previous = this.lastOut;
    this.lastOut = pcm;
    this.lastOutRms = level;
    this.recycle(previous);
    return seq === undefined ? { pcm, kind } : { pcm, kind, seq };
  }

  /**
   * a frame the buffer no longer refers to (the previous output, or the previous last good frame), for
   * `frameBuffer`: whoever it was handed out to has had it until this next output
   */
  private recycle(pcm: Int16Array | undefined): void {
    if (!pcm || pcm.length !== this.fs || pcm === this.lastGood || pcm === this.lastOut) return;
    if (this.spare.length < SPARE_FRAMES && !this.spare.includes(pcm)) this.spare.push(pcm);
  }

  /** RMS under which a frame counts as background: twice the recent floor, within [200, 1000] */
  private lowEnergyThreshold(): number {
    const n = Math.min(this.recentCount, FLOOR_FRAMES);
    if (n === 0) return SILENCE_RMS;
    let floor = Infinity;
    for (let i = 0; i < n; i++) floor = Math.min(floor, this.recentRms[i]!);
    return Math.min(LOW_ENERGY_CAP_RMS, Math.max(SILENCE_RMS, 2 * floor));
  }

  /** stop playing: the next frame is anchored afresh; frames before `lateBefore` will be late */
  private release(lateBefore: number, clearTiming: boolean): void {
    this.cursor = undefined;
    this.waitLateBefore = lateBefore;
    if (clearTiming) this.transitCount = 0;
  }

  private dropBefore(ts: number): void {
    while (this.frames.length > 0 && this.frames[0]!.ts < ts) {
      this.frames.shift();
      this.c.lateDiscards++;
    }
  }

  private insert(f: Frame): void {
    let i = this.frames.length;
    while (i > 0 && this.frames[i - 1]!.ts > f.ts) i--;
    if (i === this.frames.length) this.frames.push(f); // in order, the usual case (splice makes an array per call)
    else this.frames.splice(i, 0, f);
  }

  private discardLate(): 'late' {
    this.c.lateDiscards++;
    return 'late';
  }

  private overflow(): 'early-overflow' {
    this.c.overflowDrops++;
    return 'early-overflow';
  }

  // ---- timing ----

  private tsToMs(ts: number): number {
    return (ts * 1000) / this.clockRate;
  }

  /** the fastest recent relative transit (`fallback` when the window is empty) */
  private base(fallback = 0): number {
    return this.sortedCount === 0 ? fallback : this.sorted[0]!;
  }

  /**
   * Adds one relative transit to the window and updates the estimate. The window is kept twice: in arrival
   * order (to know which value leaves) and sorted (binary search and a short move, no allocation, no sort per
   * packet). The percentile of the deviations from the fastest transit is the sorted window's percentile minus
   * its minimum.
   */
  private addTransit(r: number): void {
    if (this.transitCount === 0) {
      this.transitPos = 0;
      this.sortedCount = 0;
    }
    if (this.transitCount >= this.transit.length) this.removeSorted(this.transit[this.transitPos]!);
    this.transit[this.transitPos] = r;
    this.transitPos = (this.transitPos + 1) % this.transit.length;
    this.transitCount++;
    this.insertSorted(r);
    const n = this.sortedCount;
    const raw = this.sorted[Math.max(0, Math.ceil(this.percentile * n) - 1)]! - this.sorted[0]!;
    this.estimateMs = raw >= this.estimateMs ? raw : this.estimateMs + (raw - this.estimateMs) / RELEASE_PACKETS;
  }

  /** index of the first sorted value ≥ x */
  private lowerBound(x: number): number {
    let lo = 0;
    let hi = this.sortedCount;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private insertSorted(x: number): void {
    const i = this.lowerBound(x);
    this.sorted.copyWithin(i + 1, i, this.sortedCount);
    this.sorted[i] = x;
    this.sortedCount++;
  }

  private removeSorted(x: number): void {
    const i = this.lowerBound(x);
    if (i >= this.sortedCount || this.sorted[i] !== x) return;
    this.sorted.copyWithin(i, i + 1, this.sortedCount);
    this.sortedCount--;
  }

  // ---- sequence numbers ----

  /**
   * Extends seq and timestamp against the highest accepted (`commit` advances those); a far jump is
   * 'ahead'/'behind' until the next packet confirms it as a restart.
   */
  private extend(seq: number, ts: number): { extSeq: number; extTs: number } | 'ahead' | 'behind' {
    if (this.maxSeq !== undefined) {
      const d = (((seq - (this.maxSeq & 0xffff)) & 0xffff) ^ 0x8000) - 0x8000;
      if (d <= MAX_DROPOUT && d >= -MAX_MISORDER) {
        const extSeq = this.maxSeq + d;
        const low = ((this.maxTs % 2 ** 32) + 2 ** 32) % 2 ** 32;
        let dt = ts - low;
        if (dt >= 2 ** 31) dt -= 2 ** 32;
        else if (dt < -(2 ** 31)) dt += 2 ** 32;
        return { extSeq, extTs: this.maxTs + dt };
      }
      if (this.restartCandidate !== seq) {
        this.restartCandidate = (seq + 1) & 0xffff;
        return d > 0 ? 'ahead' : 'behind';
      }
      this.reset(); // the stream restarted: confirmed by a second packet in sequence
    }
    this.maxSeq = seq;
    this.maxTs = ts;
    return { extSeq: seq, extTs: ts };
  }

  /** an accepted packet (queued or late): remember it and advance the extension reference */
  private commit(extSeq: number, extTs: number): void {
    this.seen[slot(extSeq)] = extSeq;
    if (extSeq > this.maxSeq!) this.maxSeq = extSeq;
    if (extTs > this.maxTs) this.maxTs = extTs;
  }

  private isSeen(ext: number): boolean {
    return this.seen[slot(ext)] === ext;
  }
}

/**
 * Effective loss in percent for the E-model: packets lost on the network (`lost`, from the receive counters,
 * which count late packets as received) plus those the jitter buffer discarded late or on overflow.
 */
export function effectiveLossPct(rx: Pick<ReceiveStats, 'expected' | 'lost'>, jb: Pick<JitterBufferStats, 'lateDiscards' | 'overflowDrops'>): number {
  if (rx.expected <= 0) return 0;
  return (100 * Math.min(rx.expected, rx.lost + jb.lateDiscards + jb.overflowDrops)) / rx.expected;
}

function slot(ext: number): number {
  return ((ext % SEEN_WINDOW) + SEEN_WINDOW) % SEEN_WINDOW;
}

function rms(pcm: Int16Array): number {
  if (pcm.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) sum += pcm[i]! * pcm[i]!;
  return Math.sqrt(sum / pcm.length);
}

/** a private copy of exactly one frame */
function fit(pcm: Int16Array, samples: number): Int16Array {
  const out = new Int16Array(samples);
  out.set(pcm.length > samples ? pcm.subarray(0, samples) : pcm);
  return out;
}
