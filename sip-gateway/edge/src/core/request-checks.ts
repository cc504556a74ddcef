/**
 * Checks the edge makes on a new request before any application sees it (RFC 3261 §8.2.1–8.2.2, §16.3):
 * a failed check names the response to send.
 */
import type { SipMessage } from '../sip/message.js';

export interface Rejection {
  status: number;
  reason?: string;
  headers?: Array<{ name: string; value: string }>;
}

/** option tags the edge and the gateway support */
const SUPPORTED_EXTENSIONS = new Set(['timer', 'replaces', 'norefersub']);

export function precheck(req: SipMessage, inDialog: boolean): Rejection | undefined {
  const method = req.method;
  const maxForwards = req.get('max-forwards');
  if (maxForwards !== undefined) {
    const n = Number(maxForwards.trim());
    if (!Number.isInteger(n) || n < 0 || n > 255) return { status: 400, reason: 'Bad Request (Max-Forwards)' };
    if (n === 0 && method !== 'OPTIONS') return { status: 483 };
  }
  if (!inDialog && !/^(sips?|tel):/i.test(req.uri)) return { status: 416 };
  if (method !== 'ACK' && method !== 'CANCEL') {
    const required = req
      .getAll('require')
      .flatMap((v) => v.split(','))
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean);
    const unsupported = required.filter((t) => !SUPPORTED_EXTENSIONS.has(t));
    if (unsupported.length) return { status: 420, headers: [{ name: 'Unsupported', value: unsupported.join(', ') }] };
  }
  return undefined;
}
