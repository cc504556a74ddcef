/**
 * `npm run bench [-- PART...]`: runs the named bench parts (all when none is named), prints a table and merges
 * the figures into bench-results.json at the repository root (one flat object; parts can run separately).
 * Parts register in `parts` below; each returns a flat record of named figures.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../sipp/harness/paths.js';
import { vadBench } from '@callgate/media-bridge';
import { runSipBench } from './sip.js';
import { runMediaBench } from './media.js';
import { runAgentBench } from './agent.js';

type Part = () => Promise<Record<string, number>>;

export const parts: Record<string, Part> = {
  sip: () => runSipBench(),
  vad: () => vadBench(),
  media: () => runMediaBench(),
  agent: () => runAgentBench(),
  redaction: () => import('./redaction.js').then((m) => m.runRedactionBench()),
};

function table(rows: Array<[string, string, string]>): string {
  const head: [string, string, string] = ['part', 'figure', 'value'];
  const all = [head, ...rows];
  const w = [0, 1, 2].map((i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: [string, string, string]): string => r.map((c, i) => (i === 2 ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<number> {
  const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = names.filter((n) => !(n in parts));
  if (unknown.length) {
    console.error(`bench: unknown part(s) ${unknown.join(', ')}; known: ${Object.keys(parts).join(', ')}`);
    return 2;
  }
  const selected = names.length ? names : Object.keys(parts);
  const file = join(repoRoot, 'bench-results.json');
  let results: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      results = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      console.error(`bench: ${file} is not valid JSON; starting afresh`);
    }
  }
  const rows: Array<[string, string, string]> = [];
  let failed = false;
  for (const name of selected) {
    const started = Date.now();
    try {
      const figures = await parts[name]!();
      for (const [k, v] of Object.entries(figures)) {
        const value = Number.isFinite(v) ? Math.round(v * 1000) / 1000 : null;
        results[k] = value;
        rows.push([name, k, value === null ? 'n/a' : String(value)]);
      }
      rows.push([name, `${name}_bench_seconds`, ((Date.now() - started) / 1000).toFixed(1)]);
    } catch (err) {
      failed = true;
      console.error(`bench: part ${name} failed: ${(err as Error).stack ?? String(err)}`);
      rows.push([name, 'error', (err as Error).message.split('\n')[0]!.slice(0, 60)]);
    }
  }
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  console.log(table(rows));
  console.log(`\nwrote ${file}`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
