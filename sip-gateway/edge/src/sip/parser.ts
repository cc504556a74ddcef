/**
 * Parse one SIP message (RFC 3261 §7, §18.3) from a datagram or from a buffer a stream framer cut out.
 * Tolerant where the RFC allows (compact names, folding, any name case, white space around colons,
 * leading CRLFs, bare LF line ends, unknown methods and headers) and strict where the message would be
 * ambiguous or unsafe. Never throws; a failure carries a best-effort partial request so that the caller
 * can answer it (400/505/513) instead of dropping it.
 */
import { SipMessage, type SipHeader, type SipRequestLine, type SipStatusLine } from './message.js';
import { checkMessage, canAnswer } from './message-checks.js';
import { hasControlChars, hasUnescapedControlChars, isToken } from './headers/quoting.js';
import { parseUri } from './headers/uri.js';

export const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024;

export interface ParseOptions {
  /** messages larger than this many bytes are rejected unread (default 64 KiB) */
  maxSize?: number;
  /**
   * true for a message cut out of a stream (TCP): Content-Length is then mandatory and must match the
   * body exactly. false (default) applies the datagram rules: a longer body is truncated to
   * Content-Length and a missing Content-Length takes the rest of the datagram.
   */
  stream?: boolean;
}

export type ParseResult =
  | { ok: true; message: SipMessage }
  | {
      ok: false;
      error: string;
      /** suggested response status when the message can be answered: 400, 505 (version) or 513 (size) */
      status?: number;
      /** the request as far as it could be read, present when it was a request whose Via/From/To/Call-ID/CSeq could be read */
      partial?: SipMessage;
    };

interface Failure {
  error: string;
  status: number;
}

