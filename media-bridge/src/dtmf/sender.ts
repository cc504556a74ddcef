/**
 * Generates the RFC 4733 packets for a digit string, one step per pacer tick: for each digit a start packet
 * (marker set) and continuation packets with growing duration, all carrying the event's start timestamp, then
 * the end packet three times (§2.5.1.4), then a short pause before the next digit.
 */
import { digitToEvent, serializeTelephoneEvent } from './rfc4733.js';

/** Tone and pause lengths; defaults suit most IVRs. */
export interface DtmfSendOptions {
  /** tone length per digit (default 100 ms) */
  toneMs?: number;
  /** pause between digits (default 60 ms) */
  gapMs?: number;
  /** attenuation in dBm0 (default 10) */
  volume?: number;
  /** packet interval, the pacer period (default 20 ms) */
  packetMs?: number;
}

/** What to do on one tick: send this telephone-event packet, stay silent, or the digits are all sent. */
export type DtmfStep =
  | { kind: 'packet'; payload: Buffer; timestamp: number; marker: boolean }
  | { kind: 'pause' }
  | { kind: 'done' };

const END_PACKETS = 3;

/** Steps through one digit string. */
export class DtmfSender {
  private readonly events: number[];
  private readonly toneTicks: number;
  private readonly gapTicks: number;
  private readonly samplesPerTick: number;
  private readonly volume: number;
  private index = 0;
  /** ticks into the current digit: tone ticks, then end packets, then pause */
  private step = 0;
  private eventTimestamp = 0;

  constructor(digits: string, opts: DtmfSendOptions = {}) {
    this.events = [...digits].map((d) => {
      const e = digitToEvent(d);
      if (e === undefined) throw new RangeError(`not a DTMF digit: ${JSON.stringify(d)}`);
      return e;
    });
    const packetMs = opts.packetMs ?? 20;
    this.toneTicks = Math.max(1, Math.round((opts.toneMs ?? 100) / packetMs));
    this.gapTicks = Math.max(0, Math.round((opts.gapMs ?? 60) / packetMs));
    this.samplesPerTick = (8000 * packetMs) / 1000;
    this.volume = opts.volume ?? 10;
  }

  /** The step for this tick; `timestamp` is the media clock at this tick (used when a digit starts). */
  next(timestamp: number): DtmfStep {
    const event = this.events[this.index];
    if (event === undefined) return { kind: 'done' };
    const s = this.step++;
    if (s === 0) this.eventTimestamp = timestamp;
    const last = this.index === this.events.length - 1;
    if (s < this.toneTicks) return this.packet(event, false, (s + 1) * this.samplesPerTick, s === 0);
    if (s < this.toneTicks + END_PACKETS) {
      if (s === this.toneTicks + END_PACKETS - 1 && (last || this.gapTicks === 0)) this.nextDigit();
      return this.packet(event, true, this.toneTicks * this.samplesPerTick, false);
    }
    if (s === this.toneTicks + END_PACKETS + this.gapTicks - 1) this.nextDigit();
    return { kind: 'pause' };
  }

  private nextDigit(): void {
    this.index++;
    this.step = 0;
  }

  private packet(event: number, end: boolean, duration: number, marker: boolean): DtmfStep {
    const payload = serializeTelephoneEvent({ event, end, volume: this.volume, duration });
    return { kind: 'packet', payload, timestamp: this.eventTimestamp, marker };
  }
}
