/**
 * Number routing: the user part of the Request-URI (sip:, sips: or tel:) with visual separators removed
 * (RFC 3966 §5.1.1: '-', '.', '(', ')'; spaces from sloppy peers) is looked up in the number plan; the match
 * becomes `req.locals.route`. Unknown numbers get 404 Not Found. Matching is exact: a leading '+' matters.
 */
import type { GatewayConfig, Logger } from '@callgate/contracts';
import { locals, type Middleware, type Route } from '../sip/types.js';

const SEPARATORS = /[-.() ]/g;

/** a dialable string: digits, '*' and '#', optionally with a leading '+'; null for anything else */
export function normalizeNumber(raw: string): string | null {
  let s: string;
  try {
    s = decodeURIComponent(raw);
  } catch {
    return null;
  }
  s = s.replace(SEPARATORS, '');
  return /^\+?[0-9*#]+$/.test(s) ? s : null;
}

/** the user part of a sip:/sips: Request-URI or the number of a tel: URI, without parameters */
export function requestUriUser(uri: string): string | null {
  const m = /^\s*<?\s*(sips?|tel):([^>]*)/i.exec(uri);
  if (!m) return null;
  const scheme = (m[1] as string).toLowerCase();
  const rest = m[2] as string;
  if (scheme === 'tel') return rest.split(';')[0] ?? null;
  const at = rest.lastIndexOf('@');
  if (at <= 0) return null;
  // user parameters (;isub=, ;phone-context= with user=phone) end the number
  return rest.slice(0, at).split(/[;:]/)[0] ?? null;
}

export class NumberPlan {
  private readonly routes = new Map<string, Route>();

  constructor(config: Pick<GatewayConfig, 'numbers' | 'transferTarget'>) {
    for (const n of config.numbers) {
      const key = normalizeNumber(n.number);
      if (!key) throw new Error(`invalid number in the number plan: '${n.number}'`);
      const transferTarget = n.transferTarget ?? config.transferTarget;
      this.routes.set(key, { number: n.number, agent: n.agent, ...(transferTarget ? { transferTarget } : {}) });
    }
  }

  lookup(requestUri: string): Route | undefined {
    const user = requestUriUser(requestUri);
    const key = user === null ? null : normalizeNumber(user);
    return key === null ? undefined : this.routes.get(key);
  }
}

export function createRouting(plan: NumberPlan, logger: Logger): Middleware {
  return function routing(req, res, next) {
    const route = plan.lookup(req.uri);
    if (!route) {
      logger.info('no route for dialed number', { method: req.method, uri: req.uri, trunk: req.locals?.trunk?.name });
      res.send(404, 'Not Found');
      return;
    }
    locals(req).route = route;
    next();
  };
}
