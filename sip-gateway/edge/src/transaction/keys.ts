/**
 * Transaction matching keys (RFC 3261 §17.1.3 client side, §17.2.3 server side with the RFC 2543
 * fallback), and the small amount of Via / To / From / CSeq parsing they need. Deliberately private
 * to the transaction layer and lenient: a malformed header yields `undefined`, never an exception.
 */
import { randomBytes } from 'node:crypto';
import type { SipMessage } from '../sip/message.js';

export const MAGIC_COOKIE = 'z9hG4bK';

/** A fresh RFC 3261 branch: the magic cookie followed by 80 random bits in hex. */
export function newBranch(): string {
  return MAGIC_COOKIE + randomBytes(10).toString('hex');
}

export function hasMagicCookie(branch: string | undefined): boolean {
  return branch !== undefined && branch.slice(0, MAGIC_COOKIE.length).toLowerCase() === MAGIC_COOKIE.toLowerCase();
}

export interface ViaInfo {
  /** e.g. `SIP/2.0/UDP`, upper-cased, no whitespace */
  protocol: string;
  /** e.g. `UDP` */
  transport: string;
  /** host[:port], lower-cased, no whitespace (IPv6 references keep their brackets) */
  sentBy: string;
  host: string;
  port: number | undefined;
  /** parameter names lower-cased; a flag parameter such as `rport` maps to '' */
  params: Map<string, string>;
  branch: string | undefined;
  /** the Via element as it arrived, trimmed */
  raw: string;
}

/**
 * Split a header value on top-level commas (not inside quotes or `<...>`). Whitespace around the
 * elements is trimmed and empty elements are dropped.
 */
export function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  let inQuote = false;
  let angle = 0;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (inQuote) {
      if (c === '\\') i++;
      else if (c === '"') inQuote = false;
    } else if (c === '"') inQuote = true;
    else if (c === '<') angle++;
    else if (c === '>' && angle > 0) angle--;
    else if (c === ',' && angle === 0) {
      out.push(value.slice(start, i));
      start = i + 1;
    }
  }
  out.push(value.slice(start));
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Index of the first `ch` outside double quotes, or -1. */
function indexOutsideQuotes(s: string, ch: string, from = 0): number {
  let inQuote = false;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (inQuote) {
      if (c === '\\') i++;
      else if (c === '"') inQuote = false;
    } else if (c === '"') inQuote = true;
    else if (c === ch) return i;
  }
  return -1;
}

/** Parse `;name=value;flag` (the leading `;` optional) into a map with lower-cased names. */
function parseParams(s: string): Map<string, string> {
  const params = new Map<string, string>();
  let rest = s;
  while (rest.length > 0) {
    const semi = indexOutsideQuotes(rest, ';');
    const part = (semi < 0 ? rest : rest.slice(0, semi)).trim();
    rest = semi < 0 ? '' : rest.slice(semi + 1);
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    let val = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (val.length >= 2 && val.startsWith('"') && val.endsWith('"')) val = val.slice(1, -1);
    if (name !== '' && !params.has(name)) params.set(name, val);
  }
  return params;
}

