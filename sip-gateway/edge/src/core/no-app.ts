/**
 * What the edge answers when no application has routed a new out-of-dialog request's method: with no
 * application at all the service is unavailable (503); otherwise the method is simply not handled here.
 */
import type { Rejection } from './request-checks.js';

const KNOWN_METHODS = new Set(['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'PRACK', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'INFO', 'REFER', 'MESSAGE', 'UPDATE']);
/** requests that only make sense inside a dialog or transaction (RFC 3261 §15.1.2, RFC 3265, RFC 6086) */
const DIALOG_ONLY = new Set(['BYE', 'PRACK', 'NOTIFY', 'INFO', 'UPDATE']);

export function rejectionWithoutApp(method: string, routedMethods: string[]): Rejection {
  if (routedMethods.length === 0) {
    return { status: 503, reason: 'Service Unavailable (no application)', headers: [{ name: 'Retry-After', value: '5' }] };
  }
  if (!KNOWN_METHODS.has(method)) return { status: 501 };
  if (DIALOG_ONLY.has(method)) return { status: 481 };
  return { status: 405, headers: [{ name: 'Allow', value: [...new Set(routedMethods.map((m) => m.toUpperCase()))].join(', ') }] };
}
