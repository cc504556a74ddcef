// Sign-in form. POST /api/login; 401 → wrong credentials, 429 → rate limited (Retry-After).
import { ApiError, api } from '../api.js';
import { h } from '../dom.js';
import type { Me } from '../types.js';
import { setTitle, type Unmount } from './view.js';

export function mountLogin(root: HTMLElement, onSignedIn: (me: Me) => void, initialError: string | null = null): Unmount {
  setTitle('Sign in');
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const error = h('p', { class: 'login-error', 'data-testid': 'login-error', role: 'alert' });
  const form = h('form', { class: 'login-form', 'data-testid': 'login', novalidate: true },
    h('h1', null, 'Callgate supervisor'),
    h('label', { for: 'username' }, 'Username'), username,
    h('label', { for: 'password' }, 'Password'), password,
    submit,
    error,
  );
  let alive = true;
  const showError = (text: string | null) => {
    error.textContent = text ?? '';
    error.hidden = !text;
  };
  showError(initialError);

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!username.value || !password.value) {
      showError('Enter your username and password.');
      (username.value ? password : username).focus();
      return;
    }
    submit.disabled = true;
    showError(null);
    api.login(username.value.trim(), password.value).then(
      (me) => {
        if (alive) onSignedIn(me);
      },
      (err: unknown) => {
        if (!alive) return;
        submit.disabled = false;
        password.value = '';
        password.focus();
        showError(loginErrorText(err));
      },
    );
  });

  root.replaceChildren(h('div', { class: 'login-page' }, form));
  username.focus();
  return () => {
    alive = false;
  };
}

function loginErrorText(err: unknown): string {
  if (!(err instanceof ApiError)) return 'Sign-in failed.';
  if (err.status === 401) return 'Wrong username or password.';
  if (err.status === 429) {
    return err.retryAfter ? `Too many attempts. Try again in ${err.retryAfter} s.` : 'Too many attempts. Try again later.';
  }
  if (err.status === 0) return err.message;
  return `Sign-in failed: ${err.message}`;
}
