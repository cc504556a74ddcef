/**
 * Transaction matching keys (RFC 3261 §17.1.3 client side, §17.2.3 server side with the RFC 2543
 * fallback). Header values are read with the SIP layer's parsers (`sip/headers/`); a header they
 * cannot read yields no branch / no tag, never an exception.
 */
import { randomBytes } from 'node:crypto';
import type { SipMessage } from '../sip/message.js';
import { parseCSeq } from '../sip/headers/cseq.js';
import { getTag } from '../sip/headers/name-addr.js';
import { formatHost } from '../sip/headers/uri.js';
import { parseVia, splitViaList, type Via } from '../sip/headers/via.js';

export const MAGIC_COOKIE = 'z9hG4bK';

/** A fresh RFC 3261 branch: the magic cookie followed by 80 random bits in hex. */
export function newBranch(): string {
  return MAGIC_COOKIE + randomBytes(10).toString('hex');
}

/** true when the branch starts with the magic cookie (compared case-insensitively) */
export function hasMagicCookie(branch: string | undefined): boolean {
  return branch !== undefined && branch.slice(0, MAGIC_COOKIE.length).toLowerCase() === MAGIC_COOKIE.toLowerCase();
}

/** The first via-parm of the first Via header line, unparsed (trimmed), or undefined. */
export function topViaValue(msg: SipMessage): string | undefined {
  const first = msg.get('via');
  return first === undefined ? undefined : splitViaList(first)?.[0];
}

/** The parsed top Via, or undefined when there is none or it is malformed. */
export function topVia(msg: SipMessage): Via | undefined {
  const v = topViaValue(msg);
  return v === undefined ? undefined : parseVia(v);
}

/** sent-by of a Via as a comparable string: host (lower-cased, IPv6 in brackets) [":" port] */
export function sentByOf(via: Via): string {
  const host = formatHost(via.host).toLowerCase();
  return via.port === undefined ? host : `${host}:${String(via.port)}`;
}

/** The `tag` parameter of the To header, or '' when there is none (or no message). */
export function toTagOf(msg: SipMessage | undefined): string {
  return msg === undefined ? '' : tagOf(msg.get('to'));
}

function tagOf(value: string | undefined): string {
  return value === undefined ? '' : (getTag(value) ?? '');
}

export interface ServerKey {
  key: string;
  /** true when the top Via had no magic-cookie branch and the RFC 2543 rules were used */
  rfc2543: boolean;
}

/**
 * Server transaction key of a request (§17.2.3). `method` is the transaction's method: pass
 * 'INVITE' for an ACK (it belongs to the INVITE transaction) and for looking up the INVITE a CANCEL
 * cancels. With a magic-cookie branch: branch (case-insensitive) + sent-by + method. Otherwise
 * (RFC 2543): Request-URI, To tag (`toTag` overrides the request's), From tag, Call-ID, CSeq number,
 * top Via, method.
 */
export function serverKey(msg: SipMessage, method: string, toTag?: string): ServerKey {
  const via = topVia(msg);
  if (via !== undefined && hasMagicCookie(via.branch)) {
    return { key: ['3261', (via.branch ?? '').toLowerCase(), sentByOf(via), method].join('\n'), rfc2543: false };
  }
  const parts = [
    '2543',
    msg.uri.trim(),
    toTag ?? toTagOf(msg),
    tagOf(msg.get('from')),
    (msg.get('call-id') ?? '').trim(),
    String(parseCSeq(msg.get('cseq') ?? '')?.seq ?? ''),
    (topViaValue(msg) ?? '').replace(/\s+/g, '').toLowerCase(),
    method,
  ];
  return { key: parts.join('\n'), rfc2543: true };
}

/** Client transaction key of an outgoing request (§17.1.3): top Via branch + method. */
export function clientKeyForRequest(req: SipMessage): string | undefined {
  const branch = topVia(req)?.branch;
  return branch === undefined ? undefined : `${branch.toLowerCase()}\n${req.method}`;
}

/** Client transaction key of a response (§17.1.3): top Via branch + CSeq method. */
export function clientKeyForResponse(res: SipMessage): string | undefined {
  const branch = topVia(res)?.branch;
  const cseq = parseCSeq(res.get('cseq') ?? '');
  return branch === undefined || cseq === undefined ? undefined : `${branch.toLowerCase()}\n${cseq.method}`;
}
