/**
 * `callgate start` with the media bridge on real-time priority (`media.realtimePriority` > 0) needs node's
 * `--single-threaded-gc` (media-bridge/src/rtp/realtime.ts says why). A node flag cannot be turned on in a
 * running process, so the command starts itself again with it: the first process only passes signals on and
 * exits with the second one's status.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { gcIsSingleThreaded, SINGLE_THREADED_GC_FLAG } from '@callgate/media-bridge';

/** whether this start must run again with the flag */
export function needsSingleThreadedGc(services: readonly string[], realtimePriority: number, execArgv: readonly string[] = process.execArgv): boolean {
  return services.includes('media-bridge') && realtimePriority > 0 && !gcIsSingleThreaded(execArgv);
}

/** Runs this same command again under `node --single-threaded-gc`; resolves to its exit status. */
export function rerunWithSingleThreadedGc(): Promise<number> {
  const child = spawn(process.execPath, [SINGLE_THREADED_GC_FLAG, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const s of signals) process.on(s, forward);
  return new Promise((resolve) => {
    child.once('error', (err) => {
      console.error(`callgate: could not start again with ${SINGLE_THREADED_GC_FLAG}: ${err.message}`);
      resolve(1);
    });
    child.once('exit', (code, signal) => {
      for (const s of signals) process.off(s, forward);
      resolve(code ?? (signal ? 128 + constants.signals[signal] : 1));
    });
  });
}

