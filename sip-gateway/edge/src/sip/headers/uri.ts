/**
 * SIP, SIPS and TEL URIs (RFC 3261 §19.1, RFC 3966). Components are kept as they appeared (still
 * %-escaped) so that formatUri(parseUri(x)) reproduces x; use unescapeUriPart to compare users.
 * The host is stored without the brackets of an IPv6 reference. Never throws.
 */
import { isIPv6 } from 'node:net';
import { parseParams, formatParams, type Params } from './params.js';
import { hasControlChars } from './quoting.js';

export type UriScheme = 'sip' | 'sips' | 'tel';

export interface SipUri {
  scheme: UriScheme;
  /** user part (sip/sips), or the telephone-subscriber of a tel: URI */
  user?: string;
  password?: string;
  /** host name or address, IPv6 without brackets; '' for tel: */
  host: string;
  port?: number;
  /** uri-parameters, names lower-cased, null value for a flag (`;lr`) */
  params: Params;
  /** `?name=value&...` headers, names as written */
  headers: Map<string, string>;
}

const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):/;
/** characters that never appear unescaped anywhere in a SIP URI */
const FORBIDDEN_RE = /[\s"<>\\^`{|}]/;
const BAD_ESCAPE_RE = /%(?![0-9A-Fa-f]{2})/;
const USER_RE = /^[A-Za-z0-9\-_.!~*'()%&=+$,;?/]+$/;
const PASSWORD_RE = /^[A-Za-z0-9\-_.!~*'()%&=+$,]*$/;
const HOSTNAME_RE = /^[A-Za-z0-9_]([A-Za-z0-9\-_.]*[A-Za-z0-9_.])?$/;
const TEL_RE = /^[0-9A-Fa-f*#+\-.()pPwW%]+$/;
const HEADER_PART_RE = /^[A-Za-z0-9\-_.!~*'()%[\]/?:+$]*$/;

/** parse `sip:`, `sips:` or `tel:` URI text; undefined for other schemes or malformed input */
export function parseUri(input: string): SipUri | undefined {
  if (typeof input !== 'string') return undefined;
  const text = input.trim();
  const m = SCHEME_RE.exec(text);
  if (m === null || m[1] === undefined) return undefined;
  if (FORBIDDEN_RE.test(text) || hasControlChars(text) || BAD_ESCAPE_RE.test(text)) return undefined;
  const scheme = m[1].toLowerCase();
  const rest = text.slice(m[0].length);
  if (scheme === 'tel') return parseTel(rest);
  if (scheme !== 'sip' && scheme !== 'sips') return undefined;
  return parseSip(scheme, rest);
}

function parseTel(rest: string): SipUri | undefined {
  const semi = rest.indexOf(';');
  const number = semi < 0 ? rest : rest.slice(0, semi);
  if (!TEL_RE.test(number)) return undefined;
  const params = parseParams(semi < 0 ? '' : rest.slice(semi), 'uri');
  if (params === undefined) return undefined;
  return { scheme: 'tel', user: number, host: '', params, headers: new Map() };
}

function parseSip(scheme: 'sip' | 'sips', rest: string): SipUri | undefined {
  const uri: SipUri = { scheme, host: '', params: new Map(), headers: new Map() };
  let hostPart = rest;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    hostPart = rest.slice(at + 1);
    const colon = userinfo.indexOf(':');
    const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    if (!USER_RE.test(user)) return undefined;
    uri.user = user;
    if (colon >= 0) {
      const password = userinfo.slice(colon + 1);
      if (!PASSWORD_RE.test(password)) return undefined;
      uri.password = password;
    }
  }
  const hp = readHostPort(hostPart);
  if (hp === undefined) return undefined;
  uri.host = hp.host;
  if (hp.port !== undefined) uri.port = hp.port;
  let tail = hostPart.slice(hp.end);
  const q = tail.indexOf('?');
  const headerText = q < 0 ? undefined : tail.slice(q + 1);
  if (q >= 0) tail = tail.slice(0, q);
  if (tail !== '' && tail[0] !== ';') return undefined;
  const params = parseParams(tail, 'uri');
  if (params === undefined) return undefined;
  uri.params = params;
  if (headerText !== undefined) {
    const headers = parseUriHeaders(headerText);
    if (headers === undefined) return undefined;
    uri.headers = headers;
  }
  return uri;
}

/**
 * Read `host[:port]` at the start of `s` (IPv6 in brackets). Returns the host without brackets, the
 * port and the index just past them. Exported for the Via parser.
 */
export function readHostPort(s: string): { host: string; port?: number; end: number } | undefined {
  let host: string;
  let i: number;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) return undefined;
    host = s.slice(1, close);
    if (!isIPv6(host)) return undefined;
    i = close + 1;
  } else {
    const m = /^[^:;?\s,]*/.exec(s);
    host = m?.[0] ?? '';
    if (!HOSTNAME_RE.test(host)) return undefined;
    i = host.length;
  }
  if (s[i] !== ':') return { host, end: i };
  const pm = /^[0-9]{1,5}/.exec(s.slice(i + 1));
  if (pm === null) return undefined;
  const port = Number(pm[0]);
  if (port > 65535) return undefined;
  return { host, port, end: i + 1 + pm[0].length };
}

function parseUriHeaders(text: string): Map<string, string> | undefined {
  const headers = new Map<string, string>();
  if (text === '') return headers;
  for (const part of text.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const name = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (!HEADER_PART_RE.test(name) || !HEADER_PART_RE.test(value)) return undefined;
    if (!headers.has(name)) headers.set(name, value);
  }
  return headers;
}

/** host as it must appear in a URI or Via: IPv6 addresses in brackets */
export function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** write a URI back to text */
export function formatUri(uri: SipUri): string {
  if (uri.scheme === 'tel') return `tel:${uri.user ?? ''}${formatParams(uri.params, 'uri')}`;
  let out = uri.scheme + ':';
  if (uri.user !== undefined && uri.user !== '') {
    out += uri.user;
    if (uri.password !== undefined) out += ':' + uri.password;
    out += '@';
  }
  out += formatHost(uri.host);
  if (uri.port !== undefined) out += ':' + String(uri.port);
  out += formatParams(uri.params, 'uri');
  if (uri.headers.size > 0) {
    out += '?' + [...uri.headers].map(([k, v]) => `${k}=${v}`).join('&');
  }
  return out;
}

/** %-decode a URI component; returns the input unchanged when it is not valid UTF-8 escaping */
export function unescapeUriPart(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
