/** `callgate redact` as a user runs it: stdin to stdout, line by line, streaming, without any config file. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redact } from '@callgate/agent-core';
import { parseRedactArgs } from '../../src/cli/redact.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'callgate.js');
// run outside the repository with a config path that does not exist: the command must not read any config
const CWD = mkdtempSync(join(tmpdir(), 'callgate-redact-'));
const ENV = { ...process.env, CALLGATE_CONFIG: join(CWD, 'missing', 'callgate.yaml') };
after(() => rmSync(CWD, { recursive: true, force: true }));

const CARD_LINE = 'my card is four one one one one one one one one one one one one one one one thanks';
const PHONE_LINE = 'call me back on 415 555 0134 please';

function callgate(args: string[], input: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, 'redact', ...args], { cwd: CWD, env: { ...ENV, ...env }, input, encoding: 'utf8', timeout: 20000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('callgate redact', () => {
  it('redacts each line of standard input with placeholders and exits 0 at the end', () => {
    const r = callgate([], `${CARD_LINE}\nnothing personal here\r\n\n${PHONE_LINE}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `my card is [CARD_NUMBER] thanks\nnothing personal here\n\ncall me back on [PHONE_NUMBER] please\n`);
    assert.equal(r.stderr, '');
  });

  it('writes a line out as soon as it is read (before the input ends)', { timeout: 20000 }, async () => {
    const child = spawn(process.execPath, [BIN, 'redact'], { cwd: CWD, env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = once(child, 'close');
    const lineOut = async (n: number): Promise<void> => {
      while (out.split('\n').length <= n) {
        await once(child.stdout, 'data');
      }
    };
    try {
      child.stdin.write(`${CARD_LINE}\n`);
      await lineOut(1);
      assert.equal(out, 'my card is [CARD_NUMBER] thanks\n', 'the first line came out while stdin is still open');
      child.stdin.write(`${PHONE_LINE}\n`);
      await lineOut(2);
      assert.equal(out, 'my card is [CARD_NUMBER] thanks\ncall me back on [PHONE_NUMBER] please\n');
      child.stdin.end();
      const [code] = await exited;
      assert.equal(code, 0, err);
    } finally {
      child.kill();
    }
  });

  it('--json prints the text and the spans found per line', () => {
    const r = callgate(['--json'], `${PHONE_LINE}\nhello\n`);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    assert.deepEqual(lines, [redact(PHONE_LINE), { text: 'hello', found: [] }]);
    assert.deepEqual(lines[0], { text: 'call me back on [PHONE_NUMBER] please', found: [{ type: 'PHONE_NUMBER', start: 16, end: 28 }] });
  });

  it('--mode hmac takes its key from the variable --key-env names', () => {
    const key = 'test-key-not-secret';
    const r = callgate(['--mode', 'hmac', '--key-env', 'REDACT_TEST_KEY'], `${CARD_LINE}\nmy card is 4111 1111 1111 1111 thanks\n`, { REDACT_TEST_KEY: key });
    assert.equal(r.status, 0, r.stderr);
    const [spoken, written] = r.stdout.trimEnd().split('\n');
    assert.equal(spoken, redact(CARD_LINE, { mode: 'hmac', hmacKey: key }).text);
    assert.match(spoken ?? '', /^my card is \[CARD_NUMBER:[0-9a-f]{8}\] thanks$/);
    assert.equal(written, spoken, 'the spoken and the written card give the same token');
    const other = callgate(['--mode=hmac', '--key-env=REDACT_TEST_KEY'], `${CARD_LINE}\n`, { REDACT_TEST_KEY: 'another-key' });
    assert.notEqual(other.stdout.trimEnd(), spoken, 'another key, another token');
  });

  it('refuses hmac without a key, and unknown options, with a clear message', () => {
    const noFlag = callgate(['--mode', 'hmac'], 'x\n');
    assert.equal(noFlag.status, 2);
    assert.match(noFlag.stderr, /--mode hmac needs --key-env VAR/);
    const unset = callgate(['--mode', 'hmac', '--key-env', 'REDACT_TEST_UNSET_VAR'], 'x\n', { REDACT_TEST_UNSET_VAR: '' });
    assert.equal(unset.status, 1);
    assert.match(unset.stderr, /environment variable REDACT_TEST_UNSET_VAR \(named by --key-env\) is not set or empty/);
    assert.equal(unset.stdout, '', 'nothing is written unredacted');
    const bad = callgate(['--mode', 'scramble'], 'x\n');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--mode must be placeholder or hmac, not 'scramble'/);
    const unknown = callgate(['--config', 'x.yaml'], 'x\n');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown redact option '--config'/);
  });

  it('parses its options', () => {
    assert.deepEqual(parseRedactArgs([]), { mode: 'placeholder', keyEnv: undefined, json: false });
    assert.deepEqual(parseRedactArgs(['--json', '--mode', 'hmac', '--key-env', 'K']), { mode: 'hmac', keyEnv: 'K', json: true });
    assert.throws(() => parseRedactArgs(['--key-env', 'K']), /--key-env applies to --mode hmac only/);
    assert.throws(() => parseRedactArgs(['--mode']), /--mode needs a value/);
  });
});
