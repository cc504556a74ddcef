import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { applyRealtimePriority, gcIsSingleThreaded, SINGLE_THREADED_GC_FLAG } from './realtime.js';

/**
 * In a child process (its scheduling must not leak into the test runner): a worker thread starts, then the main
 * thread asks for SCHED_FIFO; the child reports the outcome and each thread's policy (field 41 of its stat).
 */
const child = `
import { Worker } from 'node:worker_threads';
import { readFileSync, readdirSync } from 'node:fs';
const { applyRealtimePriority } = await import(process.argv[1]);
const w = new Worker('setInterval(() => {}, 1000)', { eval: true });
await new Promise((r) => w.once('online', r));
const outcome = applyRealtimePriority(7);
const policy = (tid) => Number(readFileSync('/proc/self/task/' + tid + '/stat', 'utf8').split(') ')[1].split(' ')[38]);
const threads = readdirSync('/proc/self/task').map((tid) => ({ tid: Number(tid), policy: policy(tid) }));
console.log(JSON.stringify({ outcome, pid: process.pid, threads }));
process.exit(0);
`;

test('priority 0 leaves the scheduler alone', () => {
  assert.deepEqual(applyRealtimePriority(0), { applied: false, reason: 'off' });
});

test('refused without single-threaded GC, naming the flag; the flag is recognised in execArgv', (t) => {
  if (process.platform !== 'linux') return t.skip('Linux only');
  const outcome = applyRealtimePriority(7, undefined, false);
  assert.equal(outcome.applied, false);
  assert.match((outcome as { reason: string }).reason, new RegExp(SINGLE_THREADED_GC_FLAG));
  assert.equal(gcIsSingleThreaded(['--single-threaded-gc']), true);
  assert.equal(gcIsSingleThreaded(['--max-old-space-size=512']), false);
});

test('the main thread alone goes on SCHED_FIFO, a worker started before stays on the normal scheduler; refusal is reported, not thrown', (t) => {
  if (process.platform !== 'linux') return t.skip('Linux only');
  const r = spawnSync(process.execPath, [SINGLE_THREADED_GC_FLAG, '--input-type=module', '-e', child, new URL('./realtime.js', import.meta.url).href], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { outcome: { applied: boolean }; pid: number; threads: Array<{ tid: number; policy: number }> };
  const main = out.threads.find((th) => th.tid === out.pid)!;
  const others = out.threads.filter((th) => th.tid !== out.pid);
  assert.ok(others.length > 0);
  if (!out.outcome.applied) {
    t.diagnostic(`not permitted here: ${JSON.stringify(out.outcome)}`);
    assert.equal(main.policy, 0);
    return;
  }
  assert.equal(main.policy, 1, 'SCHED_FIFO');
  assert.ok(others.every((th) => th.policy === 0), `other threads: ${JSON.stringify(others)}`);
});
