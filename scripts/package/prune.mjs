// What the release leaves out of the production dependencies: files that never load on a linux-x64 host.
// Licences and package metadata stay.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** directories and files removed from the staged node_modules, relative to it, with why */
export const PRUNED = [
  // onnxruntime-node ships CPU binaries for every platform; the release runs on linux x64 only
  ...['darwin', 'win32', 'linux/arm64'].map((p) => `onnxruntime-node/bin/napi-v6/${p}`),
  // better-sqlite3 is compiled here: keep the addon (build/Release/better_sqlite3.node), drop sources and objects
  'better-sqlite3/deps',
  'better-sqlite3/src',
  'better-sqlite3/build/Release/obj',
  'better-sqlite3/build/Release/obj.target',
  'better-sqlite3/build/Release/sqlite3.a',
  'better-sqlite3/build/Release/test_extension.node',
  'better-sqlite3/build/deps',
  // the browser build of ONNX Runtime that @ricky0123/vad-web depends on: the media bridge reads only that
  // package's model file and runs it with onnxruntime-node
  'onnxruntime-web',
  // type declarations are for the compiler
  '@types',
];

/** removes PRUNED from `nodeModules`; returns the bytes freed */
export function prune(nodeModules) {
  let freed = 0;
  for (const rel of PRUNED) {
    const p = join(nodeModules, rel);
    if (!existsSync(p)) continue;
    freed += du(p);
    rmSync(p, { recursive: true, force: true });
  }
  return freed;
}

function du(p) {
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const name of readdirSync(p)) n += du(join(p, name));
  return n;
}
