#!/usr/bin/env node
// Checks a release tarball the way a host would use it: its checksum file matches; unpacked in a temporary
// directory it holds real directories for the workspaces, no development tools, and its own Node.js; its
// `bin/callgate check-config` accepts its default config; and smoke.mjs, run with the bundled Node.js, loads
// every service and native addon. `node scripts/package/verify-release.mjs release/callgate-…tar.gz`.
import { copyFileSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

/** environment for the release's commands: no CALLGATE_* overrides, no Node.js on PATH beyond the system's */
const cleanEnv = () => ({ PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' });

export function verifyRelease(tarball, { log = console.log } = {}) {
  const expected = readFileSync(`${tarball}.sha256`, 'utf8').split(/\s+/)[0];
  const actual = createHash('sha256').update(readFileSync(tarball)).digest('hex');
  if (expected !== actual) throw new Error(`${tarball}: sha256 ${actual} does not match its .sha256 (${expected})`);

  const tmp = mkdtempSync(join(tmpdir(), 'callgate-release-'));
  try {
    const untar = spawnSync('tar', ['-xzf', tarball, '-C', tmp], { stdio: 'inherit' });
    if (untar.status !== 0) throw new Error(`tar -xzf ${tarball} failed`);
    const name = basename(tarball).replace(/\.tar\.gz$/, '');
    const dir = join(tmp, name);
    for (const ws of readdirSync(join(dir, 'node_modules/@callgate'))) {
      if (lstatSync(join(dir, 'node_modules/@callgate', ws)).isSymbolicLink()) throw new Error(`node_modules/@callgate/${ws} is a symlink`);
    }
    for (const devOnly of ['typescript', 'eslint', 'vite', '@types']) {
      if (existsSync(join(dir, 'node_modules', devOnly))) throw new Error(`the release holds a development package: ${devOnly}`);
    }
    for (const f of ['node/bin/node', 'bin/callgate', 'callgate.yaml', 'systemd/callgate@.service', 'systemd/callgate.target', 'RELEASE.json', 'node_modules/@callgate/supervisor-dashboard/dist/web/index.html']) {
      if (!existsSync(join(dir, f))) throw new Error(`the release lacks ${f}`);
    }

    const check = spawnSync(join(dir, 'bin/callgate'), ['check-config', '--config', join(dir, 'callgate.yaml')], { cwd: tmp, env: cleanEnv(), encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`bin/callgate check-config failed (exit ${check.status}): ${check.stderr}${check.stdout}`);
    log(`check-config: ${check.stdout.trim()}`);

    copyFileSync(fileURLToPath(new URL('./smoke.mjs', import.meta.url)), join(dir, 'release-smoke.mjs'));
    const smoke = spawnSync(join(dir, 'node/bin/node'), [join(dir, 'release-smoke.mjs')], { cwd: dir, env: cleanEnv(), encoding: 'utf8', timeout: 120_000 });
    if (smoke.status !== 0) throw new Error(`the release's smoke check failed (exit ${smoke.status ?? smoke.signal}): ${smoke.stderr}${smoke.stdout}`);
    log(`smoke: ${smoke.stdout.trim().split('\n').pop()}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const tarball = process.argv[2];
  if (!tarball) {
    console.error('usage: node scripts/package/verify-release.mjs release/callgate-<version>-linux-x64.tar.gz');
    process.exit(2);
  }
  verifyRelease(tarball);
  console.log(`${tarball}: ok`);
}
