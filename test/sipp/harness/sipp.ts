/**
 * Runs SIPp (one process per scenario run) in a fresh temp directory: the scenario is copied there, the μ-law
 * stream file is written there, and every trace file (messages, errors, <log> actions, screen, stats, rtt) lands
 * there under a fixed name. SIPp is always bounded by -timeout (+ -timeout_error) and a kill timer.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenariosDir, sippBinary } from './paths.js';
import { toneUlaw } from './tone.js';
import { parseSippMessages, type TracedMessage } from './sip-trace.js';

export interface SippOptions {
  /** file name under test/sipp/scenarios, or an absolute path */
  scenario: string;
  target: { host: string; port: number };
  transport?: 'udp' | 'tcp';
  /** -s: the user part of the Request-URI (the dialed number) */
  service?: string;
  /** -key name value: [name] in the scenario */
  keys?: Record<string, string | number>;
  /** -mp: SIPp's media port (rtp_stream sends from it) */
  mediaPort: number;
  /** -p: SIPp's SIP port (0/undefined: SIPp picks one) */
  localPort?: number;
  /** -m (default 1) */
  calls?: number;
  /** -r and -rp */
  rate?: number;
  ratePeriodMs?: number;
  /** -l */
  limit?: number;
  /** -timeout in seconds (default 20); reaching it counts as a failure */
  timeoutS?: number;
  /** -recv_timeout in ms (default 10000) */
  recvTimeoutMs?: number;
  /** -au/-ap for [authentication] */
  auth?: { username: string; password: string };
  /** write tone.ulaw (2 s of 440 Hz) beside the scenario for rtp_stream */
  toneFile?: boolean;
  /** more files to write beside the scenario (name → bytes), e.g. a μ-law speech stream for rtp_stream */
  files?: Record<string, Buffer>;
  /** -trace_msg (default true; off for load) */
  traceMessages?: boolean;
  /** -trace_stat into stat.csv every `statFreqS` seconds and -trace_rtt into rtt.csv */
  traceStats?: { statFreqS?: number; rttFreq?: number };
  extraArgs?: string[];
}

export interface SippResult {
  /** SIPp's exit status: 0 = every call succeeded, 1 = at least one failed, other = fatal */
  code: number | null;
  signal: NodeJS.Signals | null;
  dir: string;
  args: string[];
  messages: TracedMessage[];
  /** -trace_err file: unexpected messages and errors */
  errors: string;
  /** <log> action output */
  logs: string;
  /** the final statistics screen */
  screen: string;
  stdout: string;
  durationMs: number;
}

export interface SippRun {
  readonly dir: string;
  readonly done: Promise<SippResult>;
  /** polls SIPp's <log> action file for a line containing `needle` */
  waitForLog(needle: string, timeoutMs: number): Promise<void>;
  kill(): void;
}

function readIf(path: string): string {
  return existsSync(path) ? readFileSync(path, 'latin1') : '';
}

/** run folders of SIPp runs that succeeded; removed when the test process exits (failed runs stay, for debugging) */
const cleanOnExit = new Set<string>();
process.once('exit', () => {
  if (process.env.CALLGATE_KEEP_SIPP_RUNS) return;
  for (const d of cleanOnExit) rmSync(d, { recursive: true, force: true });
});

/**
 * What a finished SIPp run left in its folder, as a result; a run that succeeded has its folder removed when
 * this process exits (failed runs stay, for debugging). Shared by this runner and `npm run call`'s.
 */
export function collectSippResult(run: { dir: string; args: string[]; stdout: string; startedAt: number }, code: number | null, signal: NodeJS.Signals | null): SippResult {
  const { dir } = run;
  if (code === 0) cleanOnExit.add(dir);
  return {
    code,
    signal,
    dir,
    args: run.args,
    messages: parseSippMessages(readIf(join(dir, 'messages.log'))),
    errors: readIf(join(dir, 'errors.log')),
    logs: readIf(join(dir, 'actions.log')),
    screen: readIf(join(dir, 'screen.log')),
    stdout: run.stdout,
    durationMs: Date.now() - run.startedAt,
  };
}

