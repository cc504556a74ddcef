/** The `callgate` command as a user runs it: usage errors, config validation, start refused on a bad config. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'callgate.js');

function callgate(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'callgate-cli-'));
  const path = join(dir, 'callgate.yaml');
  writeFileSync(path, text);
  return path;
}

describe('callgate CLI', () => {
  it('prints usage for help and refuses unknown commands', () => {
    assert.match(callgate(['help']).stdout, /usage: callgate <command>/);
    const bad = callgate(['frobnicate']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown command 'frobnicate'/);
  });

  it('validates the shipped config', () => {
    const r = callgate(['check-config']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /callgate\.yaml is valid/);
  });

  it('names the wrong field and what was expected', () => {
    const path = configFile('version: 1\ngateway:\n  trunks: [{ name: lo, allow: [127.0.0.1] }]\n  numbers: [{ number: "1000", agent: demo }]\n  admission: { maxConcurrentCalls: many }\n');
    const r = callgate(['check-config', '--config', path]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /gateway\.admission\.maxConcurrentCalls: expected number, got string/);
  });

  it('refuses to start on a config with a missing field', () => {
    const path = configFile('version: 1\n');
    const r = callgate(['start', '--config', path]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /gateway: expected object, got undefined/);
  });

  it('applies environment overrides before validating', () => {
    const r = callgate(['check-config'], { CALLGATE_EDGE__TIMERS__T1: '"slow"' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /edge\.timers\.t1: expected number, got string/);
  });
});
