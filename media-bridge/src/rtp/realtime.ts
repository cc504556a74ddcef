/**
 * Real-time scheduling for the media thread. A telephony media engine's clock must not wait behind other work
 * on its core: under the normal scheduler a kernel thread, another process or the hypervisor's own noise can hold
 * it for milliseconds, which shows up as send jitter and as packets read too late for their slot. SCHED_FIFO on
 * the main thread alone (`chrt -p` acts on one thread: the process id is the main thread's id) keeps the VAD
 * worker thread, already started, on the normal scheduler, and `--reset-on-fork` keeps threads and processes
 * made later (the thread pool, flite) off it too.
 *
 * Garbage collection. By default V8 hands part of every collection (concurrent marking and sweeping) to helper
 * threads on the normal scheduler, and the main thread waits for them. A busy SCHED_FIFO main thread starves
 * those helpers on a shared core, so it spins on GC tasks that repost themselves until the kernel's fair server
 * runs the starved threads in a burst of up to 50 ms, ahead of the media thread (measured: the bridge's CPU
 * per call doubled after an overload and stayed there, and its clock stalled 40–130 ms). So real-time priority is
 * applied only where the process runs with `--single-threaded-gc` (every collection on the main thread, in
 * small increments); `callgate start` adds the flag itself when the config asks for it.
 */
import { spawnSync } from 'node:child_process';
import type { Logger } from '@callgate/contracts';

/** What `applyRealtimePriority` did. */
export type RealtimeOutcome = { applied: true; priority: number } | { applied: false; reason: string };

/** the node flag a process on real-time priority needs (see the top of this file) */
export const SINGLE_THREADED_GC_FLAG = '--single-threaded-gc';

/** whether this process runs every collection on its main thread */
export function gcIsSingleThreaded(execArgv: readonly string[] = process.execArgv): boolean {
  return execArgv.some((a) => a === SINGLE_THREADED_GC_FLAG || a === '--single_threaded_gc');
}

/**
 * Puts this process's main thread on SCHED_FIFO at `priority` (1–99); 0 does nothing. Refused (with a warning)
 * unless the process runs with `--single-threaded-gc` (`singleThreadedGc` overrides the check). Never throws.
 */
export function applyRealtimePriority(priority: number, log?: Logger, singleThreadedGc = gcIsSingleThreaded()): RealtimeOutcome {
  if (priority === 0) return { applied: false, reason: 'off' };
  if (process.platform !== 'linux') return warn(log, priority, 'only on Linux');
  if (!singleThreadedGc) {
    return warn(log, priority, `node runs without ${SINGLE_THREADED_GC_FLAG}: its GC helper threads would starve behind the media thread (start it with \`callgate start\`, which adds the flag, or \`node ${SINGLE_THREADED_GC_FLAG}\`)`);
  }
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
