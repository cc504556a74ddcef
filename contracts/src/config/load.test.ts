import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, validateConfig } from './load.js';
import { applyEnvOverrides } from './env.js';

const minimal = {
  version: 1,
  gateway: { trunks: [{ name: 'lo', allow: ['127.0.0.0/8'] }], numbers: [{ number: '1000', agent: 'demo' }] },
};

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('config validation', () => {
  it('fills the embedded defaults', () => {
    const c = validateConfig(minimal);
    assert.deepEqual(c.services, ['sip-edge', 'sip-gateway', 'media-bridge']);
    assert.equal(c.edge.listen[0]?.port, 5060);
    assert.equal(c.edge.timers.t1, 500);
    assert.equal(c.gateway.admission.maxConcurrentCalls, 500);
  });

  it('names a wrong field and what was expected', () => {
    const err = errorOf(() => validateConfig({ ...minimal, edge: { timers: { t1: 'fast' } } }));
    assert.match(err.message, /edge\.timers\.t1: expected number, got string/);
  });

  it('names a missing field', () => {
    const err = errorOf(() => validateConfig({ version: 1, gateway: { trunks: minimal.gateway.trunks } }));
    assert.match(err.message, /gateway\.numbers: expected array, got undefined/);
  });

  it('refuses unknown fields', () => {
    const err = errorOf(() => validateConfig({ ...minimal, gatway: {} }));
    assert.match(err.message, /unknown field\(s\) gatway/);
  });

  it('refuses a trunk with neither allow list nor digest', () => {
    const err = errorOf(() => validateConfig({ ...minimal, gateway: { ...minimal.gateway, trunks: [{ name: 'x' }] } }));
    assert.match(err.message, /gateway\.trunks\.0: a trunk needs/);
  });

  it('refuses an unknown version', () => {
    const err = errorOf(() => validateConfig({ ...minimal, version: 2 }));
    assert.match(err.message, /^invalid config:\n {2}version:/);
  });

  it('reports unreadable and unparsable files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'callgate-config-'));
    assert.match(errorOf(() => loadConfig(join(dir, 'none.yaml'))).message, /cannot read config file/);
    writeFileSync(join(dir, 'bad.yaml'), 'version: [1\n');
    assert.match(errorOf(() => loadConfig(join(dir, 'bad.yaml'))).message, /is not valid YAML/);
    writeFileSync(join(dir, 'ok.json'), JSON.stringify(minimal));
    assert.equal(loadConfig(join(dir, 'ok.json'), {}).version, 1);
  });

  it('applies environment overrides by field path', () => {
    const raw = applyEnvOverrides(minimal, {
      CALLGATE_EDGE__CONTROL__SECRET: 's3cret',
      CALLGATE_GATEWAY__ADMISSION__MAXCONCURRENTCALLS: '7',
      CALLGATE_LOG__LEVEL: 'debug',
    });
    const c = validateConfig(raw);
    assert.equal(c.edge.control.secret, 's3cret');
    assert.equal(c.gateway.admission.maxConcurrentCalls, 7);
    assert.equal(c.log.level, 'debug');
    assert.equal((minimal as Record<string, unknown>).edge, undefined, 'the input is not mutated');
  });

  it('validates the shipped callgate.yaml', () => {
    const c = loadConfig(new URL('../../../../callgate.yaml', import.meta.url).pathname, {});
    assert.equal(c.gateway.numbers[0]?.number, '1000');
  });
});

describe('environment overrides reach every schema field', () => {
  it('maps upper-case names to camelCase fields the file does not mention', () => {
    const raw = { version: 1, gateway: { numbers: [{ number: '1', agent: 'demo' }] } };
    const out = applyEnvOverrides(raw, { CALLGATE_MEDIA__VAD__HANGOVERMS: '450', CALLGATE_AGENTCORE__LISTEN__PORT: '9100' }) as { media: { vad: { hangoverMs: number } }; agentCore: { listen: { port: number } } };
    assert.equal(out.media.vad.hangoverMs, 450);
    assert.equal(out.agentCore.listen.port, 9100);
  });
});
