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
const res = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=180000', '--test-reporter=spec', ...selected.map((f) => relative(root, f))], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(res.status ?? 1);
