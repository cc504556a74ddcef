/**
 * The in-memory SIP message model shared by the parser, the serializer, the transaction layer,
 * the dialog layer and the drachtio wire protocol. Headers keep their order and the name as it
 * arrived (so unknown headers survive a round trip); look-ups are case-insensitive and understand
 * the compact forms of RFC 3261 §7.3.3.
 */

export interface SipHeader {
  /** header name as it appeared on the wire (or as the application wrote it) */
  name: string;
  /** the value with line folding removed and surrounding whitespace trimmed */
  value: string;
}

const COMPACT_TO_LONG: Record<string, string> = {
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  c: 'content-type',
  f: 'from',
  s: 'subject',
  k: 'supported',
  t: 'to',
  v: 'via',
  o: 'event',
  r: 'refer-to',
  b: 'referred-by',
  u: 'allow-events',
  x: 'session-expires',
  a: 'accept-contact',
  j: 'reject-contact',
  d: 'request-disposition',
  y: 'identity',
  n: 'identity-info',
};

/** Lower-case long form of a header name: `normalizeHeaderName('v') === 'via'`. */
export function normalizeHeaderName(name: string): string {
  const lower = name.toLowerCase();
  return COMPACT_TO_LONG[lower] ?? lower;
}

interface MessageBase {
  headers: SipHeader[];
  body: Buffer;
}

export interface SipRequestLine {
  kind: 'request';
  method: string;
  uri: string;
  version: string;
}

export interface SipStatusLine {
  kind: 'response';
  status: number;
  reason: string;
  version: string;
}

export class SipMessage implements MessageBase {
  headers: SipHeader[];
  body: Buffer;
  startLine: SipRequestLine | SipStatusLine;

  constructor(startLine: SipRequestLine | SipStatusLine, headers: SipHeader[] = [], body: Buffer = Buffer.alloc(0)) {
    this.startLine = startLine;
    this.headers = headers;
    this.body = body;
  }

  static request(method: string, uri: string, headers: SipHeader[] = [], body?: Buffer): SipMessage {
    return new SipMessage({ kind: 'request', method, uri, version: 'SIP/2.0' }, headers, body);
  }

  static response(status: number, reason: string, headers: SipHeader[] = [], body?: Buffer): SipMessage {
    return new SipMessage({ kind: 'response', status, reason, version: 'SIP/2.0' }, headers, body);
  }

  get isRequest(): boolean {
    return this.startLine.kind === 'request';
  }

  get isResponse(): boolean {
    return this.startLine.kind === 'response';
  }

  /** request method, or '' for a response */
  get method(): string {
    return this.startLine.kind === 'request' ? this.startLine.method : '';
  }

  /** request URI, or '' for a response */
  get uri(): string {
    return this.startLine.kind === 'request' ? this.startLine.uri : '';
  }

  /** response status, or 0 for a request */
  get status(): number {
    return this.startLine.kind === 'response' ? this.startLine.status : 0;
  }

  get reason(): string {
    return this.startLine.kind === 'response' ? this.startLine.reason : '';
  }

  /** true when a header with this name (long or compact form, any case) is present */
  has(name: string): boolean {
    const want = normalizeHeaderName(name);
    return this.headers.some((h) => normalizeHeaderName(h.name) === want);
  }

  /** value of the first header with this name, or undefined */
  get(name: string): string | undefined {
    const want = normalizeHeaderName(name);
    for (const h of this.headers) {
      if (normalizeHeaderName(h.name) === want) return h.value;
    }
    return undefined;
  }

  /** every header line with this name, in order (a line may itself hold a comma-separated list) */
  getAll(name: string): string[] {
    const want = normalizeHeaderName(name);
    const out: string[] = [];
    for (const h of this.headers) {
      if (normalizeHeaderName(h.name) === want) out.push(h.value);
    }
    return out;
  }

  /** replace every header with this name by a single one (appended where the first one was, or at the end) */
  set(name: string, value: string): void {
    const want = normalizeHeaderName(name);
    const idx = this.headers.findIndex((h) => normalizeHeaderName(h.name) === want);
    this.headers = this.headers.filter((h) => normalizeHeaderName(h.name) !== want);
    const header = { name, value };
    if (idx < 0) this.headers.push(header);
    else this.headers.splice(idx, 0, header);
  }

  /** append a header line */
  add(name: string, value: string): void {
    this.headers.push({ name, value });
  }

  /** add a header line before all others of the same name (Via, Record-Route, Route prepend) */
  prepend(name: string, value: string): void {
    const want = normalizeHeaderName(name);
    const idx = this.headers.findIndex((h) => normalizeHeaderName(h.name) === want);
    const header = { name, value };
    if (idx < 0) this.headers.push(header);
    else this.headers.splice(idx, 0, header);
  }

  /** remove every header with this name */
  remove(name: string): void {
    const want = normalizeHeaderName(name);
    this.headers = this.headers.filter((h) => normalizeHeaderName(h.name) !== want);
  }

  clone(): SipMessage {
    const start = { ...this.startLine };
    return new SipMessage(start, this.headers.map((h) => ({ ...h })), Buffer.from(this.body));
  }
}
