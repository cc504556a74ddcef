/**
 * Write a SipMessage to the wire: start line, `Name: value` header lines, an empty line, the body.
 * Content-Length is always written and always correct: the first Content-Length header (any form) is
 * rewritten in place, further ones dropped, and one is appended when none was present.
 * CR and LF inside names, values and start-line parts are replaced by a space, so an application
 * value can never inject a header line.
 */
import { normalizeHeaderName, type SipMessage } from './message.js';

const CRLF = '\r\n';

function clean(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}

/** the start line without its CRLF */
export function formatStartLine(msg: SipMessage): string {
  const s = msg.startLine;
  if (s.kind === 'request') return `${clean(s.method)} ${clean(s.uri)} ${clean(s.version)}`;
  return `${clean(s.version)} ${String(s.status).padStart(3, '0')} ${clean(s.reason)}`;
}

export function serializeMessage(msg: SipMessage): Buffer {
  const body = msg.body;
  let head = formatStartLine(msg) + CRLF;
  let wroteLength = false;
  for (const h of msg.headers) {
    if (normalizeHeaderName(h.name) === 'content-length') {
      if (!wroteLength) head += `${clean(h.name)}: ${String(body.length)}${CRLF}`;
      wroteLength = true;
      continue;
    }
    head += `${clean(h.name)}: ${clean(h.value)}${CRLF}`;
  }
  if (!wroteLength) head += `Content-Length: ${String(body.length)}${CRLF}`;
  head += CRLF;
  return body.length === 0 ? Buffer.from(head, 'utf8') : Buffer.concat([Buffer.from(head, 'utf8'), body]);
}
