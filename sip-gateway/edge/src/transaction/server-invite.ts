/**
 * INVITE server transaction, RFC 3261 §17.2.1 with the RFC 6026 Accepted state:
 *
 *   Proceeding --1xx--> Proceeding          (INVITE retransmission: re-send last provisional)
 *   Proceeding --2xx--> Accepted   Timer L  (INVITE retransmissions absorbed; TU re-sends the 2xx)
 *   Proceeding --300-699--> Completed  Timer G (UDP, T1 doubling to T2), Timer H (64*T1)
 *   Completed --ACK--> Confirmed  Timer I (T4; 0 on TCP)   Completed --Timer H--> Terminated + onTimeout
 */
import type { SipMessage } from '../sip/message.js';
import { TransactionBase, type ServerTransaction, type TransactionDeps, type TransportAddress } from './base.js';
import { buildResponse } from '../sip/response-builder.js';

export type InviteServerState = 'proceeding' | 'completed' | 'confirmed' | 'accepted';

/** what the manager should report for a request matched to this transaction */
export type InviteServerVerdict = 'absorbed' | 'ack-for-2xx';

export class InviteServerTransaction extends TransactionBase<InviteServerState> implements ServerTransaction {
  readonly kind = 'invite' as const;
  readonly source: TransportAddress;
  onTimeout?: () => void;
  private last: SipMessage | undefined;
  private lastProvisional: SipMessage | undefined;
  private finalStatus: number | undefined;
  private gInterval = 0;

  constructor(deps: TransactionDeps, request: SipMessage, source: TransportAddress) {
    super(deps, request, source.transport, 'proceeding');
    this.source = source;
  }

  get lastResponse(): SipMessage | undefined {
    return this.last;
  }

  get lastFinalStatus(): number | undefined {
    return this.finalStatus;
  }

  /** Send 100 Trying built from the request (the manager does this on creation unless disabled). */
  sendTrying(): boolean {
    return this.sendResponse(buildResponse(this.request, 100, 'Trying'));
  }

  sendResponse(res: SipMessage): boolean {
    const status = res.status;
    if (!res.isResponse || status < 100 || status > 699) return false;
    if (this._state === 'accepted') {
      // RFC 6026 §7.1: 2xx retransmissions from the TU go to the transport
      return status >= 200 && status < 300 && this.transmit(res, this.source);
    }
    if (this._state !== 'proceeding') return false;
    if (!this.transmit(res, this.source)) return false;
    this.last = res;
    if (status < 200) {
      this.lastProvisional = res;
      return true;
    }
    this.finalStatus = status;
    if (status < 300) {
      this._state = 'accepted';
      this.slots.start('L', this.t.L, () => this.finish());
      return true;
    }
    this._state = 'completed';
    if (this.t.G !== undefined) {
      this.gInterval = this.t.G;
      this.slots.start('G', this.gInterval, () => this.onTimerG());
    }
    this.slots.start('H', this.t.H, () => this.finish(() => this.onTimeout?.()));
    return true;
  }

  /** @internal a request (INVITE retransmission or ACK) matched to this transaction */
  receiveRequest(req: SipMessage): InviteServerVerdict {
    if (req.method === 'ACK') return this.receiveAck();
    if (this._state === 'proceeding' && this.lastProvisional !== undefined) {
      this.transmit(this.lastProvisional, this.source);
    } else if (this._state === 'completed' && this.last !== undefined) {
      this.transmit(this.last, this.source);
    }
    return 'absorbed';
  }

  private receiveAck(): InviteServerVerdict {
    if (this._state === 'accepted') return 'ack-for-2xx';
    if (this._state === 'completed') {
      this.slots.stop('G');
      this.slots.stop('H');
      this._state = 'confirmed';
      this.waitThenTerminate('I', this.t.I);
    }
    return 'absorbed';
  }

  private onTimerG(): void {
    if (this._state !== 'completed' || this.last === undefined) return;
    if (!this.transmit(this.last, this.source)) return;
    this.gInterval = Math.min(2 * this.gInterval, this.t.t2);
    this.slots.start('G', this.gInterval, () => this.onTimerG());
  }
}
