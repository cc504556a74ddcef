/**
 * UAS core 2xx retransmission (RFC 3261 §13.3.1.4): after a 2xx to an INVITE has been sent, send it
 * again at T1, 2*T1, 4*T1, ... capped at T2 (UDP only; never over TCP) until the ACK arrives. If 64*T1
 * passes without an ACK — on any transport — `onAckTimeout` fires; the caller then ends the session
 * (BYE). The INVITE server transaction does not do this itself (RFC 6026: it is the TU's job).
 */
import { TimerSlots, type Clock } from './clock.js';
import { resolveSipTimers, isReliable, type SipTimers, type TransportKind } from './timers.js';

export interface Uas2xxRetransmitterOptions {
  clock: Clock;
  timers?: Partial<SipTimers>;
  transport: TransportKind;
  /** send the same 2xx again (e.g. `() => send(ok, source)` or `txn.sendResponse(ok)`) */
  resend: () => void;
  /** 64*T1 passed since construction and no ACK came */
  onAckTimeout: () => void;
}

/** Starts on construction: construct it right after the 2xx went out. */
export class Uas2xxRetransmitter {
  private readonly slots: TimerSlots<'retransmit' | 'timeout'>;
  private readonly t2: number;
  private readonly resend: () => void;
  private interval: number;
  private running = true;

  constructor(opts: Uas2xxRetransmitterOptions) {
    const t = resolveSipTimers(opts.timers);
    this.slots = new TimerSlots(opts.clock);
    this.t2 = t.t2;
    this.resend = opts.resend;
    this.interval = t.t1;
    if (!isReliable(opts.transport)) this.slots.start('retransmit', this.interval, () => this.fire());
    this.slots.start('timeout', 64 * t.t1, () => {
      this.stop();
      opts.onAckTimeout();
    });
  }

  /** true until the ACK arrived, the timeout fired, or stop() was called */
  get active(): boolean {
    return this.running;
  }

  /** the ACK for this 2xx arrived: stop retransmitting (idempotent) */
  ackReceived(): void {
    this.stop();
  }

  /** stop without an ACK (e.g. the dialog ended another way); onAckTimeout will not fire */
  stop(): void {
    this.running = false;
    this.slots.stopAll();
  }

  private fire(): void {
    this.interval = Math.min(2 * this.interval, this.t2);
    this.slots.start('retransmit', this.interval, () => this.fire());
    this.resend();
  }
}
