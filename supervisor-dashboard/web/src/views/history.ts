// History: search past calls by time, number and outcome (the query lives in the hash, so back returns to the
// same results), and one past call's redacted transcript, summary and analytics.
import { api } from '../api.js';
import { h, setCells, syncRows, table } from '../dom.js';
import { DASH, fmtDateTime, fmtDuration, humanizeKey } from '../format.js';
import { href, navigate } from '../router.js';
import { renderTranscript } from '../transcript.js';
import type { HistoryRow } from '../types.js';
import { setTitle, type Unmount } from './view.js';

const LIMIT = 100;
const OUTCOMES = ['completed', 'transferred', 'caller-hangup', 'failed'];
/** the last search's route, for the way back from a past call */
let lastSearch = '#/history';

export function mountHistory(root: HTMLElement, query: URLSearchParams): Unmount {
  setTitle('History');
  lastSearch = href({ name: 'history', query });
  let alive = true;
  const input = (id: string, attrs: Record<string, string>) =>
    h('input', { id, name: id.replace('history-', ''), value: query.get(id.replace('history-', '')) ?? '', ...attrs });
  const from = input('history-from', { type: 'datetime-local', 'data-testid': 'history-from' });
  const to = input('history-to', { type: 'datetime-local', 'data-testid': 'history-to' });
  const number = input('history-number', { type: 'search', inputmode: 'tel', placeholder: 'digits, e.g. 2125550198', 'data-testid': 'history-number' });
  const outcome = input('history-outcome', { type: 'search', list: 'history-outcomes', placeholder: 'any', 'data-testid': 'history-outcome' });
  const outcomes = h('datalist', { id: 'history-outcomes' }, ...OUTCOMES.map((o) => h('option', { value: o })));
  const field = (label: string, el: HTMLInputElement) => h('label', { class: 'field' }, h('span', null, label), el);
  const form = h('form', { class: 'search-form', 'data-testid': 'history-form' },
    field('From', from), field('To', to), field('Number', number), field('Outcome', outcome), outcomes,
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'history-search' }, 'Search'),
  );
  const summary = h('p', { class: 'muted', 'data-testid': 'history-status' }, 'Searching…');
  const results = table('history-results', ['Started', 'Caller', 'Dialed', 'Agent', 'Duration', 'Turns', 'Outcome'], 'grid clickable');

  root.replaceChildren(h('section', { class: 'history', 'data-testid': 'history' },
    h('div', { class: 'toolbar' }, h('h1', null, 'History')),
    form,
    summary,
    h('div', { class: 'panel table-scroll' }, results.table),
  ));

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    const set = (k: string, v: string) => {
      if (v.trim()) q.set(k, v.trim());
    };
    set('from', from.value);
    set('to', to.value);
    set('number', number.value.replace(/[^\d+*#]+/g, ''));
    set('outcome', outcome.value);
    // a new hash remounts this view with the query; the same one would not, so search right here
    const target = href({ name: 'history', query: q });
    if (location.hash === target) void search(q);
    else navigate({ name: 'history', query: q });
  });

  const open = (target: EventTarget | null) => {
    const tr = (target as Element | null)?.closest<HTMLElement>('[data-testid=history-row]');
    if (tr?.dataset.sessionId) navigate({ name: 'history-call', sessionId: tr.dataset.sessionId });
  };
  results.table.addEventListener('click', (ev) => open(ev.target));
  results.table.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') open(ev.target);
  });

  const search = async (q: URLSearchParams) => {
    summary.textContent = 'Searching…';
    try {
      const { calls } = await api.history({
        from: isoOf(q.get('from')), to: isoOf(q.get('to')),
        number: q.get('number') ?? undefined, outcome: q.get('outcome') ?? undefined, limit: LIMIT,
      });
      if (!alive) return;
      syncRows(results.body, calls, (c) => c.sessionId, historyRow, updateHistoryRow);
      summary.textContent = calls.length === 0 ? 'No calls match.' : calls.length >= LIMIT ? `Showing the latest ${LIMIT} calls; narrow the search for more.` : `${calls.length} call${calls.length === 1 ? '' : 's'}.`;
    } catch (err) {
      if (alive) summary.textContent = `Search failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  };
  void search(query);
  return () => {
    alive = false;
  };
}

/** datetime-local value (local time) → ISO */
function isoOf(local: string | null): string | undefined {
  if (!local) return undefined;
  const t = new Date(local).getTime();
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

function historyRow(c: HistoryRow): HTMLTableRowElement {
  return h('tr', { 'data-testid': 'history-row', 'data-session-id': c.sessionId, tabindex: '0' });
}

function updateHistoryRow(tr: HTMLTableRowElement, c: HistoryRow): void {
  const duration = c.durationMs ?? (c.endedAt === null ? null : c.endedAt - c.startedAt);
  setCells(tr, [fmtDateTime(c.startedAt), c.caller, c.dialed, c.agent || DASH, fmtDuration(duration), String(c.turns), c.outcome ?? DASH]);
}

export function mountHistoryCall(root: HTMLElement, sessionId: string): Unmount {
  setTitle('Past call');
  let alive = true;
  const title = h('h1', null, 'Past call');
  const meta = h('p', { class: 'meta', 'data-testid': 'history-meta' }, 'Loading…');
  const transcript = h('div', { class: 'transcript', 'data-testid': 'history-transcript' });
  const summary = h('p', { class: 'summary', 'data-testid': 'summary' }, DASH);
  const analytics = h('div', { class: 'analytics', 'data-testid': 'analytics' }, DASH);

  root.replaceChildren(h('section', { class: 'history-detail', 'data-testid': 'history-detail', 'data-session-id': sessionId },
    h('div', { class: 'detail-head' }, h('a', { href: lastSearch, class: 'back' }, '← History'), title, meta),
    h('div', { class: 'detail-grid' },
      h('section', { class: 'panel transcript-panel' }, h('h2', null, 'Transcript ', h('small', null, 'redacted')), transcript),
      h('div', { class: 'detail-side' },
        h('section', { class: 'panel' }, h('h2', null, 'Summary'), summary),
        h('section', { class: 'panel' }, h('h2', null, 'Analytics'), analytics),
      ),
    ),
  ));
  api.historyDetail(sessionId).then((d) => {
    if (!alive) return;
    const c = d.call;
    title.textContent = c.caller;
    setTitle(`Past call ${c.caller}`);
    const duration = c.durationMs ?? (c.endedAt === null ? null : c.endedAt - c.startedAt);
    meta.textContent = `${fmtDateTime(c.startedAt)} · dialed ${c.dialed} · agent ${c.agent || DASH} · ${fmtDuration(duration)} · ${c.turns} turns · ${c.outcome ?? 'no outcome'}`;
    renderTranscript(transcript, d.transcript, { startedAt: c.startedAt });
    summary.textContent = d.summary ?? 'No summary yet (the post-call flow has not made one).';
    summary.classList.toggle('muted', d.summary === null);
    analytics.replaceChildren(d.analytics ? renderValue(d.analytics) : h('p', { class: 'muted' }, 'No analytics yet.'));
  }, (err: unknown) => {
    if (alive) meta.textContent = `Could not load the call: ${err instanceof Error ? err.message : String(err)}`;
  });
  return () => {
    alive = false;
  };
}

/** a readable rendering of an analytics object: nested definition lists, numbers rounded, texts as text */
export function renderValue(value: unknown, depth = 0): Node {
  if (value === null || value === undefined) return document.createTextNode(DASH);
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== 'object' || v === null)) return document.createTextNode(value.map(scalar).join(', ') || DASH);
    return h('ol', { class: 'kv-list' }, ...value.map((v) => h('li', null, renderValue(v, depth + 1))));
  }
  if (typeof value === 'object' && depth < 6) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return document.createTextNode(DASH);
    return h('dl', { class: 'kv' }, ...entries.flatMap(([k, v]) => [h('dt', { title: k }, humanizeKey(k)), h('dd', null, renderValue(v, depth + 1))]));
  }
  return document.createTextNode(scalar(value));
}

function scalar(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (v === null || v === undefined) return DASH;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}
