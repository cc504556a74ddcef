// The supervisor page: restores the session (GET /api/me), then routes hash changes to views inside the
// signed-in shell, or to the login form. A 401 anywhere (HTTP or the live socket) signs the page out.
import './styles.css';
import { ApiError, api, currentUser, setCurrentUser, setUnauthorizedHandler } from './api.js';
import { LiveSocket } from './live-socket.js';
import { navigate, parseRoute, type Route } from './router.js';
import { createShell, type Shell } from './shell.js';
import type { Me } from './types.js';
import { mountAudit } from './views/audit.js';
import { mountCallDetail } from './views/call-detail.js';
import { mountHistory, mountHistoryCall } from './views/history.js';
import { mountLiveCalls } from './views/live-calls.js';
import { mountLogin } from './views/login.js';
import { mountSystem } from './views/system.js';
import type { Unmount, ViewContext } from './views/view.js';

const app = document.getElementById('app')!;
let shell: Shell | null = null;
let unmount: Unmount | null = null;
/** where to go after signing in (the route that asked for it) */
let returnTo: string | null = null;
let loginNotice: string | null = null;

const socket = new LiveSocket({
  onUnauthorized: () => signedOut('Your session has ended. Please sign in again.'),
  async sessionAlive() {
    try {
      await api.me();
      return true;
    } catch (err) {
      return !(err instanceof ApiError && err.status === 401);
    }
  },
});
setUnauthorizedHandler(() => signedOut('Your session has ended. Please sign in again.'));

function render(): void {
  const route = parseRoute(location.hash);
  const me = currentUser();
  if (!me && route.name !== 'login') {
    returnTo = location.hash || null;
    navigate({ name: 'login' }, true);
    return;
  }
  if (me && route.name === 'login') {
    const target = returnTo;
    returnTo = null;
    if (target && parseRoute(target).name !== 'login') location.replace(target);
    else navigate({ name: 'live' }, true);
    return;
  }
  unmount?.();
  unmount = null;
  if (!me) {
    disposeShell();
    const notice = loginNotice;
    loginNotice = null;
    unmount = mountLogin(app, signedIn, notice);
    return;
  }
  if (!shell) {
    shell = createShell(me, socket, logout);
    app.replaceChildren(shell.root);
  }
  shell.setActive(route.name);
  shell.view.replaceChildren();
  shell.view.scrollTop = 0;
  unmount = mountView(route, shell.view, { me, socket });
}

function mountView(route: Route, root: HTMLElement, ctx: ViewContext): Unmount {
  switch (route.name) {
    case 'call': return mountCallDetail(root, ctx, route.sessionId);
    case 'system': return mountSystem(root, ctx);
    case 'history': return mountHistory(root, route.query);
    case 'history-call': return mountHistoryCall(root, route.sessionId);
    case 'audit': return mountAudit(root, ctx);
    case 'live':
    case 'login':
      return mountLiveCalls(root, ctx);
  }
}

function signedIn(me: Me): void {
  setCurrentUser(me);
  socket.start();
  render();
}

/** back to the login form; `remember` keeps the current route to return to after signing in again */
function signedOut(notice: string | null, remember = true): void {
  const wasSignedIn = currentUser() !== null;
  setCurrentUser(null);
  socket.stop();
  if (!wasSignedIn) return;
  loginNotice = notice;
  render();
  if (!remember) returnTo = null;
}

function logout(): void {
  // the server closes this session's sockets with 4401: that is expected here, not an expiry to report
  socket.stop();
  api.logout().catch(() => undefined).finally(() => signedOut(null, false));
}

function disposeShell(): void {
  shell?.dispose();
  shell = null;
}

async function boot(): Promise<void> {
  try {
    setCurrentUser(await api.me());
    socket.start();
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) loginNotice = err instanceof Error ? err.message : String(err);
  }
  window.addEventListener('hashchange', render);
  render();
}

void boot();
