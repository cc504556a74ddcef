/**
 * The one message the transaction layer builds itself besides 100 Trying (which is the SIP layer's
 * `buildResponse`): the ACK for a non-2xx final response.
 */
import { SipMessage } from '../sip/message.js';
import { parseCSeq } from '../sip/headers/cseq.js';
import { topViaValue } from './keys.js';

function copy(from: SipMessage, to: SipMessage, name: string, lookup: string): void {
  const v = from.get(lookup);
  if (v !== undefined) to.add(name, v);
}

/**
 * The ACK a client INVITE transaction sends for a 300-699 response (§17.1.1.3): Request-URI,
 * Call-ID, From and CSeq number of the request, To of the response (with its tag), only the top Via
 * of the request (same branch), the request's Route headers, and its Max-Forwards (or 70).
 */
export function buildAckForNon2xx(request: SipMessage, response: SipMessage): SipMessage {
  const ack = SipMessage.request('ACK', request.uri);
  const via = topViaValue(request);
  if (via !== undefined) ack.add('Via', via);
  ack.add('Max-Forwards', request.get('max-forwards') ?? '70');
  for (const r of request.getAll('route')) ack.add('Route', r);
  copy(request, ack, 'From', 'from');
  const to = response.get('to') ?? request.get('to');
  if (to !== undefined) ack.add('To', to);
  copy(request, ack, 'Call-ID', 'call-id');
  ack.add('CSeq', `${parseCSeq(request.get('cseq') ?? '')?.seq ?? 0} ACK`);
  return ack;
}
