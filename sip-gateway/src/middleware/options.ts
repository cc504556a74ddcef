/**
 * OPTIONS outside a dialog (trunk keep-alives and capability queries, RFC 3261 §11.2): 200 OK with Allow,
 * Accept, Accept-Encoding, Accept-Language and Supported. Runs after trunk authentication, before routing: a
 * keep-alive is usually addressed to the gateway itself, not to a number.
 */
import { capabilityHeaders } from '../sip/capabilities.js';
import type { Middleware } from '../sip/types.js';

export function createOptionsResponder(): Middleware {
  return function options(_req, res) {
    res.send(200, 'OK', { headers: capabilityHeaders() });
  };
}
