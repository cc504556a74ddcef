/**
 * The caller's phone: one UDP socket whose address goes into the SDP offer. It sends a continuous 20 ms RTP
 * stream like a real phone (silence between turns, so the appliance's VAD sees the pauses), speech queued by
 * the conversation, RFC 4733 digits in place of audio; and it keeps every audio frame the appliance sends,
 * marked voiced or quiet, with its monotonic arrival time.
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { g711 } from '@callgate/media-bridge';
import { parseRtp } from '../harness/rtp.js';
import { DEFAULT_VOICE_THRESHOLD_DBFS, FRAME_MS, SAMPLES_PER_FRAME, codecOfPt, isVoiced, ulawFrames, type AudioFrame, type G711Name } from './audio.js';
import { dtmfEvent } from './script.js';
import type { SpokenSpan } from './wire.js';

export interface SentSpan extends SpokenSpan {
  /** first and last packet of the queued audio (send time) */
  startedAt: number;
  endedAt: number;
}

/** one key press: its packets share the RTP timestamp of the first */
interface Press {
  event: number;
  ts?: number;
}

type Slot = { kind: 'audio'; ulaw: Buffer; voiced: boolean } | { kind: 'dtmf'; press: Press; durationTs: number; end: boolean; first: boolean };

interface Job {
  slots: Slot[];
  next: number;
  span: Partial<SentSpan>;
  resolve: (s: SentSpan) => void;
}

export interface CallerMediaOptions {
  /** local port (0: any) */
  port?: number;
  address?: string;
  /** voiced/quiet threshold for received and sent frames, dBFS */
  thresholdDbfs?: number;
}

export class CallerMedia {
  /** every audio frame received (PCMU/PCMA), in arrival order */
  readonly frames: AudioFrame[] = [];
  /** RFC 4733 packets received */
  dtmfReceived = 0;
  /** packets we could not use (not RTP, unknown payload type) */
  ignoredPackets = 0;
  private readonly listeners = new Set<(f: AudioFrame) => void>();
  private readonly jobs: Job[] = [];
  private to: { address: string; port: number } | undefined;
  private codec: G711Name = 'PCMU';
  private dtmfPt = 101;
  private seq = Math.floor(Math.random() * 0x8000);
  private ts = Math.floor(Math.random() * 0x7fffffff);
  private readonly ssrc = (Math.random() * 0xffffffff) >>> 0;
  private timer: NodeJS.Timeout | undefined;
  private startAt = 0;
  private tick = 0;
  private sentPackets = 0;
  private readonly threshold: number;

  private constructor(
    private readonly socket: dgram.Socket,
    o: CallerMediaOptions,
  ) {
    this.threshold = o.thresholdDbfs ?? DEFAULT_VOICE_THRESHOLD_DBFS;
    socket.on('message', (msg, rinfo) => this.receive(msg, `${rinfo.address}:${rinfo.port}`));
  }

  static async open(o: CallerMediaOptions = {}): Promise<CallerMedia> {
    const socket = dgram.createSocket('udp4');
    socket.bind(o.port ?? 0, o.address ?? '127.0.0.1');
    await Promise.race([
      once(socket, 'listening'),
      once(socket, 'error').then(([err]) => {
        throw err as Error;
      }),
    ]);
    return new CallerMedia(socket, o);
  }

  get port(): number {
    return this.socket.address().port;
  }

  get address(): string {
    return this.socket.address().address;
  }

  get packetsSent(): number {
    return this.sentPackets;
  }

