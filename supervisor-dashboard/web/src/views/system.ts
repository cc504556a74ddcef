// System: active calls, the SLO panel (p95 against target; amber while over, red once the breach held),
// realtime vs batch queues, provider health (circuit breakers) and recent errors. Data: GET /api/system for
// the first paint, then the live socket's 'system' snapshots; tables are patched in place, once per frame.
import { api } from '../api.js';
import { serverNow } from '../clock.js';
import { frameScheduler, h, setCells, setText, syncRows, table } from '../dom.js';
import { DASH, fmtAgo, fmtMs, fmtSpan, fmtTime, type Level } from '../format.js';
import { href } from '../router.js';
import type { ProviderHealth, QueueStatus, RecentError, SloStatus, SystemStatus } from '../types.js';
import { setTitle, type Unmount, type ViewContext } from './view.js';

export function mountSystem(root: HTMLElement, ctx: ViewContext): Unmount {
  setTitle('System');
  let status: SystemStatus | null = null;
  let gotSnapshot = false;

  const activeCalls = h('b', { class: 'big num', 'data-testid': 'active-calls' }, DASH);
  const breaches = h('span', { class: 'badge', 'data-testid': 'slo-summary' }, DASH);
  const updated = h('span', { class: 'muted', 'data-testid': 'system-updated' }, 'Loading…');
  const slo = table('slo', ['SLO', 'p95', 'Target', 'Samples', 'Status']);
  const queues = table('queues', ['Queue', 'Waiting', 'Active', 'Delayed', 'Failed', 'Oldest waiting', 'Yielding']);
  const providers = table('providers', ['Stage', 'Provider', 'State', 'Detail', 'Since']);
  const errors = table('errors', ['Time', 'Source', 'Message', 'Call']);
  const noErrors = h('p', { class: 'empty' }, 'No recent errors.');
  const noProviders = h('p', { class: 'empty' }, 'No provider events yet.');

  root.replaceChildren(h('section', { class: 'system', 'data-testid': 'system' },
    h('div', { class: 'toolbar' }, h('h1', null, 'System'), h('span', { class: 'spacer' }), updated),
    h('div', { class: 'cards' },
      h('div', { class: 'card' }, h('span', { class: 'muted' }, 'Active calls'), activeCalls),
      h('div', { class: 'card' }, h('span', { class: 'muted' }, 'SLOs'), breaches),
    ),
    h('div', { class: 'system-grid' },
      h('section', { class: 'panel' }, h('h2', null, 'Service levels ', h('small', null, 'p95 over the window')), slo.table),
      h('section', { class: 'panel' }, h('h2', null, 'Queues ', h('small', null, 'realtime vs batch')), queues.table),
      h('section', { class: 'panel' }, h('h2', null, 'Providers ', h('small', null, 'circuit breakers')), providers.table, noProviders),
      h('section', { class: 'panel' }, h('h2', null, 'Recent errors'), h('div', { class: 'table-scroll' }, errors.table), noErrors),
    ),
  ));

  const render = frameScheduler(() => {
    const s = status;
    if (!s) return;
    const now = serverNow();
    setText(activeCalls, String(s.activeCalls));
    setText(updated, `updated ${fmtTime(s.at)}`);
    const breached = s.slo.filter((x) => x.breached).length;
    const over = s.slo.filter((x) => x.over && !x.breached).length;
    setText(breaches, breached ? `${breached} breached` : over ? `${over} over target` : 'all within target');
    breaches.dataset.level = breached ? 'bad' : over ? 'warn' : 'ok';
    syncRows(slo.body, s.slo, (x) => x.name, (x) => h('tr', { 'data-testid': 'slo-row', 'data-slo': x.name }), (tr, x) => updateSlo(tr, x, now));
    syncRows(queues.body, s.queues, (q) => q.name, (q) => h('tr', { 'data-testid': 'queue-row', 'data-queue': q.name }), updateQueue);
    syncRows(providers.body, s.providers, (p) => `${p.stage}|${p.provider}`,
      (p) => h('tr', { 'data-testid': 'provider-row', 'data-provider': p.provider }), (tr, p) => updateProvider(tr, p, now));
    syncRows(errors.body, s.errors, (e) => `${e.at}|${e.source}|${e.message}`, errorRow, () => {});
    noErrors.hidden = s.errors.length > 0;
    noProviders.hidden = s.providers.length > 0;
  });
  const apply = (s: SystemStatus) => {
    status = s;
    render.schedule();
  };

  const off = ctx.socket.on('system', (s) => {
    gotSnapshot = true;
    apply(s);
  });
  const unsubscribe = ctx.socket.subscribe({ type: 'subscribe', topic: 'system' });
  api.system().then((s) => {
    if (!gotSnapshot) apply(s);
  }, (err: unknown) => {
    if (!gotSnapshot) setText(updated, `waiting for data (${err instanceof Error ? err.message : 'no answer'})`);
  });
  // "over for 12 s" and provider ages move on between snapshots
  const tick = window.setInterval(() => render.schedule(), 1000);

  return () => {
    window.clearInterval(tick);
    render.cancel();
    off();
    unsubscribe();
  };
}

