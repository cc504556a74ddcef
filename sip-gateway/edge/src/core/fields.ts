/**
 * The few header fields the edge core reads to route and complete messages, on top of the header parsers in
 * `sip/headers/`.
 */
import { randomBytes } from 'node:crypto';
import type { SipMessage } from '../sip/message.js';
import { parseNameAddr, splitNameAddrList } from '../sip/headers/name-addr.js';
import { parseUri } from '../sip/headers/uri.js';
import { parseCSeq } from '../sip/headers/cseq.js';
import type { TransportName } from '../transport/types.js';

export function newTag(): string {
  return randomBytes(6).toString('hex');
}

export function newCallId(host: string): string {
  return `${randomBytes(10).toString('hex')}@${host}`;
}

/** tag parameter of a From/To value, or '' */
export function tagOf(value: string | undefined): string {
  if (!value) return '';
  const na = parseNameAddr(value);
  const tag = na?.params.get('tag');
  return typeof tag === 'string' ? tag : '';
}

/** the URI inside a name-addr/addr-spec header value (From, To, Contact, Route…) */
export function uriOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return parseNameAddr(value)?.uri;
}

export interface UriTarget {
  host: string;
  port: number | undefined;
  transport: TransportName | undefined;
  lr: boolean;
}

/** where a sip:/sips: URI points: host, port, transport parameter, loose-routing flag */
export function targetOfUri(uri: string): UriTarget | undefined {
  const u = parseUri(uri);
  if (!u || (u.scheme !== 'sip' && u.scheme !== 'sips')) return undefined;
  const t = u.params.get('transport');
  const transport = typeof t === 'string' && (t.toLowerCase() === 'tcp' || t.toLowerCase() === 'udp') ? (t.toLowerCase() as TransportName) : undefined;
  const host = u.host.startsWith('[') ? u.host.slice(1, -1) : u.host;
  return { host, port: u.port, transport, lr: u.params.has('lr') };
}

/**
 * every element of a name-addr list header (Record-Route, Route, Contact) over all its lines, split by the SIP
 * layer's list splitter; a line it cannot split (an unclosed quote or `<`) is kept whole
 */
export function listValues(msg: SipMessage, name: string): string[] {
  return msg.getAll(name).flatMap((line) => splitNameAddrList(line) ?? [line.trim()]).filter(Boolean);
}

export function cseqNumber(msg: SipMessage): number {
  return parseCSeq(msg.get('cseq') ?? '')?.seq ?? 0;
}
