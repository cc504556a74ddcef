/**
 * TransactionManager: owns every live transaction, matches incoming messages to them (§17.1.3,
 * §17.2.3), creates server transactions for new requests and client transactions for outgoing ones,
 * and forgets each transaction the moment it reaches Terminated.
 */
import type { SipMessage } from '../sip/message.js';
import type {
  ClientHandlers,
  ClientTransaction,
  SendFn,
  ServerTransaction,
  TransactionDeps,
  TransportAddress,
} from './base.js';
import type { Clock } from './clock.js';
import { InviteClientTransaction } from './client-invite.js';
import { NonInviteClientTransaction } from './client-non-invite.js';
import { clientKeyForRequest, clientKeyForResponse, serverKey, toTagOf } from './keys.js';
import { InviteServerTransaction } from './server-invite.js';
import { NonInviteServerTransaction } from './server-non-invite.js';
import { resolveSipTimers, type SipTimers } from './timers.js';

export { newBranch } from './keys.js';

export interface TransactionManagerOptions {
  clock: Clock;
  timers?: Partial<SipTimers>;
  send: SendFn;
  /** send 100 Trying as soon as an INVITE server transaction is created (default true) */
  sendTryingForInvite?: boolean;
}

export type HandleRequestResult =
  | { kind: 'new'; txn: ServerTransaction }
  | { kind: 'absorbed' }
  | { kind: 'ack-for-2xx' }
  | { kind: 'cancel'; txn: ServerTransaction | undefined; cancelTxn: ServerTransaction };

export type HandleResponseResult = { kind: 'matched'; txn: ClientTransaction } | { kind: 'stray' };

type AnyServer = InviteServerTransaction | NonInviteServerTransaction;
type AnyClient = InviteClientTransaction | NonInviteClientTransaction;

export class TransactionManager {
  /** the resolved T1/T2/T4 (e.g. for a Uas2xxRetransmitter) */
  readonly timers: SipTimers;
  private readonly clock: Clock;
  private readonly send: SendFn;
  private readonly sendTrying: boolean;
  private readonly servers = new Map<string, AnyServer>();
  private readonly clients = new Map<string, AnyClient>();

  constructor(opts: TransactionManagerOptions) {
    this.clock = opts.clock;
    this.timers = resolveSipTimers(opts.timers);
    this.send = opts.send;
    this.sendTrying = opts.sendTryingForInvite ?? true;
  }

  /** live transactions, server and client */
  size(): number {
    return this.servers.size + this.clients.size;
  }

  /**
   * An incoming request. Retransmissions are absorbed (the last response is re-sent as the state
   * requires); an ACK for a non-2xx final is absorbed by its INVITE transaction; any other ACK is
   * 'ack-for-2xx' for the dialog layer. A CANCEL gets its own server transaction and, in `txn`, the
   * INVITE server transaction it cancels (undefined: answer 481).
   */
  handleRequest(msg: SipMessage, source: TransportAddress): HandleRequestResult {
    if (!msg.isRequest) throw new TypeError('handleRequest: not a request');
    const method = msg.method;
    if (method === 'ACK') return this.handleAck(msg);
    const { key } = serverKey(msg, method);
    const existing = this.servers.get(key);
    if (existing !== undefined) {
      existing.receiveRequest(msg);
      return { kind: 'absorbed' };
    }
    const deps = this.deps(() => this.forget(this.servers, key, txn));
    const txn: AnyServer =
      method === 'INVITE'
        ? new InviteServerTransaction(deps, msg, source)
        : new NonInviteServerTransaction(deps, msg, source);
    this.servers.set(key, txn);
    if (method === 'CANCEL') {
      const invite = this.servers.get(serverKey(msg, 'INVITE').key);
      return { kind: 'cancel', txn: invite?.kind === 'invite' ? invite : undefined, cancelTxn: txn };
    }
    if (txn instanceof InviteServerTransaction && this.sendTrying) txn.sendTrying();
    return { kind: 'new', txn };
  }

  /**
   * An incoming response. 'matched' when it belongs to a live client transaction (which passes it to
   * its handlers or absorbs it); 'stray' otherwise — for a 2xx to INVITE after Timer M, the dialog
   * layer re-ACKs it.
   */
  handleResponse(msg: SipMessage, _source: TransportAddress): HandleResponseResult {
    if (!msg.isResponse) throw new TypeError('handleResponse: not a response');
    const key = clientKeyForResponse(msg);
    const txn = key === undefined ? undefined : this.clients.get(key);
    if (txn === undefined) return { kind: 'stray' };
    txn.receiveResponse(msg);
    return { kind: 'matched', txn };
  }

  /**
   * Start a client transaction and send `msg` (which already has its top Via with a fresh branch,
   * see newBranch()). ACK is not a transaction: send the ACK for a 2xx directly.
   */
  sendRequest(msg: SipMessage, target: TransportAddress, handlers: ClientHandlers): ClientTransaction {
    if (!msg.isRequest) throw new TypeError('sendRequest: not a request');
    if (msg.method === 'ACK') throw new TypeError('sendRequest: ACK is not a transaction; send it directly');
    const key = clientKeyForRequest(msg);
    if (key === undefined) throw new Error('sendRequest: the request needs a top Via with a branch');
    if (this.clients.has(key)) throw new Error('sendRequest: a client transaction with this branch and method is live');
    const deps = this.deps(() => this.forget(this.clients, key, txn));
    const txn: AnyClient =
      msg.method === 'INVITE'
        ? new InviteClientTransaction(deps, msg, target, handlers)
        : new NonInviteClientTransaction(deps, msg, target, handlers);
    this.clients.set(key, txn);
    txn.start();
    return txn;
  }

  private handleAck(msg: SipMessage): HandleRequestResult {
    const { key, rfc2543 } = serverKey(msg, 'INVITE');
    let txn = this.servers.get(key);
    if (txn === undefined && rfc2543) {
      // RFC 2543: the INVITE had no To tag; the ACK carries the tag of the response we sent
      const candidate = this.servers.get(serverKey(msg, 'INVITE', '').key);
      if (candidate !== undefined && toTagOf(candidate.lastResponse) === toTagOf(msg)) txn = candidate;
    }
    if (txn === undefined || !(txn instanceof InviteServerTransaction)) return { kind: 'ack-for-2xx' };
    return { kind: txn.receiveRequest(msg) };
  }

  private deps(release: () => void): TransactionDeps {
    return { clock: this.clock, timers: this.timers, send: this.send, release };
  }

  private forget<T>(map: Map<string, T>, key: string, txn: T): void {
    if (map.get(key) === txn) map.delete(key);
  }
}
