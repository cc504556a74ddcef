/** ansible-playbook and friends, run with the project's ansible.cfg, and the play recap they print. */
import { join } from 'node:path';
import { ANSIBLE_DIR } from './paths.js';
import { run, type RunResult } from './run.js';

export const ANSIBLE_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  ANSIBLE_CONFIG: join(ANSIBLE_DIR, 'ansible.cfg'),
  ANSIBLE_NOCOLOR: '1',
  ANSIBLE_FORCE_COLOR: '0',
  ANSIBLE_RETRY_FILES_ENABLED: '0',
  PY_COLORS: '0',
};

export function ansible(cmd: 'ansible-playbook' | 'ansible-lint' | 'ansible-inventory', args: string[]): Promise<RunResult> {
  return run(cmd, args, { cwd: ANSIBLE_DIR, env: ANSIBLE_ENV });
}

export interface HostRecap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
}

/** the PLAY RECAP lines: `host : ok=60 changed=0 unreachable=0 failed=0 skipped=17 …` */
export function playRecap(output: string): Map<string, HostRecap> {
  const recap = new Map<string, HostRecap>();
  const at = output.lastIndexOf('PLAY RECAP');
  if (at < 0) return recap;
  for (const line of output.slice(at).split('\n').slice(1)) {
    const m = /^(\S+)\s+:\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const counts = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)=(\d+)/g)].map((c) => [c[1], Number(c[2])]));
    recap.set(m[1] as string, { ok: counts.ok ?? 0, changed: counts.changed ?? 0, unreachable: counts.unreachable ?? 0, failed: counts.failed ?? 0, skipped: counts.skipped ?? 0 });
  }
  return recap;
}

/** names of the tasks that reported `changed` (for a useful message when idempotence fails) */
export function changedTasks(output: string): string[] {
  const names: string[] = [];
  let task = '';
  for (const line of output.split('\n')) {
    const t = /^(?:TASK|RUNNING HANDLER) \[(.+)\]/.exec(line);
    if (t) task = t[1] as string;
    else if (/^changed: /.test(line) && names[names.length - 1] !== task) names.push(task);
  }
  return names;
}
