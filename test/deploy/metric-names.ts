/** Metric names: those the code registers, and those a dashboard or scrape config refers to. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths.js';

/** prom-client's default metrics, registered with this prefix by the root composition */
export const PROCESS_PREFIX = 'callgate_process_';

/** every `callgate_*` name registered in the services' sources (tests excluded) */
export function registeredMetrics(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (f === 'node_modules' || f === 'dist') continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.ts') && !f.endsWith('.test.ts')) {
        const text = readFileSync(p, 'utf8');
        // `name: 'callgate_…'` (prom-client options) or a helper's first string argument: counter(registry, 'callgate_…', …)
        for (const m of text.matchAll(/(?:name:\s*|\(\s*\w+,\s*)'(callgate_[a-z0-9_]+)'/g)) names.add(m[1] as string);
      }
    }
  };
  for (const w of ['contracts', 'sip-gateway', 'media-bridge', 'agent-core', 'supervisor-dashboard', 'src']) walk(join(ROOT, w));
  return names;
}

/** the metric names an expression text refers to, histogram series suffixes removed */
export function referencedMetrics(text: string): Set<string> {
  return new Set([...text.matchAll(/\b(callgate_[a-z0-9_]+)/g)].map((m) => (m[1] as string).replace(/_(bucket|sum|count)$/, '')));
}
