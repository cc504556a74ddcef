/** Conversation scripts: what is accepted, and errors that name the turn. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../harness/paths.js';
import { ScriptError, dtmfEvent, loadScript, parseScript, turnLabel, withoutInterrupts } from './script.js';

const fails = (raw: unknown, message: RegExp): void => {
  assert.throws(() => parseScript(raw, 'test.json'), (err: Error) => err instanceof ScriptError && message.test(err.message), `expected ${message}`);
};

describe('caller: conversation scripts', () => {
  it('reads a list of say / interrupt / dtmf turns', () => {
    const s = parseScript([{ say: ' what are your opening hours ' }, { say: 'actually make that wednesday', interrupt: true }, { dtmf: '0' }, { dtmf: 12 }]);
    assert.deepEqual(s.turns, [
      { kind: 'say', text: 'what are your opening hours', interrupt: false },
      { kind: 'say', text: 'actually make that wednesday', interrupt: true },
      { kind: 'dtmf', digits: '0', interrupt: false },
      { kind: 'dtmf', digits: '12', interrupt: false },
    ]);
    assert.equal(turnLabel(s.turns[3]!), 'keypad 1 2');
    assert.equal(withoutInterrupts(s).turns.some((t) => t.interrupt), false);
  });

  it('reads {"turns": [...]} with a description', () => {
    const s = parseScript({ description: 'demo', agent: 'front-desk', turns: [{ say: 'hello' }] });
    assert.equal(s.description, 'demo');
    assert.equal(s.turns.length, 1);
  });

  it('names the turn and the problem', () => {
    fails({ turns: 'nope' }, /expected a list of turns/);
    fails([], /no turns/);
    fails([{ say: 'ok' }, { sya: 'typo' }], /turn 2: unknown field "sya"/);
    fails([{ say: 'ok' }, { say: 'ok' }, {}], /turn 3: needs "say"/);
    fails([{ say: '' }], /turn 1: "say" is empty/);
    fails([{ say: 42 }], /turn 1: "say" must be a string/);
    fails([{ say: '?!' }], /turn 1: "say" has nothing to pronounce/);
    fails([{ say: 'a', dtmf: '1' }], /turn 1: .*not both/);
    fails([{ dtmf: '1x' }], /turn 1: "dtmf" key "X"/);
    fails([{ say: 'a', interrupt: 'yes' }], /turn 1: "interrupt" must be true or false/);
    fails(['hello'], /turn 1: expected an object/);
    fails({ turns: [{ say: 'a' }], extra: 1 }, /unknown field "extra"/);
  });

  it('maps keys to RFC 4733 events', () => {
    assert.equal(dtmfEvent('0'), 0);
    assert.equal(dtmfEvent('9'), 9);
    assert.equal(dtmfEvent('*'), 10);
    assert.equal(dtmfEvent('#'), 11);
    assert.equal(dtmfEvent('d'), 15);
    assert.equal(dtmfEvent('x'), undefined);
  });

  it('loads files, with clear errors for missing files and bad JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'callgate-script-'));
    try {
      writeFileSync(join(dir, 'bad.json'), '[{"say": "hi"},');
      assert.throws(() => loadScript(join(dir, 'bad.json')), /bad\.json is not valid JSON/);
      assert.throws(() => loadScript(join(dir, 'missing.json')), /cannot read the conversation script/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the shipped front-desk script is valid', () => {
    const s = loadScript(join(repoRoot, 'test', 'sipp', 'scripts', 'front-desk.json'));
    assert.ok(s.turns.length >= 4);
    assert.ok(s.turns.some((t) => t.interrupt), 'it demonstrates a barge-in');
  });
});
