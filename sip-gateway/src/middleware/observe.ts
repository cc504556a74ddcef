/**
 * First middleware: counts every out-of-dialog request and the final response the gateway sends to it, and
 * for INVITEs refused before a call exists (auth, routing, admission, SDP), the call outcome. A 401 challenge
 * is part of the digest handshake, not an outcome. In-dialog requests are counted by the call itself.
 */
import type { CallOutcome, GatewayMetrics } from '../metrics.js';
import { locals, type Middleware } from '../sip/types.js';

/** set by a handler on `req.locals.outcome` before it sends a failure it wants counted as other than 'rejected' */
export const OUTCOME_KEY = 'outcome';

export function createObserver(metrics: GatewayMetrics): Middleware {
  return function observe(req, res, next) {
    metrics.observe(req, res);
    if (req.method === 'INVITE') {
      res.once('end', ({ status }) => {
        if (status < 300 || status === 401 || status === 407) return;
        const outcome = locals(req)[OUTCOME_KEY] as CallOutcome | undefined;
        metrics.callEnded(outcome ?? 'rejected');
      });
    }
    next();
  };
}
