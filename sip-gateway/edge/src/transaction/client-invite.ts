/**
 * INVITE client transaction, RFC 3261 §17.1.1 with the RFC 6026 Accepted state:
 *
 *   Calling: Timer A (UDP; T1, doubling, uncapped) re-sends the INVITE, Timer B (64*T1) --> onTimeout
 *   Calling --1xx--> Proceeding (A and B stop; the TU bounds the wait, e.g. CANCEL and §9.1)
 *   Calling/Proceeding --2xx--> Accepted, Timer M (64*T1): every 2xx goes to the TU (it ACKs them)
 *   Calling/Proceeding --300-699--> Completed: ACK sent here, Timer D (≥32 s UDP; 0 TCP); response
 *     retransmissions get the ACK again and are not passed up
 */
import type { SipMessage } from '../sip/message.js';
import {
  TransactionBase,
  type ClientHandlers,
  type ClientTransaction,
  type TransactionDeps,
  type TransportAddress,
} from './base.js';
import { buildAckForNon2xx } from './build.js';

export type InviteClientState = 'calling' | 'proceeding' | 'completed' | 'accepted';

export class InviteClientTransaction extends TransactionBase<InviteClientState> implements ClientTransaction {
  readonly kind = 'invite' as const;
  readonly target: TransportAddress;
  private readonly handlers: ClientHandlers;
  private aInterval = 0;
  private ack: SipMessage | undefined;

  constructor(deps: TransactionDeps, request: SipMessage, target: TransportAddress, handlers: ClientHandlers) {
    super(deps, request, target.transport, 'calling');
    this.target = target;
    this.handlers = handlers;
    if (handlers.onTerminated) this.onTerminated = () => handlers.onTerminated?.();
  }

  /** @internal send the INVITE and start Timers A and B */
  start(): void {
    if (!this.transmit(this.request, this.target)) return;
    if (this.t.A !== undefined) {
      this.aInterval = this.t.A;
      this.slots.start('A', this.aInterval, () => this.onTimerA());
    }
    this.slots.start('B', this.t.B, () => this.finish(() => this.handlers.onTimeout()));
  }

  /** the ACK this transaction generated for a non-2xx final response, once there is one */
  get generatedAck(): SipMessage | undefined {
    return this.ack;
  }

  /** @internal a response matched to this transaction */
  receiveResponse(res: SipMessage): void {
    const status = res.status;
    const early = this._state === 'calling' || this._state === 'proceeding';
    if (status < 200) {
      if (!early) return;
      if (this._state === 'calling') {
        this.slots.stop('A');
        this.slots.stop('B');
        this._state = 'proceeding';
      }
      this.handlers.onResponse(res);
    } else if (status < 300) {
      if (early) {
        this.slots.stopAll();
        this._state = 'accepted';
        this.slots.start('M', this.t.M, () => this.finish());
      }
      if (this._state === 'accepted') this.handlers.onResponse(res);
    } else if (early) {
      this.slots.stopAll();
      this._state = 'completed';
      this.ack = buildAckForNon2xx(this.request, res);
      try {
        this.handlers.onResponse(res);
      } finally {
        if (this._state === 'completed' && this.transmit(this.ack, this.target)) {
          this.waitThenTerminate('D', this.t.D);
        }
      }
    } else if (this._state === 'completed' && this.ack !== undefined) {
      this.transmit(this.ack, this.target);
    }
  }

  protected override reportTransportError(err: Error): void {
    if (this.handlers.onTransportError) this.handlers.onTransportError(err);
    else this.handlers.onTimeout();
  }

  private onTimerA(): void {
    if (this._state !== 'calling') return;
    if (!this.transmit(this.request, this.target)) return;
    this.aInterval *= 2;
    this.slots.start('A', this.aInterval, () => this.onTimerA());
  }
}