  onFrame(listener: (f: AudioFrame) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private receive(msg: Buffer, from: string): void {
    const at = performance.now();
    const p = parseRtp(msg, from);
    if (!p) {
      this.ignoredPackets++;
      return;
    }
    if (p.pt === this.dtmfPt) {
      this.dtmfReceived++;
      return;
    }
    const codec = codecOfPt(p.pt);
    if (!codec || p.payloadLength === 0) {
      this.ignoredPackets++;
      return;
    }
    const payload = Uint8Array.from(p.payload);
    const f: AudioFrame = { at, ssrc: p.ssrc, ts: p.ts, codec, payload, voiced: isVoiced(payload, codec, this.threshold) };
    this.frames.push(f);
    for (const l of this.listeners) l(f);
  }

  /** Starts the 20 ms stream to the appliance's SDP address (silence until something is queued). */
  start(to: { address: string; port: number }, o: { codec?: G711Name; dtmfPt?: number } = {}): void {
    this.to = to;
    if (o.codec) this.codec = o.codec;
    if (o.dtmfPt !== undefined) this.dtmfPt = o.dtmfPt;
    if (this.timer) return;
    this.startAt = performance.now();
    this.tick = 0;
    this.sendTick();
  }

  get started(): boolean {
    return this.timer !== undefined;
  }

  private sendTick(): void {
    this.sendSlot();
    this.tick++;
    const wait = this.startAt + this.tick * FRAME_MS - performance.now();
    this.timer = setTimeout(() => this.sendTick(), Math.max(0, wait));
  }

  private sendSlot(): void {
    const job = this.jobs[0];
    const slot = job?.slots[job.next];
    const now = performance.now();
    if (!job || !slot) {
      this.sendAudio(Buffer.alloc(SAMPLES_PER_FRAME, 0xff), false);
    } else {
      if (slot.kind === 'audio') this.sendAudio(slot.ulaw, false);
      else this.sendDtmf(slot);
      job.span.startedAt ??= now;
      job.span.endedAt = now;
      const voiced = slot.kind === 'dtmf' || slot.voiced;
      if (voiced) {
        job.span.firstVoicedAt ??= now;
        job.span.lastVoicedAt = now;
      }
      job.next++;
      if (job.next >= job.slots.length) {
        this.jobs.shift();
        const s = job.span;
        job.resolve({ startedAt: s.startedAt!, endedAt: s.endedAt!, firstVoicedAt: s.firstVoicedAt ?? s.startedAt!, lastVoicedAt: s.lastVoicedAt ?? s.endedAt! });
      }
    }
    this.ts = (this.ts + SAMPLES_PER_FRAME) >>> 0;
  }

  private header(pt: number, marker: boolean, ts: number, payloadBytes: number): Buffer {
    const pkt = Buffer.alloc(12 + payloadBytes);
    pkt[0] = 0x80;
    pkt[1] = (marker ? 0x80 : 0) | (pt & 0x7f);
    pkt.writeUInt16BE(this.seq & 0xffff, 2);
    this.seq = (this.seq + 1) & 0xffff;
    pkt.writeUInt32BE(ts >>> 0, 4);
    pkt.writeUInt32BE(this.ssrc, 8);
    return pkt;
  }

  private sendAudio(ulaw: Buffer, marker: boolean): void {
    const payload = this.codec === 'PCMU' ? ulaw : Buffer.from(g711('PCMA').encode(g711('PCMU').decode(ulaw)));
    const pkt = this.header(this.codec === 'PCMU' ? 0 : 8, marker || this.sentPackets === 0, this.ts, payload.length);
    payload.copy(pkt, 12);
    this.send(pkt);
  }

  private sendDtmf(slot: Extract<Slot, { kind: 'dtmf' }>): void {
    // every packet of a press carries the timestamp of its first; retransmitted end packets repeat the duration
    slot.press.ts ??= this.ts;
    const pkt = this.header(this.dtmfPt, slot.first, slot.press.ts, 4);
    pkt[12] = slot.press.event;
    pkt[13] = (slot.end ? 0x80 : 0) | 10; // volume −10 dBm0
    pkt.writeUInt16BE(Math.min(0xffff, slot.durationTs), 14);
    this.send(pkt);
  }

  private send(pkt: Buffer): void {
    if (!this.to) return;
    this.sentPackets++;
    this.socket.send(pkt, this.to.port, this.to.address);
  }

  /** Queues μ-law audio; resolves once its last frame went out, with when its voice was sent. */
  say(ulaw: Buffer): Promise<SentSpan> {
    const slots: Slot[] = ulawFrames(ulaw).map((f) => ({ kind: 'audio', ulaw: f, voiced: isVoiced(f, 'PCMU', this.threshold) }));
    return this.enqueue(slots);
  }

  /** Queues RFC 4733 key presses (each `pressMs` long, `gapMs` of silence after each). */
  keys(digits: string, pressMs = 160, gapMs = 120): Promise<SentSpan> {
    const slots: Slot[] = [];
    const frames = Math.max(3, Math.round(pressMs / FRAME_MS));
    for (const d of digits) {
      const event = dtmfEvent(d);
      if (event === undefined) throw new Error(`not a DTMF key: ${d}`);
      const press: Press = { event };
      for (let i = 0; i < frames; i++) {
        const last = i === frames - 1;
        slots.push({ kind: 'dtmf', press, durationTs: (i + 1) * SAMPLES_PER_FRAME, end: last, first: i === 0 });
      }
      // the end packet twice more (RFC 4733 §2.5.1.4), then silence between presses
      for (let r = 0; r < 2; r++) slots.push({ kind: 'dtmf', press, durationTs: frames * SAMPLES_PER_FRAME, end: true, first: false });
      for (let i = 0; i < Math.round(gapMs / FRAME_MS); i++) slots.push({ kind: 'audio', ulaw: Buffer.alloc(SAMPLES_PER_FRAME, 0xff), voiced: false });
    }
    return this.enqueue(slots);
  }

  private enqueue(slots: Slot[]): Promise<SentSpan> {
    if (slots.length === 0) {
      const now = performance.now();
      return Promise.resolve({ startedAt: now, endedAt: now, firstVoicedAt: now, lastVoicedAt: now });
    }
    return new Promise((resolve) => this.jobs.push({ slots, next: 0, span: {}, resolve }));
  }

  /** drops queued audio that has not gone out yet (the pending `say`/`keys` resolve with what was sent) */
  clearQueue(): void {
    const now = performance.now();
    for (const job of this.jobs.splice(0)) {
      const s = job.span;
      job.resolve({ startedAt: s.startedAt ?? now, endedAt: s.endedAt ?? now, firstVoicedAt: s.firstVoicedAt ?? s.startedAt ?? now, lastVoicedAt: s.lastVoicedAt ?? s.endedAt ?? now });
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.clearQueue();
  }

  close(): void {
    this.stop();
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
