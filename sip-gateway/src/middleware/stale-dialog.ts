/**
 * A request with a To tag that reached the middleware chain names a dialog this gateway does not have
 * (drachtio-srf hands requests of known dialogs to their Dialog before any middleware runs): RFC 3261 §12.2.2
 * says 481 Call/Transaction Does Not Exist.
 */
import type { Middleware } from '../sip/types.js';

export function hasToTag(toHeader: string | undefined): boolean {
  if (!toHeader) return false;
  // parameters after the name-addr's closing '>' (or after the bare URI), not inside the URI
  const close = toHeader.lastIndexOf('>');
  const params = close === -1 ? toHeader.slice(Math.max(0, toHeader.indexOf(';'))) : toHeader.slice(close + 1);
  return /;\s*tag\s*=/i.test(params);
}

export function createStaleDialogGuard(): Middleware {
  return function staleDialogGuard(req, res, next) {
    if (hasToTag(req.get('To'))) {
      res.send(481, 'Call/Transaction Does Not Exist');
      return;
    }
    next();
  };
}
