// Call detail: the live redacted transcript, the per-turn latency waterfall and its numbers, tool calls and
// quality over time. Data: the live socket's 'call' topic (full CallDetail snapshots), rendered at most once
// per frame; charts are created once and updated in place. If no snapshot comes (the call ended, or the
// socket is down), GET /api/calls/:id once; a 404 there means the call is over: point to its history.
import { ApiError, api } from '../api.js';
import { QualityChart } from '../charts/quality.js';
import { STAGES, turnLabel, WaterfallChart } from '../charts/waterfall.js';
import { frameScheduler, h, setCells, setText, syncRows, table } from '../dom.js';
import {
  DASH, fmtDuration, fmtLoss, fmtMos, fmtMs, fmtTime, jitterLevel, lossLevel, mosLevel, v2vLevel, type Level,
} from '../format.js';
import { href } from '../router.js';
import { renderTranscript } from '../transcript.js';
import type { CallDetail, ToolRow, TurnTimingRow } from '../types.js';
import { callDurationMs, stateLabel } from './live-calls.js';
import { setTitle, type Unmount, type ViewContext } from './view.js';

const FALLBACK_AFTER_MS = 2500;

export function mountCallDetail(root: HTMLElement, ctx: ViewContext, sessionId: string): Unmount {
  setTitle('Call');
  let detail: CallDetail | null = null;
  let disposed = false;

  const title = h('h1', null, 'Call');
  const meta = {
    dialed: h('span', { 'data-testid': 'call-dialed' }),
    agent: h('span', { 'data-testid': 'call-agent' }),
    state: h('span', { class: 'badge', 'data-testid': 'call-state' }),
    duration: h('span', { class: 'num', 'data-testid': 'call-duration' }),
    turns: h('span', { class: 'num' }),
  };
  const status = h('p', { class: 'status-line', 'data-testid': 'call-status' }, 'Waiting for the call…');
  const transcript = h('div', { class: 'transcript', 'data-testid': 'transcript', 'aria-live': 'polite' });
  const qualityNow = h('p', { class: 'now', 'data-testid': 'quality-now' }, DASH);
  const qualityCanvas = h('canvas', { 'aria-label': 'MOS, jitter and loss over time', role: 'img' });
  const waterfallCanvas = h('canvas', { 'aria-label': 'Latency waterfall per turn', role: 'img' });
  const latest = h('p', { class: 'now', 'data-testid': 'turn-latest' }, 'No completed turn yet.');
  const turnsTable = table('turn-table', ['Turn', '1st partial', 'STT final', 'First token', 'TTS audio', 'v2v', 'Barge-in']);
  turnsTable.table.tHead!.rows[0]!.cells[1]!.title = "STT's first partial, counted from the caller's speech onset; the other columns count from its end";
  turnsTable.table.tHead!.rows[0]!.cells[5]!.title = 'voice to voice: the first agent RTP packet after the caller stopped speaking';
  const toolsTable = table('tools', ['Time', 'Turn', 'Tool', 'Status', 'Took', 'Error']);
  const toolsEmpty = h('p', { class: 'empty' }, 'No tool calls.');

  root.replaceChildren(h('section', { class: 'call-detail', 'data-testid': 'call-detail', 'data-session-id': sessionId },
    h('div', { class: 'detail-head' },
      h('a', { href: '#/live', class: 'back' }, '← Live calls'),
      title,
      h('span', { class: 'meta' }, 'dialed ', meta.dialed, ' · agent ', meta.agent, ' · ', meta.state, ' · ', meta.duration, ' · turns ', meta.turns),
    ),
    status,
    h('div', { class: 'detail-grid' },
      h('section', { class: 'panel transcript-panel' }, h('h2', null, 'Transcript ', h('small', null, 'redacted')), transcript),
      h('div', { class: 'detail-side' },
        h('section', { class: 'panel' }, h('h2', null, 'Quality'), qualityNow,
          h('div', { class: 'chart-box', 'data-testid': 'quality-chart' }, qualityCanvas)),
        h('section', { class: 'panel' }, h('h2', null, 'Turn latency'),
          h('div', { 'data-testid': 'turn-latency' }, latest, h('div', { class: 'table-scroll short' }, turnsTable.table)),
          h('div', { class: 'chart-box tall', 'data-testid': 'waterfall' }, waterfallCanvas)),
        h('section', { class: 'panel' }, h('h2', null, 'Tools'), toolsTable.table, toolsEmpty),
      ),
    ),
  ));

  const quality = new QualityChart(qualityCanvas);
  const waterfall = new WaterfallChart(waterfallCanvas);

  const renderHead = (d: CallDetail) => {
    const row = d.row;
    setText(title, row.caller);
    setTitle(`Call ${row.caller}`);
    setText(meta.dialed, row.dialed);
    setText(meta.agent, row.agent || DASH);
    setText(meta.state, stateLabel(row.state));
    meta.state.dataset.state = row.state;
    setText(meta.duration, fmtDuration(callDurationMs(row)));
    setText(meta.turns, String(row.turns));
    if (row.state === 'ended' && !status.querySelector('[data-testid=call-ended]')) {
      status.replaceChildren(h('span', { 'data-testid': 'call-ended' },
        `Call ended${row.endReason ? ` (${row.endReason})` : ''}. `), h('a', { href: href({ name: 'history-call', sessionId }) }, 'Open in history'));
      status.hidden = false;
    } else if (row.state !== 'ended') {
      status.hidden = true;
    }
  };

  const render = frameScheduler(() => {
    const d = detail;
    if (!d) return;
    renderHead(d);
    renderTranscript(transcript, d.transcript, { startedAt: d.row.startedAt, bargeIns: d.bargeIns });
    const last = d.quality[d.quality.length - 1];
    const mos = d.row.mos ?? last?.mos ?? null;
    const jitter = d.row.jitterMs ?? last?.jitterMs ?? null;
    const loss = d.row.loss ?? last?.loss ?? null;
    qualityNow.replaceChildren(
      metric('MOS', fmtMos(mos), mosLevel(mos)), ' · ',
      metric('jitter', fmtMs(jitter), jitterLevel(jitter)), ' · ',
      metric('loss', fmtLoss(loss), lossLevel(loss)),
    );
    quality.update(d.quality, d.row.startedAt);
    waterfall.update(d.turns);
    renderTurns(d.turns);
    const turnNo = new Map(d.turns.map((t, i) => [t.turnId, turnLabel(i, t)]));
    syncRows(toolsTable.body, d.tools, (t) => `${t.turnId}|${t.tool}|${t.at}`, toolRow, (tr, t) => {
      setCells(tr, [fmtTime(t.at), turnNo.get(t.turnId) ?? t.turnId, t.tool, t.status, fmtMs(t.ms), t.error ?? '']);
      tr.dataset.status = t.status;
    });
    toolsEmpty.hidden = d.tools.length > 0;
  });

  const renderTurns = (turns: readonly TurnTimingRow[]) => {
    const done = [...turns].reverse().find((t) => t.firstRtpOutMs !== null);
    if (done) {
      const idx = turns.indexOf(done);
      latest.replaceChildren(`Last turn ${turnLabel(idx, done)}: `,
        ...STAGES.slice(0, 3).map((s) => `${s.label} ${fmtMs(done[s.key])} · `),
        metric('v2v', fmtMs(done.firstRtpOutMs), v2vLevel(done.firstRtpOutMs)));
    }
    // newest first: the latest turns stay in view
    const indexed = turns.map((t, i) => ({ t, i })).reverse();
    syncRows(turnsTable.body, indexed, ({ t }) => t.turnId, ({ t }) => h('tr', { 'data-testid': 'turn-row', 'data-turn-id': t.turnId }), (tr, { t, i }) => setCells(tr, [
      turnLabel(i, t), fmtMs(t.sttFirstPartialMs), ...STAGES.map((s) => fmtMs(t[s.key])), t.bargeInMs === null ? DASH : fmtMs(t.bargeInMs),
    ]));
  };

  const offCall = ctx.socket.on('call', (d) => {
    if (d.row.sessionId !== sessionId) return;
    detail = d;
    render.schedule();
  });
  const unsubscribe = ctx.socket.subscribe({ type: 'subscribe', topic: 'call', sessionId });
  const fallback = window.setTimeout(() => {
    if (detail || disposed) return;
    api.call(sessionId).then(
      (d) => {
        if (!disposed && !detail) {
          detail = d;
          render.schedule();
        }
      },
      (err: unknown) => {
        if (disposed || detail) return;
        if (err instanceof ApiError && err.status === 404) {
          status.replaceChildren(h('span', { 'data-testid': 'call-gone' }, 'This call is not live any more. '),
            h('a', { href: href({ name: 'history-call', sessionId }) }, 'Open it in history'));
        } else {
          setText(status, `Waiting for the call… (${err instanceof Error ? err.message : 'no answer'})`);
        }
      },
    );
  }, FALLBACK_AFTER_MS);
  const tick = window.setInterval(() => {
    if (detail && detail.row.endedAt === null) setText(meta.duration, fmtDuration(callDurationMs(detail.row)));
  }, 1000);

  return () => {
    disposed = true;
    window.clearTimeout(fallback);
    window.clearInterval(tick);
    render.cancel();
    offCall();
    unsubscribe();
    quality.destroy();
    waterfall.destroy();
  };
}

function metric(label: string, value: string, level: Level): HTMLElement {
  return h('span', { class: 'metric', 'data-level': level }, `${label} `, h('b', null, value));
}

function toolRow(t: ToolRow): HTMLTableRowElement {
  return h('tr', { 'data-testid': 'tool-row', 'data-tool': t.tool });
}
