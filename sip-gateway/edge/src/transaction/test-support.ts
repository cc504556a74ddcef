/** Shared fixtures for the transaction-layer tests (not used by production code). */
import { SipMessage } from '../sip/message.js';
import type { TransportAddress } from './base.js';
import { FakeClock } from './clock.js';
import { TransactionManager } from './manager.js';
import type { SipTimers } from './timers.js';

export const UDP_PEER: TransportAddress = { transport: 'udp', address: '192.0.2.10', port: 5070 };
export const TCP_PEER: TransportAddress = { transport: 'tcp', address: '192.0.2.10', port: 5070 };

export interface RequestOptions {
  method?: string;
  uri?: string;
  /** full top Via value; default `SIP/2.0/UDP 192.0.2.10:5070;branch=<branch>` */
  via?: string;
  branch?: string;
  cseq?: number;
  cseqMethod?: string;
  toTag?: string;
  callId?: string;
  route?: string[];
}

export function makeRequest(o: RequestOptions = {}): SipMessage {
  const method = o.method ?? 'INVITE';
  const req = SipMessage.request(method, o.uri ?? 'sip:bob@example.com');
  req.add('Via', o.via ?? `SIP/2.0/UDP 192.0.2.10:5070;branch=${o.branch ?? 'z9hG4bKaaa111'};rport`);
  req.add('Via', 'SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKproxy');
  req.add('Max-Forwards', '70');
  for (const r of o.route ?? []) req.add('Route', r);
  req.add('From', '"Alice" <sip:alice@example.org>;tag=from1');
  req.add('To', `<sip:bob@example.com>${o.toTag ? `;tag=${o.toTag}` : ''}`);
  req.add('Call-ID', o.callId ?? 'call-1@example.org');
  req.add('CSeq', `${o.cseq ?? 1} ${o.cseqMethod ?? method}`);
  return req;
}

/** A response to `req` (Via, From, To + tag, Call-ID, CSeq copied). */
export function makeResponse(req: SipMessage, status: number, reason = 'Reason', toTag?: string): SipMessage {
  const res = SipMessage.response(status, reason);
  for (const v of req.getAll('via')) res.add('Via', v);
  res.add('From', req.get('from') ?? '');
  const to = req.get('to') ?? '';
  res.add('To', toTag !== undefined && !to.includes(';tag=') ? `${to};tag=${toTag}` : to);
  res.add('Call-ID', req.get('call-id') ?? '');
  res.add('CSeq', req.get('cseq') ?? '');
  return res;
}

export interface Sent {
  at: number;
  msg: SipMessage;
  target: TransportAddress;
}

/** A FakeClock, a recording send function and a manager wired to them. */
export function harness(opts: { timers?: Partial<SipTimers>; sendTryingForInvite?: boolean } = {}) {
  const clock = new FakeClock();
  const sent: Sent[] = [];
  let failNext: Error | undefined;
  const mgr = new TransactionManager({
    clock,
    timers: opts.timers,
    sendTryingForInvite: opts.sendTryingForInvite,
    send: (msg, target) => {
      if (failNext) {
        const e = failNext;
        failNext = undefined;
        throw e;
      }
      sent.push({ at: clock.now(), msg, target });
    },
  });
  return {
    clock,
    mgr,
    sent,
    /** make the next send throw */
    failNextSend(err = new Error('ECONNRESET')) {
      failNext = err;
    },
    /** times at which messages matching `pred` were sent */
    timesOf(pred: (m: SipMessage) => boolean): number[] {
      return sent.filter((s) => pred(s.msg)).map((s) => s.at);
    },
    clear() {
      sent.length = 0;
    },
  };
}

/** times of a first send at 0 followed by retransmits at the given intervals */
export function schedule(intervals: number[]): number[] {
  const out = [0];
  let t = 0;
  for (const i of intervals) out.push((t += i));
  return out;
}
