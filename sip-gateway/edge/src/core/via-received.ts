/**
 * RFC 3261 §18.2.1 and RFC 3581: on a request from the network, record in the top Via where it really came
 * from — `received` when the sent-by host differs from the source address, and the source port in `rport`
 * when the client asked for it — so responses (copied from the request) tell a client behind NAT its public
 * address, and the edge sends them there.
 */
import { isIP } from 'node:net';
import type { SipMessage } from '../sip/message.js';
import { formatVia, parseVia, splitViaList } from '../sip/headers/via.js';
import type { Remote } from '../transport/types.js';

export function stampReceived(msg: SipMessage, source: Remote): void {
  const idx = msg.headers.findIndex((h) => h.name.toLowerCase() === 'via' || h.name.toLowerCase() === 'v');
  const header = msg.headers[idx];
  if (!header) return;
  const elements = splitViaList(header.value);
  const first = elements?.[0];
  const via = first !== undefined ? parseVia(first) : undefined;
  if (!elements || !via) return;
  const sourceHost = source.address.startsWith('::ffff:') ? source.address.slice(7) : source.address;
  let changed = false;
  if (via.host.toLowerCase() !== sourceHost.toLowerCase() || !isIP(via.host)) {
    via.received = sourceHost;
    changed = true;
  }
  if (via.rport === true) {
    via.rport = source.port;
    if (via.received === undefined) via.received = sourceHost;
    changed = true;
  }
  if (!changed) return;
  elements[0] = formatVia(via);
  header.value = elements.join(', ');
}
