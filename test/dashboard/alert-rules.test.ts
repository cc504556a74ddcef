/**
 * The shipped Prometheus alert rules (deploy/prometheus/callgate-alerts.yml) name only metrics the code
 * exports, cover every SLO the dashboard judges, and are well-formed rule groups.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = new URL('../../../', import.meta.url).pathname;

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(readFileSync(p, 'utf8'));
  }
  return out;
}

test('alert rules reference exported metrics and cover every dashboard SLO', () => {
  const doc = parse(readFileSync(join(root, 'deploy/prometheus/callgate-alerts.yml'), 'utf8')) as { groups: { name: string; rules: { alert: string; expr: string; for?: string; labels?: Record<string, string> }[] }[] };
  const rules = doc.groups.flatMap((g) => g.rules);
  assert.ok(rules.length >= 5);
  const code = ['sip-gateway', 'media-bridge', 'agent-core', 'supervisor-dashboard'].flatMap((w) => sources(join(root, w, 'src'))).join('\n');
  const exported = new Set([...code.matchAll(/['"`](callgate_[a-z_]+)['"`]/g)].map((m) => m[1]!));
  for (const r of rules) {
    assert.match(r.alert, /^[A-Z][A-Za-z]+$/);
    assert.ok(r.labels?.severity, `${r.alert}: severity label`);
    if (r.for) assert.match(r.for, /^\d+[smh]$/);
    for (const [metric] of r.expr.matchAll(/callgate_[a-z_]+/g)) assert.ok(exported.has(metric), `${r.alert}: ${metric} is not a metric the code exports`);
  }
  const sloNames = [...readFileSync(join(root, 'supervisor-dashboard/src/live/slo.ts'), 'utf8').matchAll(/name: '([a-z_]+)', label:/g)].map((m) => m[1]!);
  assert.equal(sloNames.length, 5);
  for (const slo of sloNames) assert.ok(rules.some((r) => r.expr.includes(`callgate_slo_breached{slo="${slo}"}`)), `no alert for SLO ${slo}`);
});
