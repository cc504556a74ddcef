/** Runs a command without blocking the test runner, and keeps its output (stdout and stderr interleaved). */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface RunResult {
  code: number | null;
  output: string;
  seconds: number;
}

/** commands still running: stopped with this process when the test runner stops it (a timeout, Ctrl-C) */
const live = new Set<ChildProcess>();
let signalsHooked = false;

function stopChildrenOnSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    process.once(signal, () => {
      for (const child of live) child.kill('SIGTERM');
      process.exit(code);
    });
  }
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<RunResult> {
  const started = Date.now();
  stopChildrenOnSignals();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    live.add(child);
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => chunks.push(b));
    child.stderr?.on('data', (b: Buffer) => chunks.push(b));
    child.on('error', (err) => {
      live.delete(child);
      reject(err);
    });
    child.on('close', (code) => live.delete(child) && resolve({ code, output: Buffer.concat(chunks).toString('utf8'), seconds: (Date.now() - started) / 1000 }));
    if (child.stdin) {
      child.stdin.on('error', () => {}); // a command may exit before reading its input
      child.stdin.end(opts.input);
    }
  });
}

/** the last `lines` lines of a command's output, for assertion messages */
export function tail(output: string, lines = 60): string {
  return output.trimEnd().split('\n').slice(-lines).join('\n');
}

/** whether an executable is on PATH */
export function onPath(cmd: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}
