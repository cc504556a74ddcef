/**
 * What the roles declare and what the inventories document: every role default must be documented (with a
 * `# default:` line) in the group_vars of each inventory the role runs in, and group_vars may document only
 * variables some role (or a playbook) reads.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ANSIBLE_DIR } from './paths.js';

/** variables read by playbooks rather than roles (the rolling upgrade's batch sizes) */
export const PLAYBOOK_VARIABLES = ['callgate_upgrade_canary', 'callgate_upgrade_batch'];

export function roleNames(): string[] {
  return readdirSync(join(ANSIBLE_DIR, 'roles')).sort();
}

/** the variables a role's defaults/main.yml declares */
export function roleDefaults(role: string): string[] {
  const file = join(ANSIBLE_DIR, 'roles', role, 'defaults', 'main.yml');
  if (!existsSync(file)) return [];
  return Object.keys((parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null) ?? {});
}

export interface Documented {
  /** variable → the file documenting it */
  variables: Map<string, string>;
  /** variables written without a `# default:` comment in the lines above them */
  withoutDefault: string[];
}

/** variables named in an inventory's group_vars, set (`name: value`) or shown commented (`# name: value`) */
export function documentedVariables(inventory: string): Documented {
  const dir = join(ANSIBLE_DIR, 'inventories', inventory, 'group_vars');
  const variables = new Map<string, string>();
  const withoutDefault: string[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, f.name);
      if (f.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(f.name)) {
        const lines = readFileSync(p, 'utf8').split('\n');
        lines.forEach((line, i) => {
          // set: any name at column 0; shown commented: only names with a role's prefix (not prose ending in a colon)
          const m = /^([a-z][a-z0-9_]*):(?:\s|$)/.exec(line) ?? /^# ((?:callgate|common|tls|redis|mongodb|drachtio|firewall|monitoring)_[a-z0-9_]+):(?:\s|$)/.exec(line);
          if (!m) return;
          const name = m[1] as string;
          if (variables.has(name)) return;
          variables.set(name, p);
          // the block of comment lines right above must hold the default
          let j = i - 1;
          let found = false;
          while (j >= 0 && lines[j]!.startsWith('#')) if (/^# default: /.test(lines[j--]!)) found = true;
          if (!found) withoutDefault.push(name);
        });
      }
    }
  };
  walk(dir);
  return { variables, withoutDefault };
}

interface Play {
  hosts: string;
  roles?: Array<string | { role: string }>;
}

/** role → the host patterns site.yml applies it to */
export function siteRoles(): Map<string, string[]> {
  const plays = parse(readFileSync(join(ANSIBLE_DIR, 'site.yml'), 'utf8')) as Play[];
  const out = new Map<string, string[]>();
  for (const play of plays) {
    for (const r of play.roles ?? []) {
      const name = typeof r === 'string' ? r : r.role;
      out.set(name, [...(out.get(name) ?? []), ...play.hosts.split(':')]);
    }
  }
  return out;
}

interface Task {
  name?: string;
  when?: string | string[];
  block?: Task[];
  [module: string]: unknown;
}

/** every task and handler of every role, with the file it is in */
export function roleTasks(): Array<{ file: string; task: Task }> {
  const out: Array<{ file: string; task: Task }> = [];
  for (const role of roleNames()) {
    for (const kind of ['tasks', 'handlers']) {
      const dir = join(ANSIBLE_DIR, 'roles', role, kind);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.yml'))) {
        const flat = (tasks: Task[]): Task[] => tasks.flatMap((t) => (t.block ? [t, ...flat(t.block)] : [t]));
        for (const task of flat((parse(readFileSync(join(dir, f), 'utf8')) as Task[] | null) ?? [])) out.push({ file: `roles/${role}/${kind}/${f}`, task });
      }
    }
  }
  return out;
}
