// Call quality over time: MOS (left axis, 1–5), jitter (ms) and loss (%) on the right; x is time since the call
// started. Updated in place.
import { fmtDuration } from '../format.js';
import type { QualityPoint } from '../types.js';
import { applyDefaults, Chart } from './setup.js';

type Point = { x: number; y: number };

export class QualityChart {
  private readonly chart: Chart<'line', Point[]>;
  private signature = '';

  constructor(canvas: HTMLCanvasElement) {
    applyDefaults();
    const line = (label: string, color: string, yAxisID: string, dash: number[] = []) => ({
      label, yAxisID, data: [] as Point[], borderColor: color, backgroundColor: color, borderWidth: 1.5, borderDash: dash,
      pointRadius: 0, pointHitRadius: 6, tension: 0.2,
    });
    this.chart = new Chart<'line', Point[]>(canvas, {
      type: 'line',
      data: {
        datasets: [
          line('MOS', '#3fa66b', 'mos'),
          line('Jitter (ms)', '#5b8def', 'ms'),
          line('Loss (%)', '#d9534f', 'pct', [4, 3]),
        ],
      },
      options: {
        parsing: false,
        normalized: true,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { type: 'linear', ticks: { precision: 0, callback: (v) => fmtDuration(Number(v) * 1000), maxTicksLimit: 8 } },
          mos: { type: 'linear', position: 'left', min: 1, max: 5, title: { display: true, text: 'MOS' } },
          ms: { type: 'linear', position: 'right', beginAtZero: true, suggestedMax: 40, grid: { drawOnChartArea: false }, title: { display: true, text: 'ms' } },
          pct: { type: 'linear', position: 'right', beginAtZero: true, suggestedMax: 5, grid: { drawOnChartArea: false }, title: { display: true, text: '%' } },
        },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: { callbacks: { title: (items) => (items[0] ? fmtDuration(items[0].parsed.x! * 1000) : '') } },
        },
      },
    });
  }

  update(points: readonly QualityPoint[], startedAt: number): void {
    const last = points[points.length - 1];
    const signature = `${points.length}:${last?.at ?? 0}:${startedAt}`;
    if (signature === this.signature) return;
    this.signature = signature;
    const t = (p: QualityPoint) => (p.at - startedAt) / 1000;
    const [mos, jitter, loss] = this.chart.data.datasets;
    mos!.data = points.map((p) => ({ x: t(p), y: p.mos }));
    jitter!.data = points.map((p) => ({ x: t(p), y: p.jitterMs }));
    loss!.data = points.map((p) => ({ x: t(p), y: p.loss * 100 }));
    this.chart.update('none');
  }

  destroy(): void {
    this.chart.destroy();
  }
}
