/**
 * SIP text written by the application (drachtio-srf) is partial by design: a response carries only the status
 * and the headers the app wants to add, a request only its method, URI and app headers. The edge completes
 * them from the transaction and dialog state. This lenient reader accepts that partial text (no mandatory
 * headers), which the network parser rightly refuses.
 */
import { SipMessage, type SipHeader } from '../sip/message.js';
import { canonicalHeaderName } from '../sip/header-names.js';

export function parseAppSip(text: string): SipMessage | undefined {
  const sep = text.indexOf('\r\n\r\n');
  const head = sep < 0 ? text : text.slice(0, sep);
  const body = sep < 0 ? '' : text.slice(sep + 4);
  const lines = head.split('\r\n');
  const first = lines.shift() ?? '';
  const headers: SipHeader[] = [];
  for (const line of lines) {
    if (!line) continue;
    if ((line.startsWith(' ') || line.startsWith('\t')) && headers.length) {
      const last = headers[headers.length - 1] as SipHeader;
      last.value = `${last.value} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.push({ name: canonicalHeaderName(line.slice(0, colon).trim()), value: line.slice(colon + 1).trim() });
  }
  const status = /^SIP\/2\.0\s+(\d{3})\s*(.*)$/i.exec(first);
  const bodyBuf = Buffer.from(body, 'utf8');
  const filtered = headers.filter((h) => h.name.toLowerCase() !== 'content-length' && h.name.toLowerCase() !== 'l');
  if (status) return SipMessage.response(Number(status[1]), status[2] ?? '', filtered, bodyBuf);
  const request = /^([A-Za-z]+)\s+(\S+)\s+SIP\/2\.0$/i.exec(first.trim());
  if (request) return SipMessage.request((request[1] as string).toUpperCase(), request[2] as string, filtered, bodyBuf);
  return undefined;
}
