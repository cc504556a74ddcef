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

  it('hashes a dashboard password from standard input, and the start refuses defaults in production mode', async () => {
    const r = spawnSync(process.execPath, [BIN, 'hash-password'], { cwd: ROOT, input: 'a strong passphrase\n', encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 0, r.stderr);
    const hash = r.stdout.trim();
    assert.match(hash, /^scrypt\$32768\$8\$1\$/);
    const { verifyPassword } = await import('@callgate/supervisor-dashboard');
    assert.equal(await verifyPassword('a strong passphrase', hash), true);
    assert.equal(spawnSync(process.execPath, [BIN, 'hash-password'], { cwd: ROOT, input: 'short\n', encoding: 'utf8' }).status, 2);
    const good = configFile(`version: 1\nservices: [supervisor-dashboard]\ngateway:\n  trunks: [{ name: lo, allow: [127.0.0.1] }]\n  numbers: [{ number: "1000", agent: demo }]\ndashboard:\n  production: true\n  users: [{ username: ops, role: admin, passwordHash: "${hash}" }]\n`);
    assert.equal(callgate(['check-config', '--config', good]).status, 0);
    const weak = configFile('version: 1\nservices: [supervisor-dashboard]\ngateway:\n  trunks: [{ name: lo, allow: [127.0.0.1] }]\n  numbers: [{ number: "1000", agent: demo }]\ndashboard:\n  production: true\n  listen: { port: 0 }\n');
    const start = callgate(['start', '--config', weak], { CALLGATE_REDIS__URL: 'redis://127.0.0.1:1' });
    assert.equal(start.status, 1);
    assert.match(start.stdout + start.stderr, /dashboard\.users: production mode needs configured accounts/);
  });
});
