/** Where things are: the repository root (found from this compiled file), the scenarios and the CLI. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && existsSync(join(dir, 'test', 'sipp'))) {
      const name = (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name;
      if (name === 'callgate') return dir;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the callgate repository root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export const repoRoot = findRepoRoot();
export const scenariosDir = join(repoRoot, 'test', 'sipp', 'scenarios');
export const cliPath = join(repoRoot, 'bin', 'callgate.js');
export const corpusDir = join(repoRoot, 'sip-gateway', 'edge', 'test', 'corpus');
export const sippBinary = process.env.SIPP_BIN ?? 'sipp';
