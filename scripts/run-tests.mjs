#!/usr/bin/env node
// Builds nothing: runs every compiled test file (*.test.js under each workspace's dist/ and the root dist/)
// with Node's own test runner. `node scripts/run-tests.mjs PATTERN` runs only files whose path contains PATTERN.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const roots = ['contracts', 'sip-gateway', 'media-bridge', 'agent-core', 'supervisor-dashboard', '.'].map((w) => join(root, w, 'dist'));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = [];
for (const r of roots) if (existsSync(r)) walk(r, files);
const filter = process.argv[2];
const selected = files
  .filter((f) => !f.includes(join('dist', 'node_modules')))
  .filter((f, i, all) => all.indexOf(f) === i)
  .filter((f) => !filter || f.includes(filter))
  .sort();
if (selected.length === 0) {
  console.error('run-tests: no compiled test files found; run `npm run build` first');
  process.exit(1);
}
console.log(`run-tests: ${selected.length} test files`);
// Node 20's --test-timeout bounds a whole file: the Ansible converge (a debootstrapped root, two playbook runs)
// gets its own, longer bound; every other file keeps 180 s
const slow = (f) => f.includes(join('dist', 'test', 'deploy') + '/');
const groups = [
  { files: selected.filter((f) => !slow(f)), timeout: 180_000 },
  { files: selected.filter(slow), timeout: 1_200_000 },
].filter((g) => g.files.length > 0);
let status = 0;
for (const g of groups) {
  const res = spawnSync(process.execPath, ['--test', '--test-concurrency=1', `--test-timeout=${g.timeout}`, '--test-reporter=spec', ...g.files.map((f) => relative(root, f))], {
    cwd: root,
    stdio: 'inherit',
  });
  if ((res.status ?? 1) !== 0) status = res.status ?? 1;
}
process.exit(status);
