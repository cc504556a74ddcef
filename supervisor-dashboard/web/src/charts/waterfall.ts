// Per-turn latency waterfall: one horizontal row per turn, floating bars for each stage, all in ms after the
// caller's speech ended — speech end → STT final → first token → first TTS audio → first RTP out.
import type { TurnTimingRow } from '../types.js';
import { applyDefaults, Chart } from './setup.js';

export const STAGES = [
  { key: 'sttFinalMs', label: 'STT final', color: '#5b8def' },
  { key: 'firstTokenMs', label: 'First token', color: '#a66fd6' },
  { key: 'firstAudioMs', label: 'First TTS audio', color: '#e0a030' },
  { key: 'firstRtpOutMs', label: 'First RTP out', color: '#3fa66b' },
] as const satisfies readonly { key: keyof TurnTimingRow; label: string; color: string }[];

/** the turns drawn (the latest ones); the text table lists all */
const MAX_TURNS = 12;

type Span = [number, number] | null;

export function turnLabel(index: number, turn: TurnTimingRow): string {
  return `T${index + 1}${turn.filler ? ' (filler)' : ''}`;
}

/**
 * Each stage's bar runs from the latest mark before it (speech end = 0) to its own mark. A stage that came
 * before an earlier one (the reply may start on the last STT partial, before the final) gets no width; the
 * tooltip and the turn table still give its own time.
 */
export function stageSpans(turn: TurnTimingRow): Span[] {
  let prev = 0;
  return STAGES.map(({ key }) => {
    const at = turn[key];
    if (at === null) return null;
    const span: Span = [prev, Math.max(prev, at)];
    prev = span[1];
    return span;
  });
}

export class WaterfallChart {
  private readonly chart: Chart<'bar', Span[], string>;
  private signature = '';
  private shown: readonly TurnTimingRow[] = [];

  constructor(canvas: HTMLCanvasElement) {
    applyDefaults();
    this.chart = new Chart<'bar', Span[], string>(canvas, {
      type: 'bar',
      data: {
        labels: [],
        datasets: STAGES.map((s) => ({
          label: s.label, data: [], backgroundColor: s.color, borderRadius: 2, barPercentage: 0.9, categoryPercentage: 0.8, maxBarThickness: 22,
        })),
      },
      options: {
        indexAxis: 'y',
        scales: {
          // stacked on the category axis only: the stages of a turn share one row; values stay absolute
          y: { stacked: true, grid: { display: false } },
          x: { stacked: false, beginAtZero: true, title: { display: true, text: 'ms after the caller stopped speaking' } },
        },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: {
            callbacks: {
              label: (item) => {
                const at = this.shown[item.dataIndex]?.[STAGES[item.datasetIndex]!.key];
                const raw = item.raw as Span;
                if (at === null || at === undefined || !raw) return '';
                return `${item.dataset.label}: ${Math.round(at)} ms${at < raw[0] ? ' (before the previous stage)' : ` (+${Math.round(raw[1] - raw[0])} ms)`}`;
              },
            },
          },
        },
      },
    });
  }

  update(turns: readonly TurnTimingRow[]): void {
    const offset = Math.max(0, turns.length - MAX_TURNS);
    const recent = turns.slice(offset);
    const signature = JSON.stringify([offset, recent]);
    if (signature === this.signature) return;
    this.signature = signature;
    this.shown = recent;
    const spans = recent.map(stageSpans);
    this.chart.data.labels = recent.map((t, i) => turnLabel(offset + i, t));
    this.chart.data.datasets.forEach((ds, stage) => {
      ds.data = spans.map((s) => s[stage] ?? null);
    });
    this.chart.update('none');
  }

  destroy(): void {
    this.chart.destroy();
  }
}
