// Renders a redacted transcript as `.line` elements (data-speaker, data-final, data-turn-id; partial lines
// styled as partial, interrupted lines marked "(interrupted)", barge-ins marked). Lines are patched in place
// by position: a snapshot that only grows or replaces its last partial touches only those lines. Text goes in
// through textContent only: transcripts are untrusted.
import { h } from './dom.js';
import { fmtDuration, fmtMs, fmtTime } from './format.js';
import type { CallDetail, TranscriptLine } from './types.js';

const lineKeys = new WeakMap<Element, string>();

export interface TranscriptOptions {
  /** the call's start (epoch ms): line times are shown relative to it; absent → wall-clock time */
  startedAt?: number;
  bargeIns?: CallDetail['bargeIns'];
}

export function renderTranscript(container: HTMLElement, lines: readonly TranscriptLine[], opts: TranscriptOptions = {}): void {
  const stick = container.scrollHeight - container.scrollTop - container.clientHeight < 48;
  const bargeAt = bargeInLines(lines, opts.bargeIns ?? []);
  const children = container.children;
  lines.forEach((line, i) => {
    const heard = bargeAt.get(i);
    const key = JSON.stringify([line.speaker, line.final, line.interrupted, line.dtmf, line.at, line.turnId, line.text, heard ?? null]);
    const el = children[i];
    if (el && lineKeys.get(el) === key) return;
    const fresh = renderLine(line, heard, opts.startedAt);
    lineKeys.set(fresh, key);
    if (el) el.replaceWith(fresh);
    else container.append(fresh);
  });
  while (children.length > lines.length) children[children.length - 1]!.remove();
  if (stick) container.scrollTop = container.scrollHeight;
}

/** line index → heard ms (or null) for each barge-in: the interrupted agent line of that turn, else its last line */
function bargeInLines(lines: readonly TranscriptLine[], bargeIns: CallDetail['bargeIns']): Map<number, number | null> {
  const out = new Map<number, number | null>();
  for (const b of bargeIns) {
    let idx = -1;
    for (let i = lines.length - 1; i >= 0; i--) {
      const l = lines[i]!;
      if (l.turnId !== b.turnId) continue;
      if (l.speaker === 'agent') {
        idx = i;
        break;
      }
      if (idx < 0) idx = i;
    }
    if (idx >= 0) out.set(idx, Number.isFinite(b.heardMs) ? b.heardMs : null);
  }
  return out;
}

function renderLine(line: TranscriptLine, bargeIn: number | null | undefined, startedAt: number | undefined): HTMLElement {
  const classes = ['line', `speaker-${line.speaker}`];
  if (!line.final) classes.push('partial');
  if (line.interrupted) classes.push('interrupted');
  if (bargeIn !== undefined) classes.push('barge-in');
  const el = h('div', {
    class: classes.join(' '),
    'data-speaker': line.speaker,
    'data-final': String(line.final),
    'data-turn-id': line.turnId,
    'data-interrupted': line.interrupted ? 'true' : null,
    'data-barge-in': bargeIn !== undefined ? 'true' : null,
  },
  h('span', { class: 'who' }, line.speaker === 'caller' ? 'Caller' : 'Agent'),
  h('span', { class: 'at' }, startedAt === undefined ? fmtTime(line.at) : fmtDuration(line.at - startedAt)),
  );
  const body = h('span', { class: 'body' }, h('span', { class: 'text' }, line.text));
  el.append(body);
  if (line.dtmf) body.append(h('span', { class: 'mark mark-dtmf' }, 'DTMF'));
  if (!line.final) body.append(h('span', { class: 'mark mark-partial' }, 'partial'));
  if (line.interrupted) body.append(h('span', { class: 'mark mark-interrupted' }, '(interrupted)'));
  if (bargeIn !== undefined) {
    body.append(h('span', { class: 'mark mark-barge-in', title: 'The caller talked over the agent' },
      bargeIn === null ? 'barge-in' : `barge-in · heard ${fmtMs(bargeIn)}`));
  }
  return el;
}