function updateSlo(tr: HTMLTableRowElement, x: SloStatus, now: number): void {
  const p95 = x.p95Ms === null ? `${DASH} (too few samples)` : fmtMs(x.p95Ms);
  const since = x.overSince === null ? '' : ` for ${fmtSpan(now - x.overSince)}`;
  const text = x.breached ? `BREACHED${since}` : x.over ? `over target${since}` : 'ok';
  setCells(tr, [x.label, p95, fmtMs(x.targetMs), String(x.samples), text]);
  tr.dataset.breached = String(x.breached);
  tr.dataset.over = String(x.over);
  const level: Level = x.breached ? 'bad' : x.over ? 'warn' : 'ok';
  setLevel(tr.cells[1]!, x.p95Ms === null || level === 'ok' ? 'none' : level);
  setLevel(tr.cells[4]!, level);
  tr.classList.toggle('breached', x.breached);
  tr.classList.toggle('over', x.over && !x.breached);
}

function updateQueue(tr: HTMLTableRowElement, q: QueueStatus): void {
  const yielding = q.yielding === undefined ? DASH : q.yielding ? 'yes, to live calls' : 'no';
  setCells(tr, [q.name, String(q.waiting), String(q.active), String(q.delayed), String(q.failed), fmtMs(q.lagMs), yielding]);
  tr.dataset.yielding = String(q.yielding === true);
  setLevel(tr.cells[4]!, q.failed > 0 ? 'warn' : 'none');
  setLevel(tr.cells[6]!, q.yielding ? 'warn' : 'none');
}

const PROVIDER_LEVEL: Record<string, Level> = { closed: 'ok', ok: 'ok', 'half-open': 'warn', fallback: 'warn', open: 'bad', failed: 'bad' };

function updateProvider(tr: HTMLTableRowElement, p: ProviderHealth, now: number): void {
  setCells(tr, [p.stage, p.provider, p.state, p.detail ?? '', fmtAgo(now - p.at)]);
  tr.dataset.state = p.state;
  setLevel(tr.cells[2]!, PROVIDER_LEVEL[p.state] ?? 'none');
}

function setLevel(el: HTMLElement, level: Level): void {
  if (el.dataset.level !== level) el.dataset.level = level;
}

function errorRow(e: RecentError): HTMLTableRowElement {
  const call = e.sessionId
    ? h('a', { href: href({ name: 'call', sessionId: e.sessionId }) }, e.sessionId.slice(0, 8))
    : '';
  return h('tr', { 'data-testid': 'error-row' },
    h('td', { class: 'num' }, fmtTime(e.at)), h('td', null, e.source), h('td', { class: 'wrap' }, e.message), h('td', null, call));
}
