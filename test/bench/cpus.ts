/** Which CPUs this process may run on (Linux `Cpus_allowed_list`), for the bench's pinning report. */
import { readFileSync } from 'node:fs';

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
