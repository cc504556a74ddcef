/**
 * Starts a real appliance (`node bin/callgate.js start --config FILE`) for a test file, waits for its
 * "callgate ready" log line and stops it with SIGTERM. Every child is SIGKILLed if the test process exits first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig, writeConfig, type TestConfigOptions } from './config.js';
import { cliPath, repoRoot } from './paths.js';
import type { PortPlan } from './ports.js';

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export const READY_MARK = '"msg":"callgate ready"';

export interface ApplianceOptions extends TestConfigOptions {
  /** how long to wait for the ready line */
  readyTimeoutMs?: number;
}

export class Appliance {
  readonly lines: string[] = [];
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  private readonly exited: Promise<void>;

  private constructor(
    readonly child: ChildProcess,
    readonly ports: PortPlan,
    readonly configPath: string,
    readonly dir: string,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        live.delete(child);
        resolve();
      });
    });
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        partial += chunk;
        const parts = partial.split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) this.pushLine(line);
      });
    }
  }

  private pushLine(line: string): void {
    this.lines.push(line);
    if (this.lines.length > 2000) this.lines.splice(0, this.lines.length - 2000);
  }

  get running(): boolean {
    return this.exitCode === null && this.exitSignal === null;
  }

  get sipTarget(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.ports.sip };
  }

  get metricsUrl(): string {
    return `http://127.0.0.1:${this.ports.metrics}/metrics`;
  }

  logTail(n = 40): string {
    return this.lines.slice(-n).join('\n');
  }

  /** log lines (parsed JSON where possible) that contain `needle` */
  logsMatching(needle: string): string[] {
    return this.lines.filter((l) => l.includes(needle));
  }

  static async start(opts: ApplianceOptions): Promise<Appliance> {
    installExitHook();
    const dir = mkdtempSync(join(tmpdir(), 'callgate-sipp-'));
    const configPath = writeConfig(dir, buildConfig(opts));
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CALLGATE_') && !k.startsWith('NODE_TEST')) env[k] = v;
    const child = spawn(process.execPath, [cliPath, 'start', '--config', configPath], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    const app = new Appliance(child, opts.ports, configPath, dir);
    const timeoutMs = opts.readyTimeoutMs ?? 20_000;
    try {
      await app.waitForLog(READY_MARK, timeoutMs);
    } catch (err) {
      await app.stop(2000);
      throw new Error(`appliance did not become ready (${(err as Error).message}); config ${configPath}; log tail:\n${app.logTail()}`);
    }
    return app;
  }

  /** resolves when a log line containing `needle` appears (also among earlier lines) */
  waitForLog(needle: string, timeoutMs: number): Promise<string> {
    const found = this.lines.find((l) => l.includes(needle));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onData = (): void => {
        const hit = this.lines.find((l) => l.includes(needle));
        if (hit) finish(null, hit);
      };
      const onExit = (): void => finish(new Error(`exited with code ${this.exitCode} signal ${this.exitSignal} before logging ${needle}`));
      const timer = setTimeout(() => finish(new Error(`no log line with ${needle} within ${timeoutMs} ms`)), timeoutMs);
      const finish = (err: Error | null, line?: string): void => {
        clearTimeout(timer);
        this.child.stdout?.off('data', onData);
        this.child.stderr?.off('data', onData);
        this.child.off('exit', onExit);
        if (err) reject(err);
        else resolve(line ?? '');
      };
      // listeners registered after the line splitter, so `lines` is up to date when they run
      this.child.stdout?.on('data', onData);
      this.child.stderr?.on('data', onData);
      this.child.once('exit', onExit);
    });
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves with the exit code (null when killed by a signal) */
  async stop(timeoutMs = 5000): Promise<number | null> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exitCode;
  }
}
