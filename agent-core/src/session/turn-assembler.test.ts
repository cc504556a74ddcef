import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TurnAssembler, type CallerTurn } from './turn-assembler.js';

function setup(interDigitMs = 30) {
  const turns: CallerTurn[] = [];
  const early: string[] = [];
  let flushes = 0;
  const a = new TurnAssembler({ onTurn: (t) => turns.push(t), onEarly: (t) => early.push(t), flush: () => flushes++ }, { interDigitMs });
  return { a, turns, early, flushes: () => flushes };
}

describe('TurnAssembler', () => {
  it('closes a turn only when both speech_end and the final have arrived, final last', () => {
    const t = setup();
    t.a.speechStart();
    t.a.partialText('book an');
    t.a.speechEnded(4200, 1800);
    assert.equal(t.flushes(), 1);
    assert.deepEqual(t.early, ['book an']);
    assert.equal(t.turns.length, 0);
    t.a.final('book an appointment');
    assert.equal(t.turns.length, 1);
    assert.equal(t.turns[0]!.text, 'book an appointment');
    assert.equal(t.turns[0]!.speechEndMs, 4200);
  });

  it('joins finals the recogniser cut early with the one after speech_end', () => {
    const t = setup();
    t.a.final('my number is');
    assert.equal(t.turns.length, 0);
    t.a.speechEnded(9000, 3000);
    assert.deepEqual(t.early, ['my number is']);
    t.a.final('five five five');
    assert.equal(t.turns[0]!.text, 'my number is five five five');
  });

  it('an empty final still closes the turn (the session decides what silence means)', () => {
    const t = setup();
    t.a.speechEnded(100, 300);
    t.a.final('');
    assert.equal(t.turns.length, 1);
    assert.equal(t.turns[0]!.text, '');
    assert.deepEqual(t.early, []);
  });

  it('keypad: # closes the digits at once, a single key after the inter-digit pause', async () => {
    const t = setup();
    for (const d of '5551234#') t.a.dtmf(d);
    assert.deepEqual(t.turns.map((x) => x.dtmf), ['5551234#']);
    t.a.dtmf('1');
    assert.equal(t.turns.length, 1);
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(t.turns.map((x) => x.dtmf), ['5551234#', '1']);
  });
});
