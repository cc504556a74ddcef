/**
 * Non-INVITE client transaction, RFC 3261 §17.1.2:
 *
 *   Trying: Timer E (UDP; T1 doubling to T2) re-sends, Timer F (64*T1) --> onTimeout
 *   Trying --1xx--> Proceeding: Timer E keeps going, re-armed at T2
 *   Trying/Proceeding --200-699--> Completed, Timer K (T4; 0 on TCP): retransmissions absorbed
 */
import type { SipMessage } from '../sip/message.js';
import {
  TransactionBase,
  type ClientHandlers,
  type ClientTransaction,
  type TransactionDeps,
  type TransportAddress,
} from './base.js';

export type NonInviteClientState = 'trying' | 'proceeding' | 'completed';

export class NonInviteClientTransaction extends TransactionBase<NonInviteClientState> implements ClientTransaction {
  readonly kind = 'non-invite' as const;
  readonly target: TransportAddress;
  private readonly handlers: ClientHandlers;
  private eInterval = 0;

  constructor(deps: TransactionDeps, request: SipMessage, target: TransportAddress, handlers: ClientHandlers) {
    super(deps, request, target.transport, 'trying');
    this.target = target;
    this.handlers = handlers;
    if (handlers.onTerminated) this.onTerminated = () => handlers.onTerminated?.();
  }

  /** @internal send the request and start Timers E and F */
  start(): void {
    if (!this.transmit(this.request, this.target)) return;
    if (this.t.E !== undefined) {
      this.eInterval = this.t.E;
      this.slots.start('E', this.eInterval, () => this.onTimerE());
    }
    this.slots.start('F', this.t.F, () => this.finish(() => this.handlers.onTimeout()));
  }

  /** @internal a response matched to this transaction */
  receiveResponse(res: SipMessage): void {
    if (this._state !== 'trying' && this._state !== 'proceeding') return;
    if (res.status < 200) {
      this._state = 'proceeding';
      this.handlers.onResponse(res);
      return;
    }
    this.slots.stopAll();
    this._state = 'completed';
    try {
      this.handlers.onResponse(res);
    } finally {
      if (this._state === 'completed') this.waitThenTerminate('K', this.t.K);
    }
  }

  protected override reportTransportError(err: Error): void {
    if (this.handlers.onTransportError) this.handlers.onTransportError(err);
    else this.handlers.onTimeout();
  }

  private onTimerE(): void {
    if (this._state !== 'trying' && this._state !== 'proceeding') return;
    if (!this.transmit(this.request, this.target)) return;
    this.eInterval = this._state === 'trying' ? Math.min(2 * this.eInterval, this.t.t2) : this.t.t2;
    this.slots.start('E', this.eInterval, () => this.onTimerE());
  }
}
