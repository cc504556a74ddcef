/**
 * Parses every message of sip-gateway/edge/test/corpus and checks the outcome its README table
 * states: ok, an answerable failure (400/505, with a partial request), or drop (no partial).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseMessage } from './parser.js';
import { serializeMessage } from './serialize.js';

// compiled to sip-gateway/dist/edge/src/sip/: four levels up is sip-gateway/
const CORPUS = new URL('../../../../edge/test/corpus/', import.meta.url);

function expectations(): Map<string, string> {
  const readme = readFileSync(new URL('README.md', CORPUS), 'utf8');
  const out = new Map<string, string>();
  for (const m of readme.matchAll(/^\| `((?:valid|invalid)\/[^`]+)` \|.*\| (ok|400|505|drop) \|$/gm)) {
    if (m[1] !== undefined && m[2] !== undefined) out.set(m[1], m[2]);
  }
  return out;
}

function files(dir: 'valid' | 'invalid'): string[] {
  return readdirSync(fileURLToPath(new URL(dir + '/', CORPUS)))
    .filter((f) => f.endsWith('.sip'))
    .sort()
    .map((f) => `${dir}/${f}`);
}

const expected = expectations();

test('the corpus is there and documented file by file', () => {
  const all = [...files('valid'), ...files('invalid')];
  assert.ok(files('valid').length >= 15);
  assert.ok(files('invalid').length >= 15);
  assert.deepEqual([...expected.keys()].sort(), all.sort());
});

for (const file of files('valid')) {
  test(`valid: ${file}`, () => {
    const data = readFileSync(new URL(file, CORPUS));
    const r = parseMessage(data);
    assert.ok(r.ok, r.ok ? '' : r.error);
    assert.equal(expected.get(file), 'ok');
    const again = parseMessage(serializeMessage(r.message));
    assert.ok(again.ok);
    assert.deepEqual(again.message.body, r.message.body);
  });
}

for (const file of files('invalid')) {
  test(`invalid: ${file}`, () => {
    const data = readFileSync(new URL(file, CORPUS));
    const r = parseMessage(data);
    assert.equal(r.ok, false);
    if (r.ok) return;
    const want = expected.get(file);
    if (want === 'drop') assert.equal(r.partial, undefined, `${file} should be dropped (${r.error})`);
    else {
      assert.ok(r.partial, `${file} should be answerable (${r.error})`);
      assert.equal(String(r.status), want, r.error);
    }
  });
}