/** Parse one Via element (`SIP/2.0/UDP host:port;branch=...`). */
export function parseVia(element: string): ViaInfo | undefined {
  const raw = element.trim();
  const semi = indexOutsideQuotes(raw, ';');
  const head = semi < 0 ? raw : raw.slice(0, semi);
  const m = /^([^\s/]+)\s*\/\s*([^\s/]+)\s*\/\s*([^\s/]+)\s+(\S.*)$/.exec(head.trim());
  if (!m) return undefined;
  const [, name = '', version = '', transport = '', sentByRaw = ''] = m;
  const sentBy = sentByRaw.replace(/\s+/g, '').toLowerCase();
  let host = sentBy;
  let portText: string | undefined;
  if (sentBy.startsWith('[')) {
    const close = sentBy.indexOf(']');
    if (close < 0) return undefined;
    host = sentBy.slice(0, close + 1);
    if (sentBy[close + 1] === ':') portText = sentBy.slice(close + 2);
    else if (close + 1 !== sentBy.length) return undefined;
  } else {
    const colon = sentBy.lastIndexOf(':');
    if (colon >= 0) {
      host = sentBy.slice(0, colon);
      portText = sentBy.slice(colon + 1);
    }
  }
  if (host === '') return undefined;
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) return undefined;
    port = Number(portText);
  }
  const params = parseParams(semi < 0 ? '' : raw.slice(semi + 1));
  const branch = params.get('branch');
  return {
    protocol: `${name}/${version}/${transport}`.toUpperCase(),
    transport: transport.toUpperCase(),
    sentBy,
    host,
    port,
    params,
    branch: branch === '' ? undefined : branch,
    raw,
  };
}

/** The first element of the first Via header line, unparsed (trimmed), or undefined. */
export function topViaValue(msg: SipMessage): string | undefined {
  const first = msg.get('via');
  return first === undefined ? undefined : splitHeaderList(first)[0];
}

export function topVia(msg: SipMessage): ViaInfo | undefined {
  const v = topViaValue(msg);
  return v === undefined ? undefined : parseVia(v);
}

/** Header parameters of a To / From style value (those after `>` in name-addr form). */
export function addressParams(value: string | undefined): Map<string, string> {
  if (value === undefined) return new Map();
  const lt = indexOutsideQuotes(value, '<');
  let paramsStart: number;
  if (lt >= 0) {
    const gt = value.indexOf('>', lt);
    if (gt < 0) return new Map();
    paramsStart = indexOutsideQuotes(value, ';', gt);
  } else {
    paramsStart = indexOutsideQuotes(value, ';');
  }
  return paramsStart < 0 ? new Map() : parseParams(value.slice(paramsStart + 1));
}

/** The `tag` parameter of the To header, or '' when there is none. */
export function toTagOf(msg: SipMessage | undefined): string {
  return msg === undefined ? '' : (addressParams(msg.get('to')).get('tag') ?? '');
}

export function fromTagOf(msg: SipMessage): string {
  return addressParams(msg.get('from')).get('tag') ?? '';
}

export interface CSeq {
  seq: number;
  method: string;
}

export function cseqOf(msg: SipMessage): CSeq | undefined {
  const m = /^\s*(\d+)\s+(\S+)\s*$/.exec(msg.get('cseq') ?? '');
  if (!m || m[1] === undefined || m[2] === undefined) return undefined;
  return { seq: Number(m[1]), method: m[2] };
}

export interface ServerKey {
  key: string;
  /** true when the top Via had no magic-cookie branch and the RFC 2543 rules were used */
  rfc2543: boolean;
}

/**
 * Server transaction key of a request (§17.2.3). `method` is the transaction's method: pass
 * 'INVITE' for an ACK (it belongs to the INVITE transaction) and for looking up the INVITE a CANCEL
 * cancels. With a magic-cookie branch: branch + sent-by + method. Otherwise (RFC 2543): Request-URI,
 * To tag (`toTag` overrides the request's), From tag, Call-ID, CSeq number, top Via, method.
 */
export function serverKey(msg: SipMessage, method: string, toTag?: string): ServerKey {
  const via = topVia(msg);
  if (via !== undefined && hasMagicCookie(via.branch)) {
    return { key: ['3261', (via.branch ?? '').toLowerCase(), via.sentBy, method].join('\n'), rfc2543: false };
  }
  const parts = [
    '2543',
    msg.uri.trim(),
    toTag ?? toTagOf(msg),
    fromTagOf(msg),
    (msg.get('call-id') ?? '').trim(),
    String(cseqOf(msg)?.seq ?? ''),
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
  const cseq = cseqOf(res);
  return branch === undefined || cseq === undefined ? undefined : `${branch.toLowerCase()}\n${cseq.method}`;
}
