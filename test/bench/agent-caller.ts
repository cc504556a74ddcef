/**
 * The load side of the `agent` bench: callers that speak real (espeak-ng) utterances as 20 ms μ-law RTP packets
 * on one absolute-deadline clock, listen to what comes back, and time each turn on the wire: the last voiced
 * packet of the caller's utterance leaving → the first voiced agent packet arriving (voice-to-voice).
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import { mulawToLinear } from '../sipp/harness/tone.js';

const FRAME = 160;
const SILENCE = Buffer.alloc(FRAME, 0xff);
/**
 * mean |sample| above this is voice: μ-law silence decodes to 0, vowels average in the thousands, and the quiet
 * consonants that end words ("s", "f", "t") in the low hundreds, which still count as the caller speaking
 */
const VOICED_MEAN = 100;

export function voiced(payload: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) sum += Math.abs(mulawToLinear(payload[i]!));
  return sum / Math.max(1, payload.length) > VOICED_MEAN;
}

/** An utterance cut into frames, with the index of its last voiced frame. */
export interface Utterance {
  frames: Buffer[];
  lastVoiced: number;
}

export function toUtterance(ulaw: Buffer): Utterance {
  const frames: Buffer[] = [];
  for (let i = 0; i + FRAME <= ulaw.length; i += FRAME) frames.push(ulaw.subarray(i, i + FRAME));
  let lastVoiced = -1;
  frames.forEach((f, i) => {
    if (voiced(f)) lastVoiced = i;
  });
  if (lastVoiced < 0) throw new Error('utterance has no voiced frame');
  return { frames, lastVoiced };
}

export class BenchCaller {
  private queue: Buffer[] = [];
  private lastVoicedAt = -1;
  private seq = 0;
  private ts = 0;
  private readonly ssrc = Math.floor(Math.random() * 0xffffffff);
  private remotePort = 0;
  /** hrtime ms of the last voiced packet of the current utterance (once sent) */
  utteranceEndAt: number | undefined;
  /** frames of the endpointing window (set by the bench), and when the frame that completes it was sent */
  windowFrames = 0;
  windowEndAt: number | undefined;
  /** hrtime ms of the latest voiced agent packet, and of the first one after the current utterance ended */
  lastAgentVoiceAt = -Infinity;
  firstReplyAt: number | undefined;

  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (msg) => this.onPacket(msg));
  }

  static async open(): Promise<BenchCaller> {
    const socket = dgram.createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    return new BenchCaller(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  connect(remotePort: number): void {
    this.remotePort = remotePort;
  }

  /** queues an utterance; `utteranceEndAt` is set when its last voiced frame goes out */
  say(u: Utterance): void {
    this.utteranceEndAt = undefined;
    this.windowEndAt = undefined;
    this.firstReplyAt = undefined;
    this.lastVoicedAt = this.queue.length + u.lastVoiced;
    this.queue.push(...u.frames);
  }

  /** one 20 ms tick: the next queued frame, or silence */
  tick(nowMs: number): void {
    if (!this.remotePort) return;
    const payload = this.queue.shift() ?? SILENCE;
    if (this.lastVoicedAt === 0) this.utteranceEndAt = nowMs;
    if (this.lastVoicedAt === -this.windowFrames) this.windowEndAt = nowMs;
    this.lastVoicedAt--;
    const header = Buffer.alloc(12);
    header[0] = 0x80;
    header[1] = 0;
    header.writeUInt16BE(this.seq, 2);
    header.writeUInt32BE(this.ts >>> 0, 4);
    header.writeUInt32BE(this.ssrc >>> 0, 8);
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + FRAME) >>> 0;
    this.socket.send(Buffer.concat([header, payload]), this.remotePort, '127.0.0.1');
  }

  close(): void {
    this.socket.close();
  }

  private onPacket(msg: Buffer): void {
    if (msg.length < 12 + FRAME || (msg[1]! & 0x7f) !== 0) return; // PCMU only (not telephone-event, not RTCP)
    if (!voiced(msg.subarray(12))) return;
    const now = performance.now();
    this.lastAgentVoiceAt = now;
    if (this.utteranceEndAt !== undefined && this.firstReplyAt === undefined) this.firstReplyAt = now;
  }
}

/** One clock for every caller: a tick each 20 ms on absolute deadlines. */
export class CallerClock {
  private readonly callers = new Set<BenchCaller>();
  private timer: NodeJS.Timeout | undefined;
  private next = 0;

  add(c: BenchCaller): void {
    this.callers.add(c);
  }
  remove(c: BenchCaller): void {
    this.callers.delete(c);
  }

  start(): void {
    this.next = performance.now();
    const step = () => {
      const now = performance.now();
      for (const c of this.callers) c.tick(now);
      this.next += 20;
      if (this.next < now - 100) this.next = now; // fell far behind: do not burst
      this.timer = setTimeout(step, Math.max(0, this.next - performance.now()));
    };
    step();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** waits until `pred` holds (checked every 5 ms) or `timeoutMs` passes; true when it held */
export async function until(pred: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    if (pred()) return true;
    await sleep(5);
  }
  return pred();
}
