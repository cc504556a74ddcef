import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VadEngine, type VadResult } from './vad-engine.js';
import type { SileroModel } from './silero-model.js';
import { Endpointer } from './endpointer.js';
import { noisePcm, pushFrames, speechPcm } from './test-audio.js';

const max = (rs: VadResult[]): number => Math.max(...rs.map((r) => r.probability));

/**
 * A stand-in model for the engine's bookkeeping: the probability is the window's first sample + 0.5 plus a
 * tenth of the stream's state (which counts windows seen); it fails the test if two runs overlap.
 */
function fakeModel(): SileroModel & { batches: number[]; onInfer?: () => void } {
  let running = false;
  const batches: number[] = [];
  const model: SileroModel & { batches: number[]; onInfer?: () => void } = {
    variant: 'silero-v5',
    path: 'fake',
    sha256: 'fake',
    contextSamples: 0,
    inputSamples: 256,
    stateFloats: 1,
    batches,
    async infer(inputs, states) {
      assert.equal(running, false, 'two inferences overlap');
      running = true;
      model.onInfer?.();
      batches.push(inputs.length);
      await new Promise((r) => setTimeout(r, 2));
      running = false;
      return Float32Array.from(inputs, (row, i) => {
        const p = row[0]! + 0.5 + states[i]![0]! / 10;
        states[i]![0]! += 1;
        return p;
      });
    },
  };
  return model;
}

/** PCM whose every 256-sample window starts with the value v/32768·… : window k of `values` */
const windowsPcm = (values: number[]): Int16Array => {
  const pcm = new Int16Array(values.length * 256);
  values.forEach((v, k) => pcm.fill(Math.round(v * 32768), k * 256, (k + 1) * 256));
  return pcm;
};

describe('with the Silero model', () => {
  const speech = speechPcm('hello, I would like to book an appointment');

  for (const variant of ['silero-v5', 'silero-v4'] as const) {
    it(`${variant}: speech scores > 0.8, digital silence and −60 dBFS noise < 0.3`, async () => {
      const engine = await VadEngine.create({ variant });
      const score = async (id: string, pcm: Int16Array): Promise<number> => {
        const s = engine.createStream(id);
        pushFrames(s, pcm);
        const results = await engine.process();
        s.close();
        assert.ok(results.length > 0 && results.every((r) => r.streamId === id));
        return max(results);
      };
      const sp = await score('speech', speech);
      const silence = await score('silence', new Int16Array(8000));
      const noise = await score('noise', noisePcm(8000, -60, 7));
      assert.ok(sp > 0.8, `speech max ${sp}`);
      assert.ok(silence < 0.3, `silence max ${silence}`);
      assert.ok(noise < 0.3, `noise max ${noise}`);
    });
  }

  for (const variant of ['silero-v5', 'silero-v4'] as const) {
    it(`${variant}: batched and one-by-one inference give the same probabilities on 3 different streams`, async () => {
      const audio = [speech, noisePcm(12000, -30, 3), Int16Array.from(speech.subarray(4000), (s) => s >> 2)];
      const runMode = async (batch: boolean): Promise<Map<string, VadResult[]>> => {
        const engine = await VadEngine.create({ variant, batch });
        const streams = audio.map((_, i) => engine.createStream(`s${i}`));
        const out = new Map<string, VadResult[]>(streams.map((s) => [s.id, []]));
        // half the audio as a backlog drained in one process(), the rest frame by frame
        const half = audio.map((pcm) => Math.floor(pcm.length / 2 / 160) * 160);
        streams.forEach((s, i) => pushFrames(s, audio[i]!.subarray(0, half[i])));
        for (const r of await engine.process()) out.get(r.streamId)!.push(r);
        for (let pos = 0; ; pos += 160) {
          let any = false;
          streams.forEach((s, i) => {
            const start = half[i]! + pos;
            if (start >= audio[i]!.length) return;
            any = true;
            pushFrames(s, audio[i]!.subarray(start, start + 160), start / 8);
          });
          if (!any) break;
          for (const r of await engine.process()) out.get(r.streamId)!.push(r);
        }
        const stats = engine.stats();
        if (batch) assert.ok(stats.meanBatchSize > 1, `mean batch ${stats.meanBatchSize}`);
        else assert.equal(stats.meanBatchSize, 1);
        return out;
      };
      const batched = await runMode(true);
      const single = await runMode(false);
      for (const [id, rs] of batched) {
        const other = single.get(id)!;
        assert.equal(rs.length, other.length);
        assert.equal(rs.length, Math.floor(audio[Number(id.slice(1))]!.length / 256));
        rs.forEach((r, k) => {
          assert.equal(r.windowEndMs, (k + 1) * 32);
          assert.ok(Math.abs(r.probability - other[k]!.probability) <= 1e-4, `${id} window ${k}: ${r.probability} vs ${other[k]!.probability}`);
        });
      }
    });
  }

  it('speech through the engine and endpointer gives onset, start and end in order', async () => {
    const engine = await VadEngine.create();
    const ep = new Endpointer();
    const events: string[] = [];
    const s = engine.createStream('call', (p, endMs) => events.push(...ep.feed(p, endMs).map((e) => e.type)));
    const end = pushFrames(s, new Int16Array(4000));
    pushFrames(s, Int16Array.from([...speech, ...new Int16Array(8000)]), end);
    await engine.process();
    assert.deepEqual(events.slice(0, 2), ['speech_onset', 'speech_start']);
    assert.equal(events.at(-1), 'speech_end');
    assert.equal(ep.state, 'silence');
    assert.ok(ep.times.onsetMs! >= 450, `onset at ${ep.times.onsetMs} ms, inside the leading silence`);
  });
});

