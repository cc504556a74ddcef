import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InferenceSession } from 'onnxruntime-node';
import { openOnnxSession, type OnnxSessionOptions } from './execution-provider.js';

/** collects log lines */
function recorder() {
  const lines: { level: 'info' | 'warn'; msg: string; fields?: Record<string, unknown> }[] = [];
  return {
    lines,
    log: {
      info: (msg: string, fields?: Record<string, unknown>) => void lines.push({ level: 'info', msg, fields }),
      warn: (msg: string, fields?: Record<string, unknown>) => void lines.push({ level: 'warn', msg, fields }),
    },
  };
}

/** a stand-in for InferenceSession.create: fails for the providers listed in `failFor` */
function fakeCreate(failFor: string[]) {
  const calls: OnnxSessionOptions[] = [];
  const session = { fake: true } as unknown as InferenceSession;
  const create = async (_path: string, options: OnnxSessionOptions) => {
    calls.push(options);
    const ep = String(options.executionProviders?.[0]);
    if (failFor.includes(ep)) throw new Error(`${ep}: Failed to load shared library`);
    return session;
  };
  return { calls, create, session };
}

// any file that exists will do for the fake create
const someFile = fileURLToPath(import.meta.url);

describe('openOnnxSession', () => {
  it('falls back to the CPU when CUDA cannot start, and says why in one warning', async () => {
    const { calls, create, session } = fakeCreate(['cuda']);
    const { lines, log } = recorder();
    const opened = await openOnnxSession(someFile, { preferGpu: true, log, create });
    assert.equal(opened.executionProvider, 'cpu');
    assert.equal(opened.session, session);
    assert.match(opened.gpuFallbackReason ?? '', /Failed to load shared library/);
    assert.deepEqual(
      calls.map((c) => c.executionProviders),
      [['cuda'], ['cpu']],
    );
    const warnings = lines.filter((l) => l.level === 'warn');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]?.msg ?? '', /CUDA.*Failed to load shared library.*CPU/);
    assert.ok(lines.some((l) => l.level === 'info' && l.fields?.executionProvider === 'cpu'));
  });

  it('uses CUDA when it starts', async () => {
    const { calls, create } = fakeCreate([]);
    const { lines, log } = recorder();
    const opened = await openOnnxSession(someFile, { preferGpu: true, log, create });
    assert.equal(opened.executionProvider, 'cuda');
    assert.equal(calls.length, 1);
    assert.equal(opened.gpuFallbackReason, undefined);
    assert.deepEqual(
      lines.map((l) => [l.level, l.fields?.executionProvider]),
      [['info', 'cuda']],
    );
  });

  it('goes straight to the CPU when the GPU is not preferred', async () => {
    const { calls, create } = fakeCreate([]);
    const { lines, log } = recorder();
    const opened = await openOnnxSession(someFile, { preferGpu: false, log, create });
    assert.equal(opened.executionProvider, 'cpu');
    assert.deepEqual(
      calls.map((c) => c.executionProviders),
      [['cpu']],
    );
    assert.equal(lines.filter((l) => l.level === 'warn').length, 0);
  });

  it('passes further session options through', async () => {
    const { calls, create } = fakeCreate([]);
    await openOnnxSession(someFile, { preferGpu: false, log: recorder().log, create, sessionOptions: { intraOpNumThreads: 1 } });
    assert.equal(calls[0]?.intraOpNumThreads, 1);
  });

  it('rejects when the CPU session fails too', async () => {
    const { create } = fakeCreate(['cuda', 'cpu']);
    await assert.rejects(openOnnxSession(someFile, { preferGpu: true, log: recorder().log, create }), /cpu: Failed/);
  });

  it('rejects a missing model file before trying any execution provider', async () => {
    const { calls, create } = fakeCreate([]);
    await assert.rejects(openOnnxSession(join(dirname(someFile), 'no-such-model.onnx'), { preferGpu: true, log: recorder().log, create }), { code: 'ENOENT' });
    assert.equal(calls.length, 0);
  });

  it('opens the packaged Silero VAD model with onnxruntime-node and runs one inference', async () => {
    const pkg = createRequire(import.meta.url).resolve('@ricky0123/vad-web/package.json');
    const modelPath = join(dirname(pkg), 'dist', 'silero_vad_v5.onnx');
    const { lines, log } = recorder();
    const { session, executionProvider } = await openOnnxSession(modelPath, { preferGpu: true, log });
    try {
      console.log(`silero_vad_v5.onnx runs on ${executionProvider}`);
      // either provider is fine; a machine without a GPU (or CUDA libraries) must have fallen back, with a reason
      assert.ok(executionProvider === 'cuda' || executionProvider === 'cpu');
      if (executionProvider === 'cpu') assert.equal(lines.filter((l) => l.level === 'warn').length, 1);
      assert.ok(lines.some((l) => l.fields?.executionProvider === executionProvider));

      // Silero v5: 512 samples at 16 kHz, a [2, batch, 128] recurrent state and the sample rate
      assert.deepEqual([...session.inputNames], ['input', 'state', 'sr']);
      const { Tensor } = await import('onnxruntime-node');
      const audio = Float32Array.from({ length: 512 }, (_, i) => 0.1 * Math.sin((2 * Math.PI * 440 * i) / 16000));
      const feeds: Record<string, InstanceType<typeof Tensor>> = {
        input: new Tensor('float32', audio, [1, 512]),
        state: new Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]),
        sr: new Tensor('int64', BigInt64Array.from([16000n]), []),
      };
      const out = await session.run(feeds);
      const prob = out.output?.data[0];
      assert.equal(typeof prob, 'number');
      assert.ok((prob as number) >= 0 && (prob as number) <= 1, `speech probability ${String(prob)}`);
      assert.deepEqual(out.stateN?.dims, [2, 1, 128]);
    } finally {
      await session.release();
    }
  });
});
