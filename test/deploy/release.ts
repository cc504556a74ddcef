/** The release tarball the callgate role installs: reused when newer than everything it is built from. */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths.js';
import { run, tail } from './run.js';

export function releasePath(): string {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  return join(ROOT, 'release', `callgate-${version}-linux-x64.tar.gz`);
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((f) => newestMtime(join(path, f))));
}

/** what a release is built from: the build outputs (their build info changes with every rebuild) and inputs */
function newestInput(): number {
  const buildInfo = ['contracts', 'sip-gateway', 'media-bridge', 'agent-core', 'supervisor-dashboard', '.'].flatMap((w) => {
    const dist = join(ROOT, w, 'dist');
    return existsSync(dist) ? readdirSync(dist).filter((f) => f.endsWith('.tsbuildinfo')).map((f) => join(dist, f)) : [];
  });
  return Math.max(...[...buildInfo, 'package-lock.json', 'callgate.yaml', 'bin/callgate.js', 'scripts/package', 'supervisor-dashboard/dist'].map((p) => newestMtime(p.startsWith('/') ? p : join(ROOT, p))));
}

/** the tarball, built with `npm run package` unless a fresh one exists; `built` says which */
export async function ensureRelease(): Promise<{ path: string; built: boolean; seconds: number }> {
  const path = releasePath();
  if (existsSync(path) && existsSync(`${path}.sha256`) && statSync(path).mtimeMs > newestInput()) return { path, built: false, seconds: 0 };
  const r = await run('npm', ['run', 'package'], { cwd: ROOT });
  if (r.code !== 0) throw new Error(`npm run package failed (exit ${r.code}):\n${tail(r.output)}`);
  return { path, built: true, seconds: r.seconds };
}
