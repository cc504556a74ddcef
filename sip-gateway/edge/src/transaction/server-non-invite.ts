/**
 * Non-INVITE server transaction, RFC 3261 §17.2.2:
 *
 *   Trying --1xx--> Proceeding --1xx--> Proceeding
 *   Trying/Proceeding --200-699--> Completed, Timer J (64*T1; 0 on TCP) --> Terminated
 *
 * Request retransmissions are absorbed: nothing is sent in Trying, the last provisional is re-sent in
 * Proceeding and the final response in Completed.
 */
import type { SipMessage } from '../sip/message.js';
import { TransactionBase, type ServerTransaction, type TransactionDeps, type TransportAddress } from './base.js';

export type NonInviteServerState = 'trying' | 'proceeding' | 'completed';

export class NonInviteServerTransaction extends TransactionBase<NonInviteServerState> implements ServerTransaction {
  readonly kind = 'non-invite' as const;
  readonly source: TransportAddress;
  /** never fires for a non-INVITE server transaction (there is no timeout); present for the shared interface */
  onTimeout?: () => void;
  private last: SipMessage | undefined;
  private finalStatus: number | undefined;

  constructor(deps: TransactionDeps, request: SipMessage, source: TransportAddress) {
    super(deps, request, source.transport, 'trying');
    this.source = source;
  }

  get lastResponse(): SipMessage | undefined {
    return this.last;
  }

  get lastFinalStatus(): number | undefined {
    return this.finalStatus;
  }

  sendResponse(res: SipMessage): boolean {
    const status = res.status;
    if (!res.isResponse || status < 100 || status > 699) return false;
    if (this._state !== 'trying' && this._state !== 'proceeding') return false;
    if (!this.transmit(res, this.source)) return false;
    this.last = res;
    if (status < 200) {
      this._state = 'proceeding';
      return true;
    }
    this.finalStatus = status;
    this._state = 'completed';
    this.waitThenTerminate('J', this.t.J);
    return true;
  }

  /** @internal a retransmission of the request */
  receiveRequest(_req: SipMessage): 'absorbed' {
    if ((this._state === 'proceeding' || this._state === 'completed') && this.last !== undefined) {
      this.transmit(this.last, this.source);
    }
    return 'absorbed';
  }
}
