// Hash routes: #/login, #/live, #/call/<sessionId>, #/system, #/history[?query], #/history/<sessionId>, #/audit.

export type Route =
  | { name: 'login' }
  | { name: 'live' }
  | { name: 'call'; sessionId: string }
  | { name: 'system' }
  | { name: 'history'; query: URLSearchParams }
  | { name: 'history-call'; sessionId: string }
  | { name: 'audit' };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const [head = '', id, ...rest] = path.split('/');
  const sessionId = id && rest.length === 0 ? safeDecode(id) : null;
  switch (head) {
    case 'login': return { name: 'login' };
    case 'system': return { name: 'system' };
    case 'audit': return { name: 'audit' };
    case 'call': return sessionId ? { name: 'call', sessionId } : { name: 'live' };
    case 'history': return sessionId ? { name: 'history-call', sessionId } : { name: 'history', query };
    default: return { name: 'live' };
  }
}

export function href(route: Route): string {
  switch (route.name) {
    case 'call': return `#/call/${encodeURIComponent(route.sessionId)}`;
    case 'history-call': return `#/history/${encodeURIComponent(route.sessionId)}`;
    case 'history': {
      const qs = route.query.toString();
      return qs ? `#/history?${qs}` : '#/history';
    }
    default: return `#/${route.name}`;
  }
}

export function navigate(route: Route, replace = false): void {
  const target = href(route);
  if (location.hash === target) return;
  if (replace) history.replaceState(null, '', target);
  else location.hash = target;
  // replaceState fires no hashchange
  if (replace) window.dispatchEvent(new HashChangeEvent('hashchange'));
}

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}
