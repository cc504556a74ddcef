/** The `callgate` command as a user runs it: usage errors, config validation, start refused on a bad config. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

  it('starts the media bridge on real-time priority again under --single-threaded-gc, and stops cleanly on signals sent to both processes', async (t) => {
    if (process.platform !== 'linux') return t.skip('Linux only');
    const path = configFile(
      'version: 1\nservices: [media-bridge]\ngateway:\n  trunks: [{ name: lo, allow: [127.0.0.1] }]\n  numbers: [{ number: "1000", agent: demo }]\n' +
        'media:\n  rtpPortMin: 46100\n  rtpPortMax: 46199\n  realtimePriority: 5\n  control: { port: 0 }\nmetrics: { enabled: false }\n',
    );
    const parent = spawn(process.execPath, [BIN, 'start', '--config', path], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    parent.stdout.on('data', (d: Buffer) => (out += d.toString()));
    parent.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => parent.once('exit', (code) => resolve(code)));
    try {
      for (let i = 0; i < 200 && !/callgate ready/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
      assert.match(out, /callgate ready/);
      // the service runs in a child that has the flag; the first process only waits for it
      const children = readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      assert.equal(children.length, 1, `children of the first process: ${children.join(',')}`);
      const cmdline = readFileSync(`/proc/${children[0]}/cmdline`, 'utf8').split('\0');
      assert.ok(cmdline.includes('--single-threaded-gc'), cmdline.join(' '));
      // not refused for the missing flag (refused only where this runner lacks the privilege)
      assert.doesNotMatch(out, /without --single-threaded-gc/);
      // a service manager signals the whole group: both processes get SIGTERM, the stop still completes
      process.kill(Number(children[0]), 'SIGTERM');
      parent.kill('SIGTERM');
      assert.equal(await exited, 0, out);
      assert.match(out, /callgate stopped/);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
