/**
 * The converge test's target: a Debian bookworm root made with debootstrap (variant minbase, plus Python for
 * Ansible's modules), cached under CI_CACHE and built again only when missing; each converge works on a fresh
 * copy of it, so nothing leaks from one test run into the next. Services never start inside the copy: a
 * policy-rc.d forbids it. Downloaded .deb files are kept in the cache between runs, so a warm run needs no
 * package downloads.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { CI_CACHE } from './paths.js';
import { run, tail } from './run.js';

export const SUITE = 'bookworm';
const VARIANT = 'minbase';
/** what Ansible needs on a target (a real Debian host has them) */
const INCLUDE = ['python3', 'python3-apt'];
const COMPLETE = '.callgate-ci-complete';

/** the Debian mirror: CALLGATE_CI_DEBIAN_MIRROR, else the one this machine's apt uses */
export function debianMirror(): string {
  if (process.env.CALLGATE_CI_DEBIAN_MIRROR) return process.env.CALLGATE_CI_DEBIAN_MIRROR;
  const texts: string[] = [];
  for (const dir of ['/etc/apt/sources.list.d']) {
    if (existsSync(dir)) for (const f of readdirSync(dir)) if (/\.(sources|list)$/.test(f)) texts.push(readFileSync(join(dir, f), 'utf8'));
  }
  if (existsSync('/etc/apt/sources.list')) texts.push(readFileSync('/etc/apt/sources.list', 'utf8'));
  for (const text of texts) {
    // deb822: a stanza with URIs: …/debian and Suites: containing the suite
    for (const stanza of text.split(/\n\s*\n/)) {
      const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
      const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1]?.split(/\s+/) ?? [];
      if (uri && /\/debian\/?$/.test(uri) && suites.includes(SUITE)) return uri;
    }
    // one-line format: deb URI suite components
    for (const m of text.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian\/?)\s+(\S+)/gm)) if (m[2] === SUITE) return m[1] as string;
  }
  throw new Error(`no Debian ${SUITE} mirror in this machine's apt sources; set CALLGATE_CI_DEBIAN_MIRROR`);
}

export interface BaseRoot {
  path: string;
  /** seconds debootstrap took, or 0 when the cached root was used */
  builtSeconds: number;
}

/** the cached base root, made with debootstrap when missing */
export async function baseRoot(log: (msg: string) => void): Promise<BaseRoot> {
  const key = createHash('sha256').update(JSON.stringify({ SUITE, VARIANT, INCLUDE, arch: process.arch })).digest('hex').slice(0, 12);
  const path = join(CI_CACHE, `${SUITE}-${key}`);
  if (existsSync(join(path, COMPLETE))) return { path, builtSeconds: 0 };
  mkdirSync(CI_CACHE, { recursive: true });
  rmSync(path, { recursive: true, force: true });
  const building = `${path}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  const mirror = debianMirror();
  log(`debootstrap ${SUITE} (${VARIANT}) from ${mirror} into ${building}`);
  const r = await run('debootstrap', [`--variant=${VARIANT}`, `--include=${INCLUDE.join(',')}`, SUITE, building, mirror]);
  if (r.code !== 0) {
    rmSync(building, { recursive: true, force: true });
    throw new Error(`debootstrap failed (exit ${r.code}):\n${tail(r.output)}`);
  }
  // its .deb files are installed already; the package lists stay (apt needs them)
  await run('chroot', [building, 'apt-get', 'clean']);
  writeFileSync(join(building, COMPLETE), `${new Date().toISOString()} ${mirror}\n`);
  renameSync(building, path);
  return { path, builtSeconds: r.seconds };
}

const ARCHIVES = 'var/cache/apt/archives';
const WORK_DIR = '/var/tmp';
const WORK_PREFIX = 'callgate-converge-';

/** roots left behind by a test process that no longer runs (stopped before its clean-up) */
function removeAbandonedRoots(): void {
  for (const name of readdirSync(WORK_DIR).filter((n) => n.startsWith(WORK_PREFIX))) {
    const pidFile = join(WORK_DIR, name, 'owner.pid');
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
    let alive = false;
    try {
      if (pid > 0) alive = process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (!alive) rmSync(join(WORK_DIR, name), { recursive: true, force: true });
  }
}
const debCache = () => join(CI_CACHE, 'apt-archives');

/**
 * A fresh copy of the base root at a new temporary path, made ready to converge: services may not start
 * (policy-rc.d), names resolve (this machine's resolv.conf), and the cached .deb files are in apt's archive.
 */
export async function freshRoot(base: string): Promise<string> {
  removeAbandonedRoots();
  const parent = mkdtempSync(join(WORK_DIR, WORK_PREFIX));
  writeFileSync(join(parent, 'owner.pid'), `${process.pid}\n`);
  const root = join(parent, 'root');
  const r = await run('cp', ['-a', base, root]);
  if (r.code !== 0) throw new Error(`cp -a ${base} ${root} failed:\n${tail(r.output)}`);
  rmSync(join(root, COMPLETE), { force: true });
  const policy = join(root, 'usr/sbin/policy-rc.d');
  writeFileSync(policy, '#!/bin/sh\n# converge test: no service starts inside this root\nexit 101\n');
  chmodSync(policy, 0o755);
  copyFileSync('/etc/resolv.conf', join(root, 'etc/resolv.conf'));
  if (existsSync(debCache())) for (const f of readdirSync(debCache())) if (f.endsWith('.deb')) copyFileSync(join(debCache(), f), join(root, ARCHIVES, f));
  return root;
}

/** keeps the .deb files a converge downloaded for the next run; returns how many were new */
export function keepDownloadedDebs(root: string): number {
  mkdirSync(debCache(), { recursive: true });
  let added = 0;
  for (const f of readdirSync(join(root, ARCHIVES))) {
    if (!f.endsWith('.deb') || existsSync(join(debCache(), f))) continue;
    copyFileSync(join(root, ARCHIVES, f), join(debCache(), `${f}.part`));
    renameSync(join(debCache(), `${f}.part`), join(debCache(), f));
    added++;
  }
  return added;
}

/** removes a root made by freshRoot (its temporary parent directory included) */
export function removeRoot(root: string): void {
  rmSync(join(root, '..'), { recursive: true, force: true });
}
