/**
 * Admission middleware for new INVITEs: refuses with 503 Service Unavailable and Retry-After (RFC 3261
 * §21.5.4) when the concurrency or rate limit is reached. The ticket rides on `req.locals.admission`; it is
 * released here when the INVITE ends without a call (any final failure response, or CANCEL), and by the call
 * when an answered call ends.
 */
import type { Logger } from '@callgate/contracts';
import type { AdmissionController } from '../admission/controller.js';
import type { GatewayMetrics } from '../metrics.js';
import { locals, type Middleware } from '../sip/types.js';

export interface AdmissionMiddlewareOptions {
  controller: AdmissionController;
  retryAfterSeconds: number;
  metrics?: GatewayMetrics;
  logger: Logger;
}

export function createAdmission(opts: AdmissionMiddlewareOptions): Middleware {
  return function admission(req, res, next) {
    const result = opts.controller.tryAdmit();
    if (!result.admitted) {
      opts.metrics?.rejected(result.reason);
      opts.logger.warn('call refused by admission control', { reason: result.reason, inUse: opts.controller.inUse });
      res.send(503, 'Service Unavailable', { headers: { 'Retry-After': String(opts.retryAfterSeconds) } });
      return;
    }
    const ticket = result.ticket;
    locals(req).admission = ticket;
    res.once('end', ({ status }) => {
      if (status >= 300) ticket.release();
    });
    req.on('cancel', () => ticket.release());
    next();
  };
}
