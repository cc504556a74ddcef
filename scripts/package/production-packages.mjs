// The production dependency tree of the workspace install, read from package-lock.json: every installed package
// that is not dev-only, with the place it takes in the release. Workspace packages (`node_modules/@callgate/*`,
// symlinks in the development tree) become real directories; packages nested under a workspace
// (`agent-core/node_modules/ajv`) move with it. Optional packages for other platforms are simply not installed
// here and are skipped.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * @param {string} root the repository root
 * @returns {{ workspaces: Array<{ name: string, dir: string }>, packages: Array<{ from: string, to: string }> }}
 *   `from` relative to the repository, `to` relative to the release root
 */
export function productionPackages(root) {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const entries = Object.entries(lock.packages ?? {});
  /** workspace directory → its package name, from the lockfile's link entries */
  const workspaceByDir = new Map();
  for (const [key, info] of entries) {
    if (info.link && key.startsWith('node_modules/')) workspaceByDir.set(info.resolved, key.slice('node_modules/'.length));
  }
  const workspaces = [...workspaceByDir].map(([dir, name]) => ({ name, dir }));
  const packages = [];
  for (const [key, info] of entries) {
    if (key === '' || info.link || info.dev || !key.includes('node_modules/')) continue;
    if (!existsSync(join(root, key))) {
      if (info.optional) continue; // an optional package for another platform
      throw new Error(`package-lock.json lists ${key} but it is not installed: run npm ci`);
    }
    const owner = key.slice(0, key.indexOf('node_modules/')).replace(/\/$/, '');
    if (owner === '' || owner.includes('node_modules')) {
      packages.push({ from: key, to: key });
      continue;
    }
    const workspace = workspaceByDir.get(owner);
    if (!workspace) throw new Error(`package-lock.json: ${key} sits under ${owner}, which is no workspace`);
    packages.push({ from: key, to: join('node_modules', workspace, key.slice(owner.length + 1)) });
  }
  return { workspaces, packages };
}
