/**
 * Via header values (RFC 3261 §20.42, RFC 3581 rport):
 *   SIP / 2.0 / UDP  host [: port] *(; param)     several of them may share one header line, comma-separated.
 * Never throws: malformed input yields undefined.
 */
import { formatParams, parseParams, type Params } from './params.js';
import { hasUnescapedControlChars, splitOutside, trimLws } from './quoting.js';
import { formatHost, readHostPort } from './uri.js';

export interface Via {
  /** 'SIP/2.0' */
  protocol: string;
  /** upper-case transport: UDP, TCP, TLS, SCTP, WS, WSS, ... */
  transport: string;
  /** sent-by host, IPv6 without brackets */
  host: string;
  port?: number;
  /** every parameter, names lower-cased (the fields below are read from it) */
  params: Params;
  branch?: string;
  received?: string;
  /** true for a bare `;rport` flag (request a value), the port number when filled in */
  rport?: number | true;
  maddr?: string;
  ttl?: number;
}

const HEAD_RE = /^([A-Za-z0-9\-.!%*_+`'~]+)[ \t]*\/[ \t]*([A-Za-z0-9\-.!%*_+`'~]+)[ \t]*\/[ \t]*([A-Za-z0-9\-.!%*_+`'~]+)[ \t]+/;

/** parse a single via-parm */
export function parseVia(input: string): Via | undefined {
  if (typeof input !== 'string' || hasUnescapedControlChars(input)) return undefined;
  const text = trimLws(input);
  const m = HEAD_RE.exec(text);
  if (m === null || m[1] === undefined || m[2] === undefined || m[3] === undefined) return undefined;
  if (m[1].toUpperCase() !== 'SIP' || m[2] !== '2.0') return undefined;
  let rest = text.slice(m[0].length);
  // sent-by = host [ COLON port ], COLON may be surrounded by white space
  rest = rest.replace(/^(\[[^\]]*\]|[^\s:;[]+)[ \t]*:[ \t]*/, '$1:');
  const hp = readHostPort(rest);
  if (hp === undefined || hp.host === '') return undefined;
  const tail = rest.slice(hp.end);
  if (trimLws(tail) !== '' && trimLws(tail)[0] !== ';') return undefined;
  const params = parseParams(tail, 'header');
  if (params === undefined) return undefined;
  const via: Via = { protocol: 'SIP/2.0', transport: m[3].toUpperCase(), host: hp.host, params };
  if (hp.port !== undefined) via.port = hp.port;
  return applyKnownParams(via) ? via : undefined;
}

function applyKnownParams(via: Via): boolean {
  const p = via.params;
  const branch = p.get('branch');
  if (branch === null || branch === '') return false;
  if (branch !== undefined) via.branch = branch;
  const received = p.get('received');
  if (received === null) return false;
  if (received !== undefined) via.received = received;
  const maddr = p.get('maddr');
  if (maddr === null) return false;
  if (maddr !== undefined) via.maddr = maddr;
  if (p.has('rport')) {
    const r = p.get('rport');
    if (r === null || r === undefined) via.rport = true;
    else {
      if (!/^[0-9]{1,5}$/.test(r) || Number(r) > 65535) return false;
      via.rport = Number(r);
    }
  }
  const ttl = p.get('ttl');
  if (ttl === null) return false;
  if (ttl !== undefined) {
    if (!/^[0-9]{1,3}$/.test(ttl) || Number(ttl) > 255) return false;
    via.ttl = Number(ttl);
  }
  return true;
}

/** split one Via header line into its via-parms (commas inside quoted params are respected) */
export function splitViaList(input: string): string[] | undefined {
  if (typeof input !== 'string') return undefined;
  const parts = splitOutside(input, ',');
  if (parts === undefined) return undefined;
  return parts.map(trimLws).filter((p) => p !== '');
}

/** parse every via-parm of one header line; undefined when any is malformed or none is present */
export function parseViaList(input: string): Via[] | undefined {
  const parts = splitViaList(input);
  if (parts === undefined || parts.length === 0) return undefined;
  const out: Via[] = [];
  for (const part of parts) {
    const via = parseVia(part);
    if (via === undefined) return undefined;
    out.push(via);
  }
  return out;
}

/**
 * `SIP/2.0/UDP host:port;params`. Parameters are written in `params` order; the branch, received,
 * rport, maddr and ttl fields, when set, override (or add) the matching parameter.
 */
export function formatVia(via: Via): string {
  const params: Params = new Map(via.params);
  if (via.branch !== undefined) params.set('branch', via.branch);
  if (via.received !== undefined) params.set('received', via.received);
  if (via.rport !== undefined) params.set('rport', via.rport === true ? null : String(via.rport));
  if (via.maddr !== undefined) params.set('maddr', via.maddr);
  if (via.ttl !== undefined) params.set('ttl', String(via.ttl));
  const port = via.port !== undefined ? ':' + String(via.port) : '';
  return `${via.protocol}/${via.transport.toUpperCase()} ${formatHost(via.host)}${port}${formatParams(params, 'header')}`;
}
