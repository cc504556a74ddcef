/**
 * Build a response to a request (RFC 3261 §8.2.6): every Via line in order, From, To (with our tag
 * added when the request had none), Call-ID and CSeq are copied; a 100 Trying also copies Timestamp
 * (§8.2.6.1). Works on the partial message of a failed parse as well, copying what is there.
 */
import { SipMessage, normalizeHeaderName, type SipHeader } from './message.js';
import { parseNameAddr } from './headers/name-addr.js';
import { reasonPhrase } from './reason-phrases.js';

export { reasonPhrase } from './reason-phrases.js';

export interface ResponseOptions {
  /** To tag to add when the request's To has none (ignored when it already has one) */
  toTag?: string;
  /** extra headers appended after the copied ones (Contact, Allow, Record-Route, ...) */
  headers?: SipHeader[];
  body?: Buffer;
}

const COPIED = new Set(['via', 'from', 'to', 'call-id', 'cseq']);

/** throws RangeError for a status outside 100-699 (a programming error, not an input error) */
export function buildResponse(request: SipMessage, status: number, reason?: string, opts: ResponseOptions = {}): SipMessage {
  if (!Number.isInteger(status) || status < 100 || status > 699) throw new RangeError(`invalid SIP status ${String(status)}`);
  const headers: SipHeader[] = [];
  for (const h of request.headers) {
    const name = normalizeHeaderName(h.name);
    if (!COPIED.has(name) && !(status === 100 && name === 'timestamp')) continue;
    const value = name === 'to' && opts.toTag !== undefined ? withTag(h.value, opts.toTag) : h.value;
    headers.push({ name: h.name, value });
  }
  if (opts.headers !== undefined) headers.push(...opts.headers.map((h) => ({ ...h })));
  return SipMessage.response(status, reason ?? reasonPhrase(status), headers, opts.body ?? Buffer.alloc(0));
}

/** the To value with `;tag=` appended unless it already carries a tag */
function withTag(value: string, tag: string): string {
  const parsed = parseNameAddr(value);
  if (parsed !== undefined) return parsed.params.has('tag') ? value : `${value};tag=${tag}`;
  return /;\s*tag\s*=/i.test(value) ? value : `${value};tag=${tag}`;
}
