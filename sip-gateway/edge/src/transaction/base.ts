/**
 * What all four transaction state machines share: the public types, timer slots, sending with
 * transport-error handling (§17.1.4 / §17.2.4), and the one-way trip to Terminated.
 */
import { randomUUID } from 'node:crypto';
import type { SipMessage } from '../sip/message.js';
import { TimerSlots, type Clock } from './clock.js';
import { deriveTimers, type DerivedTimers, type SipTimers, type TransportKind } from './timers.js';

/** Where a message came from, or where it goes. */
export interface TransportAddress {
  transport: TransportKind;
  address: string;
  port: number;
}

/** Serializes and writes one message; may throw on a transport error. */
export type SendFn = (msg: SipMessage, target: TransportAddress) => void;

export type ServerTransactionState = 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';
export type ClientTransactionState = 'calling' | 'trying' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

export interface ServerTransaction {
  /** stable unique id (a UUID); the edge hands it to the application as the transaction id */
  readonly id: string;
  readonly kind: 'invite' | 'non-invite';
  /** the request that created the transaction */
  readonly request: SipMessage;
  /** where the request came from; every response goes back there over the same transport */
  readonly source: TransportAddress;
  readonly state: ServerTransactionState;
  /** the most recent response passed to sendResponse (and sent) */
  readonly lastResponse: SipMessage | undefined;
  readonly lastFinalStatus: number | undefined;
  /**
   * Send a response from the TU. Returns false when nothing was sent: the state does not allow it
   * (e.g. a second final response), or the transport failed (onTransportError has then fired). In
   * Accepted a 2xx is sent again (the TU's own 2xx retransmission, RFC 6026).
   */
  sendResponse(res: SipMessage): boolean;
  /** abandon the transaction now (stops timers, fires onTerminated) */
  terminate(): void;
  onTerminated?: () => void;
  /** INVITE: Timer H fired, the ACK for a non-2xx final never came */
  onTimeout?: () => void;
  /** sending failed; the transaction is terminated right after */
  onTransportError?: (err: Error) => void;
}

export interface ClientTransaction {
  readonly id: string;
  readonly kind: 'invite' | 'non-invite';
  readonly request: SipMessage;
  readonly target: TransportAddress;
  readonly state: ClientTransactionState;
  /** abandon the transaction now, e.g. an INVITE with no final response 64*T1 after its CANCEL (§9.1) */
  terminate(): void;
}

export interface ClientHandlers {
  /** every response the TU must see: provisionals, the final, and every 2xx to an INVITE */
  onResponse(res: SipMessage): void;
  /** Timer B / Timer F fired; the TU treats it as a 408 */
  onTimeout(): void;
  /** sending failed; when absent, onTimeout is called instead */
  onTransportError?(err: Error): void;
  /** the transaction reached Terminated (for any reason) */
  onTerminated?(): void;
}

export interface TransactionDeps {
  clock: Clock;
  timers: SipTimers;
  send: SendFn;
  /** called once on reaching Terminated, before any user callback (the manager drops the transaction) */
  release?: () => void;
}

export type TimerName = 'A' | 'B' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'M';

export abstract class TransactionBase<S extends string> {
  readonly id: string = randomUUID();
  readonly request: SipMessage;
  protected _state: S | 'terminated';
  protected readonly slots: TimerSlots<TimerName>;
  protected readonly t: DerivedTimers;
  private readonly sendFn: SendFn;
  private readonly release: (() => void) | undefined;
  onTerminated?: () => void;
  onTransportError?: (err: Error) => void;

  protected constructor(deps: TransactionDeps, request: SipMessage, transport: TransportKind, initial: S) {
    this.request = request;
    this._state = initial;
    this.slots = new TimerSlots(deps.clock);
    this.t = deriveTimers(deps.timers, transport);
    this.sendFn = deps.send;
    this.release = deps.release;
  }

  get state(): S | 'terminated' {
    return this._state;
  }

  terminate(): void {
    this.finish();
  }

  /** Send; on a transport error, terminate (after onTransportError) and return false. */
  protected transmit(msg: SipMessage, to: TransportAddress): boolean {
    try {
      this.sendFn(msg, to);
      return true;
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      this.finish(() => this.reportTransportError(err));
      return false;
    }
  }

  protected reportTransportError(err: Error): void {
    this.onTransportError?.(err);
  }

  /** Start a "wait" timer (D, I, J, K), or terminate at once when it is zero (reliable transport). */
  protected waitThenTerminate(name: TimerName, ms: number): void {
    if (ms <= 0) this.finish();
    else this.slots.start(name, ms, () => this.finish());
  }

  /** Go to Terminated: stop timers, release, run `notify` (e.g. onTimeout), then onTerminated. */
  protected finish(notify?: () => void): void {
    if (this._state === 'terminated') return;
    this._state = 'terminated';
    this.slots.stopAll();
    this.release?.();
    try {
      notify?.();
    } finally {
      this.onTerminated?.();
    }
  }
}
