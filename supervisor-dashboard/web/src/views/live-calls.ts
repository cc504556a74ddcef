// Live calls: one row per call, virtualized (fixed row height) and patched in place, at most one render per
// animation frame; durations tick locally each second. Data: GET /api/calls for the first paint, then every
// 'calls' snapshot from the live socket.
import { api } from '../api.js';
import { serverNow } from '../clock.js';
import { h, setText } from '../dom.js';
import {
  fmtDuration, fmtLoss, fmtMos, fmtMs, jitterLevel, lossLevel, mosLevel, v2vLevel, type Level, DASH,
} from '../format.js';
import { navigate } from '../router.js';
import type { LiveCallRow } from '../types.js';
import { VirtualList } from '../virtual-list.js';
import { setTitle, type Unmount, type ViewContext } from './view.js';

export const ROW_HEIGHT = 32;

const COLUMNS = [
  ['caller', 'Caller'],
  ['dialed', 'Dialed'],
  ['agent', 'Agent'],
  ['state', 'State'],
  ['duration', 'Duration'],
  ['mos', 'MOS'],
  ['jitter', 'Jitter'],
  ['loss', 'Loss'],
  ['v2v', 'Last v2v'],
] as const;
type Column = (typeof COLUMNS)[number][0];

interface RowState {
  id: string | null;
  state: string | null;
  cells: Record<Column, HTMLElement>;
  texts: Partial<Record<Column, string>>;
  levels: Partial<Record<Column, Level>>;
}

export function stateLabel(state: LiveCallRow['state']): string {
  return state.replace('-', ' ');
}

export function callDurationMs(call: Pick<LiveCallRow, 'startedAt' | 'endedAt'>): number {
  return (call.endedAt ?? serverNow()) - call.startedAt;
}

function compareCalls(a: LiveCallRow, b: LiveCallRow): number {
  const ended = Number(a.state === 'ended') - Number(b.state === 'ended');
  return ended || b.startedAt - a.startedAt || (a.sessionId < b.sessionId ? -1 : 1);
}

export function mountLiveCalls(root: HTMLElement, ctx: ViewContext): Unmount {
  setTitle('Live calls');
  const rows = new WeakMap<HTMLElement, RowState>();
  let all: LiveCallRow[] = [];
  let shown: LiveCallRow[] = [];
  let filter = '';
  let gotSnapshot = false;

  const count = h('span', { class: 'count', 'data-testid': 'live-count' }, 'Loading…');
  const search = h('input', {
    type: 'search', class: 'filter', placeholder: 'Filter by number, agent, state…', 'data-testid': 'live-filter', 'aria-label': 'Filter calls',
  });
  const empty = h('p', { class: 'empty', 'data-testid': 'live-empty', hidden: true }, 'No live calls.');
  const viewport = h('div', { class: 'vlist', tabindex: '-1' });
  const head = h('div', { class: 'vrow vhead calls-grid', role: 'row', 'aria-rowindex': '1' },
    ...COLUMNS.map(([key, label]) => h('span', { class: `cell c-${key}`, role: 'columnheader' }, label)));
  const section = h('section', { class: 'panel live-calls', 'data-testid': 'live-calls', role: 'table', 'aria-label': 'Live calls' },
    h('div', { class: 'toolbar' }, h('h1', null, 'Live calls'), count, h('span', { class: 'spacer' }), search),
    head,
    viewport,
    empty,
  );
  root.replaceChildren(section);

  const list = new VirtualList<LiveCallRow>({
    viewport,
    rowHeight: ROW_HEIGHT,
    createRow() {
      const cells = {} as Record<Column, HTMLElement>;
      const row = h('div', { class: 'vrow calls-grid', role: 'row', tabindex: '0', 'data-testid': 'call-row' });
      for (const [key] of COLUMNS) {
        cells[key] = h('span', { class: `cell c-${key}`, role: 'cell', 'data-testid': key });
        row.append(cells[key]);
      }
      rows.set(row, { id: null, state: null, cells, texts: {}, levels: {} });
      return row;
    },
    updateRow(row, call) {
      const r = rows.get(row)!;
      if (r.id !== call.sessionId) {
        r.id = call.sessionId;
        row.dataset.sessionId = call.sessionId;
      }
      if (r.state !== call.state) {
        r.state = call.state;
        row.dataset.state = call.state;
      }
      const put = (col: Column, text: string, level?: Level) => {
        if (r.texts[col] !== text) {
          r.texts[col] = text;
          r.cells[col].textContent = text;
        }
        if (level !== undefined && r.levels[col] !== level) {
          r.levels[col] = level;
          r.cells[col].dataset.level = level;
        }
      };
      put('caller', call.caller);
      put('dialed', call.dialed);
      put('agent', call.agent || DASH);
      put('state', stateLabel(call.state));
      put('duration', fmtDuration(callDurationMs(call)));
      put('mos', fmtMos(call.mos), mosLevel(call.mos));
      put('jitter', fmtMs(call.jitterMs), jitterLevel(call.jitterMs));
      put('loss', fmtLoss(call.loss), lossLevel(call.loss));
      put('v2v', fmtMs(call.lastV2vMs), v2vLevel(call.lastV2vMs));
    },
    afterRender() {
      const live = all.filter((c) => c.state !== 'ended').length;
      setText(count, filter ? `${shown.length} of ${all.length} calls` : `${live} live${all.length > live ? `, ${all.length - live} ended` : ''}`);
      empty.hidden = shown.length > 0;
      if (!empty.hidden) setText(empty, filter && all.length ? 'No call matches the filter.' : 'No live calls.');
    },
  });

  // sorting and filtering 200 rows is cheap; the DOM work waits for the list's next frame
  const recompute = () => {
    const needle = filter.toLowerCase();
    shown = (needle ? all.filter((c) => matches(c, needle)) : all.slice()).sort(compareCalls);
    list.setItems(shown);
  };
  const apply = (calls: LiveCallRow[]) => {
    all = calls;
    recompute();
  };

  search.addEventListener('input', () => {
    filter = search.value.trim();
    recompute();
  });
  const open = (target: EventTarget | null) => {
    const row = (target as Element | null)?.closest<HTMLElement>('[data-testid=call-row]');
    const id = row?.dataset.sessionId;
    if (id) navigate({ name: 'call', sessionId: id });
  };
  viewport.addEventListener('click', (ev) => open(ev.target));
  viewport.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') open(ev.target);
  });

  const offCalls = ctx.socket.on('calls', (calls) => {
    gotSnapshot = true;
    apply(calls);
  });
  const unsubscribe = ctx.socket.subscribe({ type: 'subscribe', topic: 'calls' });
  api.calls().then(
    (res) => {
      if (!gotSnapshot) apply(res.calls);
    },
    () => {
      if (!gotSnapshot) setText(count, 'Waiting for the live feed…');
    },
  );
  const tick = window.setInterval(() => {
    if (shown.some((c) => c.endedAt === null)) list.refresh();
  }, 1000);

  return () => {
    window.clearInterval(tick);
    offCalls();
    unsubscribe();
    list.destroy();
  };
}

function matches(c: LiveCallRow, needle: string): boolean {
  return [c.caller, c.dialed, c.agent, c.state, c.sessionId].some((s) => s.toLowerCase().includes(needle));
}
