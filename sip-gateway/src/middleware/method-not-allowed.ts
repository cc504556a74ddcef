/**
 * Out-of-dialog requests the gateway does not serve. RFC 3261 §8.2.1: a method the UAS recognises but does not
 * support for the Request-URI gets 405 with an Allow header; dialog-only methods (BYE, INFO, UPDATE, NOTIFY,
 * PRACK) outside a dialog get 481 (§12.2.2, §15.1.2).
 */
import { ALLOW } from '../sip/capabilities.js';
import type { Middleware } from '../sip/types.js';

const DIALOG_ONLY = new Set(['BYE', 'INFO', 'UPDATE', 'NOTIFY', 'PRACK']);

/** the out-of-dialog methods this middleware answers; the gateway routes these verbs to itself */
export const REFUSED_METHODS = ['register', 'subscribe', 'message', 'publish', 'refer'] as const;

export function createMethodNotAllowed(): Middleware {
  return function methodNotAllowed(req, res) {
    if (DIALOG_ONLY.has(req.method)) {
      res.send(481, 'Call/Transaction Does Not Exist');
      return;
    }
    res.send(405, 'Method Not Allowed', { headers: { Allow: ALLOW } });
  };
}