export function parseMessage(data: Buffer, options: ParseOptions = {}): ParseResult {
  try {
    return parse(data, options);
  } catch (err) {
    return { ok: false, error: `internal parser error: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function parse(data: Buffer, options: ParseOptions): ParseResult {
  if (!Buffer.isBuffer(data)) return { ok: false, error: 'input is not a Buffer' };
  const maxSize = options.maxSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  if (data.length > maxSize) return { ok: false, error: `message of ${String(data.length)} bytes exceeds the ${String(maxSize)}-byte limit`, status: 513 };
  let pos = 0;
  while (pos < data.length && (data[pos] === 0x0d || data[pos] === 0x0a)) pos++;
  if (pos >= data.length) return { ok: false, error: 'empty message' };

  const { lines, bodyStart, terminated } = splitHeaderLines(data, pos);
  const first = lines[0] ?? '';
  let failure: Failure | undefined;
  const fail = (error: string, status = 400): void => {
    failure ??= { error, status };
  };
  if (!terminated && options.stream === true) fail('header section not terminated by an empty line');

  const startLine = parseStartLine(first, fail);
  if (startLine === undefined) return { ok: false, error: failure?.error ?? 'malformed start line' };
  const headers = parseHeaderLines(lines.slice(1), fail);
  const message = new SipMessage(startLine, headers);

  const body = readBody(data, bodyStart, message, options, maxSize, fail);
  if (body !== undefined) message.body = body;
  if (failure === undefined) {
    const problem = checkMessage(message);
    if (problem !== undefined) fail(problem);
  }
  if (failure === undefined) return { ok: true, message };
  const result: ParseResult = { ok: false, error: failure.error };
  if (startLine.kind === 'request' && canAnswer(message)) {
    result.status = failure.status;
    result.partial = message;
  }
  return result;
}

/** cut the header section into lines (CRLF or bare LF); the body starts after the first empty line */
function splitHeaderLines(data: Buffer, pos: number): { lines: string[]; bodyStart: number; terminated: boolean } {
  const lines: string[] = [];
  let lineStart = pos;
  for (let i = pos; i < data.length; i++) {
    if (data[i] !== 0x0a) continue;
    let lineEnd = i;
    if (lineEnd > lineStart && data[lineEnd - 1] === 0x0d) lineEnd--;
    if (lineEnd === lineStart) return { lines, bodyStart: i + 1, terminated: true };
    lines.push(data.toString('utf8', lineStart, lineEnd));
    lineStart = i + 1;
  }
  if (lineStart < data.length) lines.push(data.toString('utf8', lineStart, data.length));
  return { lines, bodyStart: data.length, terminated: false };
}

function parseStartLine(line: string, fail: (e: string, s?: number) => void): SipRequestLine | SipStatusLine | undefined {
  if (line === '' || line.startsWith(' ') || line.startsWith('\t')) {
    fail('malformed start line');
    return undefined;
  }
  if (hasControlChars(line)) {
    fail('control character in start line');
    return undefined;
  }
  if (/^SIP\//i.test(line)) return parseStatusLine(line, fail);
  // read it loosely first, so that a request line with odd spacing can still be answered with a 400
  const parts = line.split(/[ \t]+/).filter((p) => p !== '');
  const [method, uri, version] = parts;
  if (method === undefined || !isToken(method) || uri === undefined) {
    fail('malformed request line');
    return undefined;
  }
  if (line !== parts.join(' ')) {
    fail('malformed request line (extra white space)');
  } else if (parts.length === 2 || version === undefined) {
    fail('request line lacks the SIP version');
  } else if (parts.length !== 3) {
    fail('malformed request line');
  } else if (!/^SIP\/[0-9]+\.[0-9]+$/i.test(version)) {
    fail('malformed SIP version in request line');
  } else if (version.toUpperCase() !== 'SIP/2.0') {
    fail(`unsupported SIP version ${version}`, 505);
  }
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/.test(uri)) fail('malformed Request-URI');
  else if (/^sips?:/i.test(uri) && parseUri(uri) === undefined) fail('malformed SIP Request-URI');
  else if (/^tel:/i.test(uri) && parseUri(uri) === undefined) fail('malformed tel Request-URI');
  return { kind: 'request', method, uri, version: 'SIP/2.0' };
}

function parseStatusLine(line: string, fail: (e: string, s?: number) => void): SipStatusLine | undefined {
  const sp = line.indexOf(' ');
  const version = sp < 0 ? line : line.slice(0, sp);
  if (version.toUpperCase() !== 'SIP/2.0') {
    fail(`unsupported SIP version ${version}`, 505);
    return undefined;
  }
  const rest = sp < 0 ? '' : line.slice(sp + 1);
  const m = /^([0-9]{3})(?: (.*))?$/.exec(rest);
  if (m === null || m[1] === undefined) {
    fail('status code must be 3 digits');
    return undefined;
  }
  const status = Number(m[1]);
  if (status < 100 || status > 699) {
    fail('status code out of range');
    return undefined;
  }
  return { kind: 'response', status, reason: (m[2] ?? '').trim(), version: 'SIP/2.0' };
}

/** unfold continuation lines and split `name: value`; malformed lines are reported and skipped */
function parseHeaderLines(lines: string[], fail: (e: string) => void): SipHeader[] {
  const raw: string[] = [];
  for (const line of lines) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (raw.length === 0) {
        fail('continuation line without a header');
        continue;
      }
      raw[raw.length - 1] += ' ' + line.replace(/^[ \t]+/, '');
    } else {
      raw.push(line);
    }
  }
  const headers: SipHeader[] = [];
  for (const line of raw) {
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon).replace(/[ \t]+$/, '');
    if (colon < 0 || !isToken(name)) {
      fail(`malformed header line: ${JSON.stringify(line.slice(0, 40))}`);
      continue;
    }
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (hasUnescapedControlChars(value)) {
      fail(`control character in ${name} header`);
      continue;
    }
    headers.push({ name, value });
  }
  return headers;
}

function readBody(
  data: Buffer,
  bodyStart: number,
  message: SipMessage,
  options: ParseOptions,
  maxSize: number,
  fail: (e: string) => void,
): Buffer | undefined {
  const available = data.length - bodyStart;
  const values = message.getAll('content-length');
  if (values.length === 0) {
    if (options.stream === true) fail('missing Content-Length on a stream transport');
    return Buffer.from(data.subarray(bodyStart));
  }
  let length: number | undefined;
  for (const v of values) {
    if (!/^[0-9]{1,10}$/.test(v)) {
      fail(`invalid Content-Length ${JSON.stringify(v.slice(0, 20))}`);
      return undefined;
    }
    const n = Number(v);
    if (length !== undefined && n !== length) {
      fail('conflicting Content-Length headers');
      return undefined;
    }
    length = n;
  }
  if (length === undefined) return undefined;
  if (length > maxSize) {
    fail('Content-Length exceeds the message size limit');
    return undefined;
  }
  if (available < length) {
    fail(`body of ${String(available)} bytes is shorter than Content-Length ${String(length)}`);
    return undefined;
  }
  if (available > length && options.stream === true) fail('body longer than Content-Length on a stream transport');
  return Buffer.from(data.subarray(bodyStart, bodyStart + length));
}
