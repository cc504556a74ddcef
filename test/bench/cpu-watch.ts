/**
 * Diagnostics of the \`media\` bench (BENCH_DEBUG): what each CPU of the machine did over a window, and how the
 * bridge's CPU split over its threads.
 */
import { readFileSync } from 'node:fs';
import type { BridgeSnapshot } from './media-bridge-proc.js';

const pct1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');

/**
 * Samples /proc/stat every 20 ms over a window (BENCH_DEBUG): per CPU, the share spent in user, system, softirq
 * and stolen by the hypervisor, and the most stolen within any 100 ms: a stall of a whole vCPU shows there.
 */
export class CpuWatch {
  private readonly samples: Array<{ at: number; cpus: Map<string, number[]> }> = [];
  private readonly timer = setInterval(() => this.sample(), 20);

  constructor() {
    this.sample();
  }

  stop(): string {
    clearInterval(this.timer);
    this.sample();
    const first = this.samples[0]!;
    const last = this.samples.at(-1)!;
    const out: string[] = [];
    for (const [cpu, end] of last.cpus) {
      const start = first.cpus.get(cpu)!;
      const d = end.map((v, i) => v - start[i]!);
      const total = d.reduce((x, y) => x + y, 0) || 1;
      // fields: user nice system idle iowait irq softirq steal
      const pct = (i: number): string => pct1((d[i]! / total) * 100);
      let maxSteal100 = 0;
      for (let i = 0, j = 0; i < this.samples.length; i++) {
        while (this.samples[i]!.at - this.samples[j]!.at > 100) j++;
        maxSteal100 = Math.max(maxSteal100, this.samples[i]!.cpus.get(cpu)![7]! - this.samples[j]!.cpus.get(cpu)![7]!);
      }
      out.push(`${cpu} user ${pct(0)}% sys ${pct(2)}% softirq ${pct(6)}% idle ${pct(3)}% steal ${pct(7)}% (max ${maxSteal100 * 10} ms in 100 ms)`);
    }
    return out.join('; ');
  }

  private sample(): void {
    const cpus = new Map<string, number[]>();
    for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
      const m = /^(cpu\d+) (.*)$/.exec(line);
      if (m) cpus.set(m[1]!, m[2]!.trim().split(/\s+/).slice(0, 8).map(Number));
    }
    this.samples.push({ at: performance.now(), cpus });
  }
}

/** the bridge's CPU % of one core per thread over a window (BENCH_DEBUG), busiest first */
export function threadsCpuPct(a: BridgeSnapshot, b: BridgeSnapshot): string {
  const span = b.atMs - a.atMs;
  return Object.entries(b.threadsCpuMs)
    .map(([k, ms]) => [k, ((ms - (a.threadsCpuMs[k] ?? 0)) / span) * 100] as const)
    .filter(([, pct]) => pct >= 0.5)
    .sort((x, y) => y[1] - x[1])
    .map(([k, pct]) => `${k} ${pct1(pct)}%`)
    .join(', ');
}
