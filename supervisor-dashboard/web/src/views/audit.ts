// Admin only: the audit log (who opened which call's transcript, sign-ins, …) from GET /api/admin/audit.
import { ApiError, api } from '../api.js';
import { h, setCells, syncRows, table } from '../dom.js';
import { fmtDateTime } from '../format.js';
import { setTitle, type Unmount, type ViewContext } from './view.js';

export function mountAudit(root: HTMLElement, ctx: ViewContext): Unmount {
  setTitle('Audit');
  if (ctx.me.role !== 'admin') {
    root.replaceChildren(h('p', { class: 'empty', 'data-testid': 'forbidden' }, 'The audit log is for administrators only.'));
    return () => {};
  }
  let alive = true;
  const status = h('span', { class: 'muted', 'data-testid': 'audit-status' }, 'Loading…');
  const refresh = h('button', { type: 'button', 'data-testid': 'audit-refresh' }, 'Refresh');
  const records = table('audit-records', ['Time', 'Who', 'Action', 'Target']);
  root.replaceChildren(h('section', { class: 'audit', 'data-testid': 'audit' },
    h('div', { class: 'toolbar' }, h('h1', null, 'Audit log'), status, h('span', { class: 'spacer' }), refresh),
    h('div', { class: 'panel table-scroll' }, records.table),
  ));
  const load = () => {
    refresh.disabled = true;
    api.audit(500).then(({ records: rows }) => {
      if (!alive) return;
      syncRows(records.body, rows, (r) => `${r.at}|${r.actor}|${r.action}|${r.target}`,
        () => h('tr', { 'data-testid': 'audit-row' }), (tr, r) => setCells(tr, [fmtDateTime(r.at), r.actor, r.action, r.target]));
      status.textContent = `${rows.length} record${rows.length === 1 ? '' : 's'}`;
    }, (err: unknown) => {
      if (!alive) return;
      status.textContent = err instanceof ApiError && err.status === 403 ? 'Administrators only.' : `Could not load: ${err instanceof Error ? err.message : String(err)}`;
    }).finally(() => {
      refresh.disabled = false;
    });
  };
  refresh.addEventListener('click', load);
  load();
  return () => {
    alive = false;
  };
}
