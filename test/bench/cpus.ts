/** Which CPUs this process may run on (Linux `Cpus_allowed_list`), for the bench's pinning report; its threads' CPU time. */
import { readdirSync, readFileSync } from 'node:fs';

export function cpusAllowed(): string {
  try {
    const line = readFileSync('/proc/self/status', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Cpus_allowed_list:'));
    return line ? line.split(':')[1]!.trim() : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** user + system CPU of each of this process's threads, ms (empty where /proc is missing) */
export function threadsCpuMs(): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      // fields from the state (3rd of stat): utime is the 14th of stat, stime the 15th, in clock ticks (100 Hz)
      out[`${tid}:${name}`] = (Number(fields[11]) + Number(fields[12])) * 10;
    }
  } catch {
    // not Linux: no breakdown
  }
  return out;
}