describe('engine bookkeeping (stand-in model)', () => {
  it('cuts 256-sample windows from frames of any size and times each at its last sample', async () => {
    const engine = new VadEngine(fakeModel());
    const s = engine.createStream('a');
    const pcm = new Int16Array(1000);
    s.push(pcm.subarray(0, 100), 1012.5); // samples end at 1012.5 ms
    s.push(pcm.subarray(100, 700), 1087.5);
    s.push(pcm.subarray(700, 1000), 1125);
    assert.equal(s.pendingWindows, 3);
    const rs = await engine.process();
    // sample 256 is 256 − 100 = 156 samples into the second chunk, whose last (600th) ends at 1087.5
    assert.deepEqual(
      rs.map((r) => r.windowEndMs),
      [1087.5 - (600 - 156) / 8, 1087.5 - (600 - 412) / 8, 1125 - (300 - 68) / 8],
    );
  });

  it('drains backlogs over consecutive rounds, one window per stream per batch, in order', async () => {
    const model = fakeModel();
    const engine = new VadEngine(model);
    const a = engine.createStream('a');
    const b = engine.createStream('b');
    const seen: Array<[number, number]> = [];
    a.onProbability = (p, t) => seen.push([p, t]);
    a.push(windowsPcm([0, 0.1, 0.2]), 96);
    b.push(windowsPcm([0]), 32);
    const rs = await engine.process();
    assert.deepEqual(model.batches, [2, 1, 1]);
    assert.deepEqual(
      rs.map((r) => r.streamId),
      ['a', 'b', 'a', 'a'],
    );
    // a's windows: state 0, 1, 2 → p = v + 0.5 + state/10
    const close = (x: number, y: number): boolean => Math.abs(x - y) < 1e-3; // 0.1 is 3277/32768
    assert.ok([0.5, 0.7, 0.9].every((p, k) => close(seen[k]![0], p)));
    assert.deepEqual(
      seen.map(([, t]) => t),
      [32, 64, 96],
    );
    const st = engine.stats();
    assert.deepEqual([st.inferences, st.framesInferred, st.meanBatchSize, st.gated, st.streams], [3, 4, 4 / 3, 0, 2]);
  });

  it('never overlaps passes: a call during a pass returns the one shared follow-up', async () => {
    const model = fakeModel();
    const engine = new VadEngine(model);
    const s = engine.createStream('a');
    s.push(windowsPcm([0]), 32);
    // the second window arrives while the first pass is in the model: it belongs to the follow-up
    model.onInfer = () => {
      model.onInfer = undefined;
      s.push(windowsPcm([0]), 64);
    };
    const first = engine.process();
    const second = engine.process();
    const third = engine.process();
    assert.notEqual(first, second);
    assert.equal(second, third);
    const [r1, r2] = await Promise.all([first, second]);
    assert.deepEqual(
      r1.map((r) => r.windowEndMs),
      [32],
    );
    assert.deepEqual(
      r2.map((r) => r.windowEndMs),
      [64],
    );
    assert.deepEqual(await engine.process(), []);
  });

  it('gates quiet windows to 0 without inference and resets the stream state there', async () => {
    const model = fakeModel();
    const engine = new VadEngine(model, { gateDbfs: -50 });
    const s = engine.createStream('a');
    // loud, loud, silent, loud: the state counts loud windows seen since the last reset
    s.push(windowsPcm([0.1, 0.1, 0, 0.1]), 128);
    const rs = await engine.process();
    const ps = rs.map((r) => Math.round(r.probability * 1000) / 1000);
    assert.deepEqual(ps, [0.6, 0.7, 0, 0.6]);
    assert.deepEqual(
      rs.map((r) => r.windowEndMs),
      [32, 64, 96, 128],
    );
    assert.equal(engine.stats().gated, 1);
    assert.equal(engine.stats().framesInferred, 3);
    assert.throws(() => new VadEngine(model, { gateDbfs: 3 }), RangeError);
  });

  it('reset clears state and buffered audio, and drops an in-flight result; close removes the stream', async () => {
    const model = fakeModel();
    const engine = new VadEngine(model);
    const s = engine.createStream('a');
    s.push(windowsPcm([0, 0]), 64);
    await engine.process();
    s.push(new Int16Array(600), 139); // two windows and 88 samples
    model.onInfer = () => {
      model.onInfer = undefined;
      s.reset(); // the first window is in the model, the second waits
    };
    assert.deepEqual(await engine.process(), []);
    assert.equal(s.pendingWindows, 0);
    s.push(windowsPcm([0]), 200);
    const [r] = await engine.process();
    assert.equal(r!.probability, 0.5, 'state starts from zero again (and the 88 leftover samples were dropped)');
    assert.equal(r!.windowEndMs, 200);

    assert.throws(() => engine.createStream('a'), /already exists/);
    s.push(windowsPcm([0]), 232);
    s.close();
    s.push(windowsPcm([0]), 264);
    assert.equal(engine.streamCount, 0);
    assert.deepEqual(await engine.process(), []);
    engine.createStream('a').close();
  });

  it('keeps going when a listener throws', async () => {
    const errors: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (m: string) => void errors.push(m), child: () => logger };
    const results: VadResult[] = [];
    const engine = new VadEngine(fakeModel(), { logger, onResult: (r) => results.push(r) });
    engine.createStream('a', () => {
      throw new Error('boom');
    }).push(windowsPcm([0, 0]), 64);
    assert.equal((await engine.process()).length, 2);
    assert.equal(results.length, 2);
    assert.equal(errors.length, 2);
  });
});
