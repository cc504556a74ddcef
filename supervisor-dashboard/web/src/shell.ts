// The signed-in frame: header with navigation (audit only for admins), connection state, who is signed in
// and logout; notices (e.g. errors the live socket reports) below it; the current view under that.
import { h, setAttr, setText } from './dom.js';
import type { ConnectionState, LiveSocket } from './live-socket.js';
import type { Route } from './router.js';
import type { Me } from './types.js';

export interface Shell {
  root: HTMLElement;
  view: HTMLElement;
  setActive(route: Route['name']): void;
  notice(text: string): void;
  dispose(): void;
}

const CONNECTION_TEXT: Record<ConnectionState, string> = {
  connecting: 'connecting…',
  open: 'live',
  reconnecting: 'reconnecting…',
  closed: 'offline',
};

export function createShell(me: Me, socket: LiveSocket, onLogout: () => void): Shell {
  const links: [Route['name'][], HTMLAnchorElement][] = [
    [['live', 'call'], h('a', { href: '#/live', 'data-testid': 'nav-live' }, 'Live calls')],
    [['system'], h('a', { href: '#/system', 'data-testid': 'nav-system' }, 'System')],
    [['history', 'history-call'], h('a', { href: '#/history', 'data-testid': 'nav-history' }, 'History')],
  ];
  if (me.role === 'admin') links.push([['audit'], h('a', { href: '#/audit', 'data-testid': 'nav-audit' }, 'Audit')]);

  const connection = h('span', { class: 'connection', 'data-testid': 'connection', role: 'status' });
  const logout = h('button', { type: 'button', class: 'link-button', 'data-testid': 'logout' }, 'Log out');
  logout.addEventListener('click', () => {
    logout.disabled = true;
    onLogout();
  });
  const notices = h('div', { class: 'notices', 'aria-live': 'polite' });
  const view = h('main', { class: 'view', id: 'view' });
  const root = h('div', { class: 'shell' },
    h('header', { class: 'topbar' },
      h('span', { class: 'brand' }, 'Callgate'),
      h('nav', { class: 'nav' }, ...links.map(([, a]) => a)),
      h('span', { class: 'spacer' }),
      connection,
      h('span', { class: 'whoami', 'data-testid': 'whoami', title: 'Signed in' }, `${me.username} · ${me.role}`),
      logout,
    ),
    notices,
    view,
  );

  const offState = socket.onState((state) => {
    setText(connection, CONNECTION_TEXT[state]);
    connection.dataset.state = state;
  });
  const offError = socket.on('error', (message) => shell.notice(message));

  const shell: Shell = {
    root,
    view,
    setActive(name) {
      for (const [names, a] of links) setAttr(a, 'aria-current', names.includes(name) ? 'page' : null);
    },
    notice(text) {
      const el = h('div', { class: 'notice', 'data-testid': 'notice' }, text);
      notices.append(el);
      while (notices.childElementCount > 3) notices.firstElementChild?.remove();
      window.setTimeout(() => el.remove(), 8000);
    },
    dispose() {
      offState();
      offError();
    },
  };
  return shell;
}