export function startSipp(o: SippOptions): SippRun {
  const dir = mkdtempSync(join(tmpdir(), 'callgate-sipp-run-'));
  const scenarioSrc = o.scenario.startsWith('/') ? o.scenario : join(scenariosDir, o.scenario);
  copyFileSync(scenarioSrc, join(dir, 'scenario.xml'));
  if (o.toneFile) writeFileSync(join(dir, 'tone.ulaw'), toneUlaw(2, 440));
  for (const [name, bytes] of Object.entries(o.files ?? {})) writeFileSync(join(dir, name), bytes);
  const timeoutS = o.timeoutS ?? 20;
  const args = [
    `${o.target.host}:${o.target.port}`,
    '-sf', 'scenario.xml',
    '-t', o.transport === 'tcp' ? 't1' : 'u1',
    '-i', '127.0.0.1',
    '-mi', '127.0.0.1',
    '-mp', String(o.mediaPort),
    '-s', o.service ?? '1000',
    '-m', String(o.calls ?? 1),
    '-timeout', `${timeoutS}s`,
    '-timeout_error',
    '-recv_timeout', String(o.recvTimeoutMs ?? 10_000),
    '-nostdin',
    '-trace_err', '-error_file', 'errors.log',
    '-trace_logs', '-log_file', 'actions.log',
    '-trace_screen', '-screen_file', 'screen.log',
  ];
  if (o.localPort) args.push('-p', String(o.localPort));
  if (o.traceMessages !== false) args.push('-trace_msg', '-message_file', 'messages.log');
  if (o.rate !== undefined) args.push('-r', String(o.rate));
  if (o.ratePeriodMs !== undefined) args.push('-rp', String(o.ratePeriodMs));
  if (o.limit !== undefined) args.push('-l', String(o.limit));
  if (o.auth) args.push('-au', o.auth.username, '-ap', o.auth.password);
  if (o.traceStats) {
    args.push('-trace_stat', '-stf', 'stat.csv', '-fd', `${o.traceStats.statFreqS ?? 1}s`);
    args.push('-trace_rtt', '-rtt_freq', String(o.traceStats.rttFreq ?? 1));
  }
  for (const [k, v] of Object.entries(o.keys ?? {})) args.push('-key', k, String(v));
  args.push(...(o.extraArgs ?? []));

  const started = Date.now();
  const child = spawn(sippBinary, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.setEncoding('latin1');
  child.stderr.setEncoding('latin1');
  child.stdout.on('data', (d: string) => {
    stdout += d;
    if (stdout.length > 200_000) stdout = stdout.slice(-100_000);
  });
  child.stderr.on('data', (d: string) => {
    stdout += d;
  });
  // hard stop: SIPp's own -timeout plus a margin
  const killer = setTimeout(() => child.kill('SIGKILL'), (timeoutS + 15) * 1000);
  const onExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', onExit);

  const done = new Promise<SippResult>((resolve, reject) => {
    child.once('error', (err) => {
      clearTimeout(killer);
      process.off('exit', onExit);
      reject(new Error(`cannot run ${sippBinary}: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      process.off('exit', onExit);
      resolve(collectSippResult({ dir, args, stdout, startedAt: started }, code, signal));
    });
  });

  return {
    dir,
    done,
    kill: () => child.kill('SIGKILL'),
    waitForLog: async (needle, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (readIf(join(dir, 'actions.log')).includes(needle)) return;
        if (child.exitCode !== null || child.signalCode !== null) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`SIPp (${o.scenario}) logged no "${needle}" within ${timeoutMs} ms`);
    },
  };
}

export function runSipp(o: SippOptions): Promise<SippResult> {
  return startSipp(o).done;
}

/** a compact description of a run for assertion messages */
export function describeRun(r: SippResult, appLog?: string): string {
  const flow = r.messages.map((m) => `${m.direction === 'sent' ? '>>' : '<<'} ${m.firstLine}`).join('\n');
  return [
    `sipp exit ${r.code}${r.signal ? ` (${r.signal})` : ''} in ${r.durationMs} ms, dir ${r.dir}`,
    `message flow:\n${flow || '(none)'}`,
    r.errors ? `errors.log:\n${r.errors.slice(-3000)}` : '',
    r.code !== 0 && !r.errors ? `stdout tail:\n${r.stdout.slice(-1500)}` : '',
    appLog ? `appliance log tail:\n${appLog}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}
