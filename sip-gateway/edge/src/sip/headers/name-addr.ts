/**
 * name-addr / addr-spec values (From, To, Contact, Route, Record-Route, Refer-To, ...), RFC 3261 §20.10:
 *   ["display name" | token words] <uri> *(;param)   or   uri *(;param)  (params then belong to the header)
 * Never throws: malformed input yields undefined.
 */
import { formatParams, parseParams, type Params } from './params.js';
import { hasUnescapedControlChars, quoteString, readQuoted, splitOutside, trimLws } from './quoting.js';

export interface NameAddr {
  /** display name, unquoted and unescaped; absent when there was none */
  displayName?: string;
  /** the URI text as written (without angle brackets); parse it with parseUri when needed */
  uri: string;
  /** header parameters (tag, expires, q, ...), names lower-cased */
  params: Params;
}

const ABSOLUTE_URI_RE = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"]+$/;
/** unquoted display names: token words; carriers also send UTF-8 and punctuation, which we tolerate */
/** an unquoted display name: tokens separated by white space (RFC 3261 §25.1), UTF-8 tolerated */
const BARE_DISPLAY_RE = /^[A-Za-z0-9\-.!%*_+`'~\u0080-\uffff]+(?:[ \t]+[A-Za-z0-9\-.!%*_+`'~\u0080-\uffff]+)*$/;

/** parse one name-addr or addr-spec with its header parameters */
export function parseNameAddr(input: string): NameAddr | undefined {
  if (typeof input !== 'string' || hasUnescapedControlChars(input)) return undefined;
  const text = trimLws(input);
  let displayName: string | undefined;
  let rest = text;
  if (text.startsWith('"')) {
    const q = readQuoted(text, 0);
    if (q === undefined) return undefined;
    displayName = q.value;
    rest = trimLws(text.slice(q.end));
    if (!rest.startsWith('<')) return undefined;
  }
  const lt = rest.indexOf('<');
  if (lt >= 0) {
    const before = trimLws(rest.slice(0, lt));
    if (before !== '') {
      if (displayName !== undefined || !BARE_DISPLAY_RE.test(before)) return undefined;
      displayName = before.replace(/[ \t]+/g, ' ');
    }
    const gt = rest.indexOf('>', lt + 1);
    if (gt < 0) return undefined;
    const uri = trimLws(rest.slice(lt + 1, gt));
    if (!ABSOLUTE_URI_RE.test(uri)) return undefined;
    const params = parseParams(rest.slice(gt + 1), 'header');
    if (params === undefined) return undefined;
    return displayName === undefined ? { uri, params } : { displayName, uri, params };
  }
  // addr-spec: the URI ends at the first ';' (RFC 3261 §20.10), parameters after it are header params
  const semi = rest.indexOf(';');
  const uri = trimLws(semi < 0 ? rest : rest.slice(0, semi));
  if (!ABSOLUTE_URI_RE.test(uri) || uri.includes(',') || uri.includes('?')) return undefined;
  const params = parseParams(semi < 0 ? '' : rest.slice(semi), 'header');
  if (params === undefined) return undefined;
  return { uri, params };
}

/** `"Display" <uri>;params` (the URI is always written in angle brackets) */
export function formatNameAddr(na: NameAddr): string {
  const display = na.displayName !== undefined && na.displayName !== '' ? quoteString(na.displayName) + ' ' : '';
  return `${display}<${na.uri}>${formatParams(na.params, 'header')}`;
}

/**
 * Split a comma-separated list of name-addrs (Contact, Route, Record-Route) respecting quoted display
 * names and <...>. Empty elements are dropped; undefined when a quote or bracket is left open.
 */
export function splitNameAddrList(input: string): string[] | undefined {
  if (typeof input !== 'string') return undefined;
  const parts = splitOutside(input, ',');
  if (parts === undefined) return undefined;
  return parts.map(trimLws).filter((p) => p !== '');
}

/** parse a comma-separated list; undefined when any element is malformed */
export function parseNameAddrList(input: string): NameAddr[] | undefined {
  const parts = splitNameAddrList(input);
  if (parts === undefined) return undefined;
  const out: NameAddr[] = [];
  for (const p of parts) {
    const na = parseNameAddr(p);
    if (na === undefined) return undefined;
    out.push(na);
  }
  return out;
}

/** the tag parameter of a From/To value, or undefined */
export function getTag(value: string): string | undefined {
  const tag = parseNameAddr(value)?.params.get('tag');
  return typeof tag === 'string' ? tag : undefined;
}
