/**
 * Builds the full request the edge sends for an application: inside a dialog from the dialog's state
 * (RFC 3261 §12.2.1.1), outside a dialog from what the app wrote, completed with the mandatory headers.
 */
import { SipMessage } from '../sip/message.js';
import type { Dialog } from '../dialog/dialog.js';
import { newBranch } from '../transaction/keys.js';
import { cseqNumber, newCallId, newTag, tagOf } from './fields.js';

/** headers the edge owns in dialog requests; app values for these are ignored */
const DIALOG_OWNED = new Set(['via', 'from', 'to', 'call-id', 'cseq', 'content-length', 'route', 'max-forwards']);
const NEEDS_CONTACT = new Set(['INVITE', 'REFER', 'SUBSCRIBE', 'NOTIFY', 'UPDATE']);

export interface LocalIdentity {
  /** the transport these values are for */
  transport: string;
  /** `host:port` sent-by for the top Via */
  viaSentBy: string;
  contact: string;
  userAgent: string;
}

function copyAppHeaders(target: SipMessage, app: SipMessage, skip: Set<string>): void {
  for (const h of app.headers) if (!skip.has(h.name.toLowerCase())) target.add(h.name, h.value);
}

export function buildDialogRequest(dialog: Dialog, app: SipMessage, id: LocalIdentity): SipMessage {
  const method = app.method;
  const seq = method === 'ACK' || method === 'CANCEL' ? dialog.inviteSeq : ++dialog.localSeq;
  if (method === 'INVITE') dialog.inviteSeq = seq;
  const req = SipMessage.request(method, dialog.remoteTarget);
  req.add('Via', `SIP/2.0/${id.transport.toUpperCase()} ${id.viaSentBy};branch=${newBranch()};rport`);
  req.add('Max-Forwards', '70');
  for (const r of dialog.routeSet) req.add('Route', r);
  req.add('From', dialog.localParty);
  req.add('To', dialog.remoteParty);
  req.add('Call-ID', dialog.callId);
  req.add('CSeq', `${seq} ${method}`);
  copyAppHeaders(req, app, DIALOG_OWNED);
  if (NEEDS_CONTACT.has(method) && !req.has('contact')) req.add('Contact', dialog.localContact);
  if (!req.has('user-agent')) req.add('User-Agent', id.userAgent);
  req.body = app.body;
  return req;
}

/** an out-of-dialog request from the app: keep what it wrote, add what is missing */
export function buildInitialRequest(app: SipMessage, host: string, id: LocalIdentity): SipMessage {
  const req = SipMessage.request(app.method, app.uri);
  req.add('Via', `SIP/2.0/${id.transport.toUpperCase()} ${id.viaSentBy};branch=${newBranch()};rport`);
  req.add('Max-Forwards', app.get('max-forwards') ?? '70');
  const from = app.get('from') ?? `<sip:callgate@${host}>`;
  req.add('From', tagOf(from) ? from : `${from};tag=${newTag()}`);
  req.add('To', app.get('to') ?? `<${app.uri}>`);
  req.add('Call-ID', app.get('call-id') ?? newCallId(host));
  req.add('CSeq', app.get('cseq') ?? `${Math.floor(Math.random() * 10000) + 1} ${app.method}`);
  copyAppHeaders(req, app, new Set([...DIALOG_OWNED].filter((h) => h !== 'route')));
  if (NEEDS_CONTACT.has(app.method) && !req.has('contact')) req.add('Contact', id.contact);
  if (!req.has('user-agent')) req.add('User-Agent', id.userAgent);
  req.body = app.body;
  return req;
}

/** CANCEL for a client INVITE (RFC 3261 §9.1): same Request-URI, Call-ID, From, To, top Via and Route */
export function buildCancel(invite: SipMessage): SipMessage {
  const cancel = SipMessage.request('CANCEL', invite.uri);
  const via = invite.getAll('via')[0];
  if (via) cancel.add('Via', via.split(',')[0] as string);
  cancel.add('Max-Forwards', '70');
  for (const r of invite.getAll('route')) cancel.add('Route', r);
  cancel.add('From', invite.get('from') ?? '');
  cancel.add('To', invite.get('to') ?? '');
  cancel.add('Call-ID', invite.get('call-id') ?? '');
  const seq = cseqNumber(invite) || 1;
  cancel.add('CSeq', `${seq} CANCEL`);
  return cancel;
}
