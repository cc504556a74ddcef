/**
 * Call detail records as drachtio-server sends them to an application that routed `cdr:attempt`,
 * `cdr:start` or `cdr:stop`: `cdr:<type>|<source>|<time>[|<role or termination reason>]` then the SIP message
 * the record is about (the INVITE for an attempt, the 200 for a start, the final or the BYE for a stop).
 */
import type { SipMessage } from '../sip/message.js';
import { serializeMessage } from '../sip/serialize.js';
import { newMessageId, timeOfDay, CRLF } from '../wire/messages.js';
import type { EdgeContext } from './context.js';

export type CdrSource = 'network' | 'application';
export type CdrRole = 'uac' | 'uas';
export type CdrTermination = 'call-rejected' | 'call-canceled' | 'normal-release' | 'system-initiated-termination';

function post(ctx: EdgeContext, type: 'attempt' | 'start' | 'stop', source: CdrSource, msg: SipMessage, extra?: string): void {
  const app = ctx.appFor(`cdr:${type}`);
  if (!app) return;
  const leader = [newMessageId(), `cdr:${type}`, source, timeOfDay(), ...(extra ? [extra] : [])].join('|');
  app.send(leader + CRLF + serializeMessage(msg).toString('utf8'));
}

export const cdr = {
  attempt: (ctx: EdgeContext, source: CdrSource, invite: SipMessage) => post(ctx, 'attempt', source, invite),
  start: (ctx: EdgeContext, source: CdrSource, ok: SipMessage, role: CdrRole) => post(ctx, 'start', source, ok, role),
  stop: (ctx: EdgeContext, source: CdrSource, msg: SipMessage, reason: CdrTermination) => post(ctx, 'stop', source, msg, reason),
};
