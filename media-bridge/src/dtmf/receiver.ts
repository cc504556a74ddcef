/**
 * Turns received RFC 4733 packets into digit presses, one per press. A press is keyed by its RTP timestamp
 * (all packets of one event share it, §2.5.1.2), so the three redundant end packets and any retransmitted
 * continuation packets report once. A press whose end packets were all lost is reported when the next event
 * starts or when it has been quiet for `endTimeoutMs`.
 */
import { eventToDigit, parseTelephoneEvent } from './rfc4733.js';

/** A completed key press. */
export interface ReceivedDigit {
  digit: string;
  durationMs: number;
}

interface OpenEvent {
  timestamp: number;
  digit: string;
  duration: number;
  lastSeenMs: number;
}

const REMEMBERED = 16;

/** Dedupes telephone-event packets into digits. */
export class DtmfReceiver {
  private open: OpenEvent | undefined;
  private readonly reported: number[] = [];

  constructor(
    private readonly endTimeoutMs = 500,
    private readonly clockRate = 8000,
  ) {}

  /** Feeds one telephone-event packet; returns the presses it completes (zero, one, or two). */
  onPacket(timestamp: number, payload: Uint8Array, nowMs: number): ReceivedDigit[] {
    const ev = parseTelephoneEvent(payload);
    const digit = ev && eventToDigit(ev.event);
    if (!ev || digit === undefined || this.reported.includes(timestamp)) return [];
    const done: ReceivedDigit[] = [];
    if (this.open && this.open.timestamp !== timestamp) done.push(this.finish(this.open));
    if (!this.open) this.open = { timestamp, digit, duration: 0, lastSeenMs: nowMs };
    this.open.duration = Math.max(this.open.duration, ev.duration);
    this.open.lastSeenMs = nowMs;
    if (ev.end) done.push(this.finish(this.open));
    return done;
  }

  /** Reports a press whose end never arrived once it has been quiet long enough. Call it every tick. */
  poll(nowMs: number): ReceivedDigit | undefined {
    if (this.open && nowMs - this.open.lastSeenMs >= this.endTimeoutMs) return this.finish(this.open);
    return undefined;
  }

  private finish(e: OpenEvent): ReceivedDigit {
    this.open = undefined;
    this.reported.push(e.timestamp);
    if (this.reported.length > REMEMBERED) this.reported.shift();
    return { digit: e.digit, durationMs: Math.round((e.duration / this.clockRate) * 1000) };
  }
}
