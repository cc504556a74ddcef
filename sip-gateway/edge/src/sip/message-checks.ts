/**
 * Semantic checks a parsed message must pass before the transaction layer sees it (RFC 3261 §8.1.1,
 * §8.2, §18.1.2): the mandatory headers are present, single where they must be, and readable, and the
 * CSeq method matches the request method. Also decides whether a broken request can still be answered.
 */
import type { SipMessage } from './message.js';
import { parseCSeq } from './headers/cseq.js';
import { parseNameAddr } from './headers/name-addr.js';
import { parseViaList } from './headers/via.js';

const SINGLE = ['From', 'To', 'Call-ID', 'CSeq'] as const;

/** undefined when the message is acceptable, else a short description of the first problem */
export function checkMessage(msg: SipMessage): string | undefined {
  const vias = msg.getAll('via');
  if (vias.length === 0) return 'missing Via header';
  for (const v of vias) {
    if (parseViaList(v) === undefined) return 'malformed Via header';
  }
  for (const name of SINGLE) {
    const all = msg.getAll(name);
    if (all.length === 0) return `missing ${name} header`;
    if (all.length > 1) return `more than one ${name} header`;
  }
  if (parseNameAddr(msg.get('from') ?? '') === undefined) return 'malformed From header';
  if (parseNameAddr(msg.get('to') ?? '') === undefined) return 'malformed To header';
  const callId = msg.get('call-id') ?? '';
  if (!/^[^\s]+$/.test(callId)) return 'malformed Call-ID header';
  const cseq = parseCSeq(msg.get('cseq') ?? '');
  if (cseq === undefined) return 'malformed CSeq header';
  if (msg.isRequest) {
    if (cseq.method !== msg.method) return `CSeq method ${cseq.method} does not match request method ${msg.method}`;
    const maxForwards = msg.getAll('max-forwards');
    if (maxForwards.length > 1) return 'more than one Max-Forwards header';
    const mf = maxForwards[0];
    if (mf !== undefined && (!/^[0-9]{1,3}$/.test(mf) || Number(mf) > 255)) return 'malformed Max-Forwards header';
  }
  return undefined;
}

/**
 * true when a response can be built for this (possibly broken) request: the top Via can be read (so we
 * know where to send it) and From, To, Call-ID and CSeq are present.
 */
export function canAnswer(msg: SipMessage): boolean {
  if (!msg.isRequest || msg.method === 'ACK') return false;
  const topVia = msg.get('via');
  if (topVia === undefined || parseViaList(topVia) === undefined) return false;
  return ['from', 'to', 'call-id', 'cseq'].every((h) => (msg.get(h) ?? '') !== '');
}
