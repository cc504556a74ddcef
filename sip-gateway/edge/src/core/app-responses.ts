/**
 * Completes a response the application wrote (status + its own headers + body) into the full RFC 3261 §8.2.6
 * response for the request it answers: Via, From, To (with the transaction's tag), Call-ID and CSeq come from
 * the request; Record-Route is copied into dialog-creating responses; a Contact is added where a dialog needs one.
 */
import { SipMessage } from '../sip/message.js';
import { buildResponse } from '../sip/response-builder.js';
import { tagOf } from './fields.js';

const FROM_REQUEST = new Set(['via', 'from', 'call-id', 'cseq', 'content-length', 'record-route', 'to']);

export interface ResponseCompletion {
  request: SipMessage;
  app: SipMessage;
  /** the To tag this transaction uses (one per server transaction) */
  toTag: string;
  /** our Contact for dialog-creating responses */
  contact: string;
  /** Server header value */
  server?: string;
}

export function completeResponse(c: ResponseCompletion): SipMessage {
  const status = c.app.status;
  const method = c.request.method;
  const requestHasToTag = tagOf(c.request.get('to')) !== '';
  // the app may choose the To tag (drachtio-srf lets it); otherwise ours, except for 100 Trying
  const appTo = c.app.get('to');
  const appTag = tagOf(appTo);
  const toTag = requestHasToTag ? undefined : status === 100 ? undefined : appTag || c.toTag;
  const res = buildResponse(c.request, status, c.app.reason || undefined, toTag ? { toTag } : undefined);

  const dialogCreating = (method === 'INVITE' || method === 'SUBSCRIBE') && status > 100 && status < 300;
  if (dialogCreating) {
    for (const rr of c.request.getAll('record-route')) res.add('Record-Route', rr);
  }
  for (const h of c.app.headers) {
    if (FROM_REQUEST.has(h.name.toLowerCase())) continue;
    res.add(h.name, h.value);
  }
  if ((dialogCreating || (method === 'INVITE' && status >= 300 && status < 400)) && !res.has('contact')) {
    res.add('Contact', c.contact);
  }
  if (c.server && !res.has('server')) res.add('Server', c.server);
  res.body = c.app.body;
  return res;
}

export function responseToTag(res: SipMessage): string {
  return tagOf(res.get('to'));
}
