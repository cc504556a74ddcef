/**
 * RFC 3261 §8.2.2.3: a request that Requires an extension the gateway does not support gets 420 Bad Extension
 * with the offending option tags in Unsupported. The gateway supports no option tags (see sip/capabilities).
 */
import { SUPPORTED } from '../sip/capabilities.js';
import type { Middleware } from '../sip/types.js';

const supported = new Set(SUPPORTED.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean));

export function unsupportedTags(requireHeader: string | undefined): string[] {
  if (!requireHeader) return [];
  return requireHeader
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '' && !supported.has(t.toLowerCase()));
}

export function createRequireCheck(): Middleware {
  return function requireCheck(req, res, next) {
    const bad = unsupportedTags(req.get('Require'));
    if (bad.length > 0) {
      res.send(420, 'Bad Extension', { headers: { Unsupported: bad.join(', ') } });
      return;
    }
    next();
  };
}
