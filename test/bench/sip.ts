/**
 * Bench part `sip`: the highest call rate (INVITE -> 200 -> ACK -> 200 ms -> BYE -> 200, no RTP sent by SIPp)
 * that a real appliance sustains with zero failed calls, SIPp on the same machine.
 * Rate steps: 50, then x1.5 while every call succeeds; after the first failure, a bisection between the last
 * good and the first bad rate; every step runs ~5 s of calls; the whole search stops after ~150 s.
 * Figures: sip_cps_max, sip_setup_ms_p50/p95 (INVITE->200 at the best rate, SIPp's rtd, 1 ms resolution),
 * sip_setup_ms_p50/p95_at_200cps and sip_goal_cps_ok (a first step at the 200 cps goal rate),
 * sip_calls_total (calls placed over all steps), sip_failed_calls_total.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Appliance } from '../sipp/harness/appliance.js';
import { portPlan } from '../sipp/harness/ports.js';
import { runSipp, type SippResult } from '../sipp/harness/sipp.js';

export interface BenchStep {
  rate: number;
  calls: number;
  ok: boolean;
  successful: number;
  failed: number;
  setupMs: number[];
  wallMs: number;
}

const STEP_SECONDS = 5;
const BUDGET_MS = 150_000;

function lastStat(r: SippResult): Record<string, string> {
  const lines = readFileOr(join(r.dir, 'stat.csv')).trim().split('\n');
  if (lines.length < 2) return {};
  const names = lines[0]!.split(';');
  const values = lines[lines.length - 1]!.split(';');
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? '']));
}

function readFileOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function setupTimes(r: SippResult): number[] {
  const file = readdirSync(r.dir).find((f) => f.endsWith('_rtt.csv'));
  if (!file) return [];
  return readFileOr(join(r.dir, file))
    .split('\n')
    .slice(1)
    .map((l) => Number(l.split(';')[1]))
    .filter((v) => Number.isFinite(v));
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

const GOAL_CPS = 200;

async function step(app: Appliance, rate: number, log: (s: string) => void): Promise<BenchStep> {
  const calls = Math.max(20, Math.round(rate * STEP_SECONDS));
  const started = Date.now();
  const r = await runSipp({
    scenario: 'bench-call.xml',
    target: app.sipTarget,
    mediaPort: app.ports.nextMediaPort(),
    localPort: app.ports.nextSippPort(),
    rate,
    calls,
    limit: Math.max(50, rate * 2),
    timeoutS: STEP_SECONDS * 3 + 15,
    recvTimeoutMs: 5000,
    traceMessages: false,
    traceStats: { statFreqS: 1, rttFreq: Math.max(1, Math.round(rate / 10)) },
    extraArgs: ['-max_recv_loops', '10000', '-max_sched_loops', '10000'],
  });
  const stat = lastStat(r);
  const successful = Number(stat['SuccessfulCall(C)'] ?? NaN);
  const failed = Number(stat['FailedCall(C)'] ?? NaN);
  const ok = r.code === 0 && failed === 0 && successful === calls;
  const s: BenchStep = { rate, calls, ok, successful, failed, setupMs: setupTimes(r), wallMs: Date.now() - started };
  log(`sip: ${rate} cps x ${calls} calls -> ${ok ? 'ok' : 'FAILED'} (successful ${successful}, failed ${failed}, sipp exit ${r.code}, ${s.wallMs} ms)`);
  if (!ok && r.errors) log(`sip: errors: ${r.errors.slice(0, 600)}`);
  return s;
}

function startBenchAppliance(): Promise<Appliance> {
  return Appliance.start({
    ports: portPlan(60, { rtpMin: 50000, rtpMax: 59998 }),
    admission: { maxConcurrentCalls: 100_000, maxCallsPerSecond: 100_000 },
    // 'info': the ready line the harness waits for is an info line
    logLevel: 'info',
    readyTimeoutMs: 30_000,
  });
}

export async function runSipBench(log: (s: string) => void = (s) => console.error(s)): Promise<Record<string, number>> {
  let app = await startBenchAppliance();
  const steps: BenchStep[] = [];
  const deadline = Date.now() + BUDGET_MS;
  try {
    // setup time at the goal rate (200 cps), away from saturation: what a caller sees on a busy day
    const atGoal = await step(app, GOAL_CPS, log);
    steps.push(atGoal);
    let good: BenchStep | undefined;
    let badRate: number | undefined;
    let rate = 50;
    while (Date.now() + STEP_SECONDS * 1000 * 2 < deadline) {
      const s = await step(app, rate, log);
      steps.push(s);
      if (!app.running) throw new Error(`appliance exited during the bench:\n${app.logTail()}`);
      if (s.ok) good = s;
      else {
        badRate = rate;
        // an overloaded appliance may not recover by itself: measure the next rate on a fresh one
        log(`sip: restarting the appliance after a failed step; its log tail:\n${app.logTail(5)}`);
        await app.stop();
        app = await startBenchAppliance();
      }
      if (badRate === undefined) {
        rate = Math.round(rate * 1.5);
      } else {
        const lo = good?.rate ?? 0;
        if (badRate - lo <= Math.max(5, lo * 0.1)) break; // close enough
        rate = Math.round((lo + badRate) / 2);
        if (rate <= lo) break;
      }
      // let the appliance drain calls left from the previous step (BYE retransmissions, timers)
      await new Promise((r) => setTimeout(r, 1000));
    }
    const best = good;
    return {
      sip_cps_max: best?.rate ?? 0,
      sip_setup_ms_p50: best ? percentile(best.setupMs, 50) : NaN,
      sip_setup_ms_p95: best ? percentile(best.setupMs, 95) : NaN,
      sip_goal_cps_ok: atGoal.ok ? 1 : 0,
      sip_setup_ms_p50_at_200cps: percentile(atGoal.setupMs, 50),
      sip_setup_ms_p95_at_200cps: percentile(atGoal.setupMs, 95),
      sip_calls_total: steps.reduce((a, s) => a + s.calls, 0),
      sip_failed_calls_total: steps.reduce((a, s) => a + (Number.isFinite(s.failed) ? s.failed : 0), 0),
      sip_bench_steps: steps.length,
    };
  } finally {
    await app.stop();
  }
}
