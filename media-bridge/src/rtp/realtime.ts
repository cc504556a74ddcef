/**
 * Real-time scheduling for the media thread. A telephony media engine's clock must not wait behind other work
 * on its core: under the normal scheduler a kernel thread, another process or the hypervisor's own noise can hold
 * it for milliseconds, which shows up as send jitter and as packets read too late for their slot. SCHED_FIFO on
 * the main thread alone (`chrt -p` acts on one thread: the process id is the main thread's id) keeps the VAD
 * worker thread, already started, on the normal scheduler, and `--reset-on-fork` keeps threads and processes
 * made later (the thread pool, flite) off it too.
 */
import { spawnSync } from 'node:child_process';
import type { Logger } from '@callgate/contracts';

/** What `applyRealtimePriority` did. */
export type RealtimeOutcome = { applied: true; priority: number } | { applied: false; reason: string };

/** Puts this process's main thread on SCHED_FIFO at `priority` (1–99); 0 does nothing. Never throws. */
export function applyRealtimePriority(priority: number, log?: Logger): RealtimeOutcome {
  if (priority === 0) return { applied: false, reason: 'off' };
  if (process.platform !== 'linux') return warn(log, priority, 'only on Linux');
  const r = spawnSync('chrt', ['--fifo', '--reset-on-fork', '--pid', String(priority), String(process.pid)], { encoding: 'utf8' });
  if (r.error) return warn(log, priority, `chrt (util-linux) could not run: ${r.error.message}`);
  if (r.status !== 0) return warn(log, priority, (r.stderr || `chrt exited ${r.status}`).trim());
  log?.info('media: media thread on SCHED_FIFO', { priority });
  return { applied: true, priority };
}

function warn(log: Logger | undefined, priority: number, reason: string): RealtimeOutcome {
  log?.warn('media: real-time priority refused; the media thread stays on the normal scheduler', { priority, reason });
  return { applied: false, reason };
}
