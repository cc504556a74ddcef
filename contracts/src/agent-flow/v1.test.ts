import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowError, loadFlowFile, parseFlowText, templatePlaceholders, validateFlow } from './v1.js';

const minimal = () => ({
  version: 1,
  name: 'desk',
  greeting: 'Hello. How can I help?',
  intents: [
    {
      id: 'book',
      keywords: ['book'],
      collect: [{ name: 'day', type: 'day', prompt: 'What day?' }],
      confirm: 'You said {day}. Is that right?',
      tool: { name: 'book_appointment', args: { day: 'day' }, success: 'Booked. Reference {result.reference|spell}.', failure: { say: 'Sorry.', offer: 'human' } },
    },
    { id: 'human', keywords: ['person'], then: 'transfer' },
  ],
  dtmf: { '0': 'human' },
  noMatch: { reprompts: ['Sorry?'], say: 'Let me get someone.' },
  goodbye: { say: 'Goodbye.', keywords: ['bye'] },
});

function refused(raw: unknown): FlowError {
  try {
    validateFlow(raw);
  } catch (err) {
    assert.ok(err instanceof FlowError, `expected FlowError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the flow to be refused');
}

test('a valid flow gets its defaults', () => {
  const flow = validateFlow(minimal());
  assert.equal(flow.matchThreshold, 0.5);
  assert.equal(flow.timezone, 'UTC');
  assert.equal(flow.noMatch.escalateAfter, 2);
  assert.equal(flow.noMatch.then, 'transfer');
  assert.equal(flow.intents[0]!.then, 'anything_else');
  assert.equal(flow.intents[0]!.collect[0]!.maxAttempts, 3);
  assert.equal(flow.anythingElse.prompt, 'Is there anything else I can help with?');
});

test('a wrong slot type is refused, naming the field', () => {
  const raw = minimal();
  (raw.intents[0]!.collect![0] as { type: string }).type = 'date';
  assert.match(refused(raw).message, /intents\.0\.collect\.0\.type:/);
});

test('an unknown field is refused, naming it', () => {
  assert.match(refused({ ...minimal(), greting: 'Hi' }).message, /unknown field\(s\) greting/);
});

test('a placeholder that is not one of the intent\'s slots is refused', () => {
  const raw = minimal();
  raw.intents[0]!.confirm = 'You said {dya}. Is that right?';
  assert.match(refused(raw).message, /intents\.0\.confirm: unknown placeholder \{dya\}/);
});

test('result placeholders are only allowed in a tool success line', () => {
  const raw = minimal();
  raw.intents[0]!.confirm = 'Reference {result.reference}.';
  assert.match(refused(raw).message, /intents\.0\.confirm: unknown placeholder \{result\.reference\}/);
});

test('an unknown template filter is refused', () => {
  const raw = minimal();
  raw.intents[0]!.tool!.success = 'Booked {result.day|shout}.';
  assert.match(refused(raw).message, /intents\.0\.tool\.success: unknown filter \|shout/);
});

test('a DTMF key pointing at no intent is refused', () => {
  assert.match(refused({ ...minimal(), dtmf: { '9': 'billing' } }).message, /dtmf\.9: unknown intent 'billing'/);
});

test('a tool argument mapped to an unknown slot is refused', () => {
  const raw = minimal();
  raw.intents[0]!.tool!.args = { day: 'date' };
  assert.match(refused(raw).message, /intents\.0\.tool\.args\.day: unknown slot 'date'/);
});

test('an offer of an unknown intent is refused', () => {
  const raw = minimal();
  raw.intents[0]!.tool!.failure.offer = 'nobody';
  assert.match(refused(raw).message, /intents\.0\.tool\.failure\.offer: unknown intent 'nobody'/);
});

test('built-in tools cannot be named as a flow tool', () => {
  const raw = minimal();
  raw.intents[0]!.tool!.name = 'transfer_call';
  assert.match(refused(raw).message, /intents\.0\.tool\.name: a built-in tool/);
});

test('duplicate intent ids are refused', () => {
  const raw = minimal();
  raw.intents[1]!.id = 'book';
  assert.match(refused(raw).message, /intents\.1\.id: duplicate intent id 'book'/);
});

test('an intent with neither phrases nor keywords is refused', () => {
  const raw = minimal();
  raw.intents[1]!.keywords = [];
  assert.match(refused(raw).message, /intents\.1\.phrases: an intent needs at least one phrase or keyword/);
});

test('an unknown timezone is refused', () => {
  assert.match(refused({ ...minimal(), timezone: 'Mars/Olympus' }).message, /timezone: an IANA timezone/);
});

test('templatePlaceholders lists names and filters', () => {
  assert.deepEqual(templatePlaceholders('At {time}, ref {result.ref|spell}.'), [{ name: 'time' }, { name: 'result.ref', filter: 'spell' }]);
});

test('loadFlowFile refuses a bad YAML flow, naming the field and the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flow-'));
  const path = join(dir, 'bad.yaml');
  writeFileSync(path, 'version: 1\nname: x\ngreeting: Hi\nintents: []\nnoMatch: { reprompts: [Sorry], say: Bye }\ngoodbye: { say: Bye }\n');
  assert.throws(() => loadFlowFile(path), (err: unknown) => {
    assert.ok(err instanceof FlowError);
    assert.match(err.message, /bad\.yaml/);
    assert.ok(err.issues.some((i) => i.startsWith('intents:')), err.issues.join('; '));
    return true;
  });
});

test('text that is not YAML is refused as such', () => {
  assert.throws(() => parseFlowText('version: [1', 'x.yaml'), /x\.yaml is not valid YAML/);
});

test('a missing file is refused with its path', () => {
  assert.throws(() => loadFlowFile('/nonexistent/flow.yaml'), /cannot read flow file \/nonexistent\/flow\.yaml/);
});
