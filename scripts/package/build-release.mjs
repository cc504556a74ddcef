#!/usr/bin/env node
// `npm run package`: builds the self-contained release tarball release/callgate-<version>-linux-x64.tar.gz —
// the Node.js runtime, the built code, the production dependencies (native addons as built here, for linux x64),
// the default config and the systemd units — with its .sha256 file and release/SHA256SUMS, then unpacks it in a
// temporary directory and checks it there (see verify-release.mjs). A host needs neither npm nor network access.
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { productionPackages } from './production-packages.mjs';
import { prune } from './prune.mjs';
import { verifyRelease } from './verify-release.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));
const started = Date.now();
const step = (msg) => console.log(`[package] ${((Date.now() - started) / 1000).toFixed(1)}s ${msg}`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
  return r;
}

if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error('the release is built on linux x64 (its native addons are built here)');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const name = `callgate-${pkg.version}-linux-x64`;
const releaseDir = join(ROOT, 'release');
const stage = join(releaseDir, 'stage', name);

// 1. build: TypeScript (incremental); the supervisor page (Vite) is built by scripts/setup.sh and must be current
step('building');
run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b']);
const webSources = join(ROOT, 'supervisor-dashboard/web');
const webBuilt = join(ROOT, 'supervisor-dashboard/dist/web/index.html');
if (existsSync(webSources)) {
  const newest = (p) => (statSync(p).isDirectory() ? Math.max(0, ...readdirSync(p).filter((f) => !f.startsWith('dev')).map((f) => newest(join(p, f)))) : statSync(p).mtimeMs);
  if (!existsSync(webBuilt) || newest(webSources) > statSync(webBuilt).mtimeMs) {
    throw new Error('the supervisor page (supervisor-dashboard/dist/web) is missing or older than its sources: run `npm run setup` first');
  }
}

// 2. stage
step(`staging ${relative(ROOT, stage)}`);
rmSync(join(releaseDir, 'stage'), { recursive: true, force: true });
mkdirSync(stage, { recursive: true });

/** compiled code only: no tests, declarations, build info */
const isRuntimeFile = (src) => {
  const base = src.split('/').pop();
  if (statSync(src).isDirectory()) return true;
  return !/\.test\.js(\.map)?$|\.d\.ts(\.map)?$|\.tsbuildinfo$/.test(base);
};

// the runtime: this very Node.js binary (a standalone executable that needs only glibc and libstdc++)
mkdirSync(join(stage, 'node/bin'), { recursive: true });
copyFileSync(process.execPath, join(stage, 'node/bin/node'));
chmodSync(join(stage, 'node/bin/node'), 0o755);

// the root composition and the command
cpSync(join(ROOT, 'dist/src'), join(stage, 'dist/src'), { recursive: true, filter: isRuntimeFile });
mkdirSync(join(stage, 'bin'));
copyFileSync(join(ROOT, 'bin/callgate.js'), join(stage, 'bin/callgate.js'));
copyFileSync(join(HERE, 'launcher.sh'), join(stage, 'bin/callgate'));
chmodSync(join(stage, 'bin/callgate'), 0o755);
copyFileSync(join(ROOT, 'callgate.yaml'), join(stage, 'callgate.yaml'));
const { name: pkgName, version, description, type, license, engines } = pkg;
writeFileSync(join(stage, 'package.json'), `${JSON.stringify({ name: pkgName, version, description, private: true, type, license, engines }, null, 2)}\n`);
cpSync(join(HERE, 'systemd'), join(stage, 'systemd'), { recursive: true });

// the workspaces, as real directories under node_modules/@callgate (the development tree links them there)
const { workspaces, packages } = productionPackages(ROOT);
/** what a workspace needs at run time besides package.json and dist/ */
const WORKSPACE_EXTRAS = { 'agent-core': ['agents', 'python'] };
for (const ws of workspaces) {
  const dest = join(stage, 'node_modules', ws.name);
  mkdirSync(dest, { recursive: true });
  const wsPkg = JSON.parse(readFileSync(join(ROOT, ws.dir, 'package.json'), 'utf8'));
  delete wsPkg.devDependencies;
  delete wsPkg.scripts;
  writeFileSync(join(dest, 'package.json'), `${JSON.stringify(wsPkg, null, 2)}\n`);
  cpSync(join(ROOT, ws.dir, 'dist'), join(dest, 'dist'), { recursive: true, filter: isRuntimeFile });
  for (const extra of WORKSPACE_EXTRAS[ws.dir] ?? []) {
    cpSync(join(ROOT, ws.dir, extra), join(dest, extra), { recursive: true, filter: (src) => !src.includes('__pycache__') });
  }
}
// the default config names its agent flows relative to the working directory (agent-core/agents/…)
cpSync(join(ROOT, 'agent-core/agents'), join(stage, 'agent-core/agents'), { recursive: true });

// the production dependencies, then what never loads on linux x64
// (a package's own nested node_modules are lockfile entries of their own, copied only when not dev-only)
for (const p of packages) {
  const from = join(ROOT, p.from);
  cpSync(from, join(stage, p.to), { recursive: true, verbatimSymlinks: true, filter: (src) => !src.slice(from.length).includes('/node_modules') });
}
const freed = prune(join(stage, 'node_modules'));
step(`${packages.length} production packages staged (${(freed / 2 ** 20).toFixed(0)} MiB pruned)`);

const commit = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() || 'unknown';
writeFileSync(join(stage, 'RELEASE.json'), `${JSON.stringify({ name, version, platform: 'linux-x64', node: process.version, commit }, null, 2)}\n`);

// 3. the tarball: deterministic order and ownership
step('writing the tarball');
const tarball = join(releaseDir, `${name}.tar.gz`);
rmSync(tarball, { force: true });
const mtime = spawnSync('git', ['log', '-1', '--format=%ct'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim();
run('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', ...(mtime ? [`--mtime=@${mtime}`] : []), '-C', dirname(stage), '-cf', `${tarball}.tmp`, '--use-compress-program=gzip -n -6', name]);
renameSync(`${tarball}.tmp`, tarball);
rmSync(join(releaseDir, 'stage'), { recursive: true, force: true });

// 4. checksums
const sha256 = createHash('sha256').update(readFileSync(tarball)).digest('hex');
const line = `${sha256}  ${name}.tar.gz\n`;
writeFileSync(`${tarball}.sha256`, line);
const sumsPath = join(releaseDir, 'SHA256SUMS');
const others = existsSync(sumsPath)
  ? readFileSync(sumsPath, 'utf8').split('\n').filter((l) => l && !l.endsWith(`  ${name}.tar.gz`) && existsSync(join(releaseDir, l.split('  ')[1] ?? '')))
  : [];
writeFileSync(sumsPath, [...others, line.trim()].sort((a, b) => a.split('  ')[1].localeCompare(b.split('  ')[1])).join('\n') + '\n');
step(`${relative(ROOT, tarball)}: ${(statSync(tarball).size / 2 ** 20).toFixed(1)} MiB, sha256 ${sha256}`);

// 5. unpack it elsewhere and check it
step('verifying');
verifyRelease(tarball, { log: (m) => step(m) });
step(`done: ${relative(ROOT, tarball)} (${readdirSync(releaseDir).filter((f) => f.startsWith(name)).join(', ')})`);
