/** Messages the transaction layer builds itself: 100 Trying and the ACK for a non-2xx final response. */
import { SipMessage } from '../sip/message.js';
import { cseqOf, topViaValue } from './keys.js';

/**
 * A response to `request` carrying its Via (all, in order), From, To, Call-ID and CSeq (§8.2.6.2);
 * a 100 also copies Timestamp (§8.2.6.1). No To tag is added and Content-Length is left to the
 * serializer.
 */
export function buildResponse(request: SipMessage, status: number, reason: string): SipMessage {
  const res = SipMessage.response(status, reason);
  for (const v of request.getAll('via')) res.add('Via', v);
  copy(request, res, 'From', 'from');
  copy(request, res, 'To', 'to');
  copy(request, res, 'Call-ID', 'call-id');
  copy(request, res, 'CSeq', 'cseq');
  if (status === 100) copy(request, res, 'Timestamp', 'timestamp');
  return res;
}

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
  ack.add('CSeq', `${cseqOf(request)?.seq ?? 0} ACK`);
  return ack;
}

