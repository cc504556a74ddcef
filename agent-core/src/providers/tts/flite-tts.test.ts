import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FliteTts } from './flite-tts.js';

async function collect(it: AsyncIterable<Int16Array>): Promise<Int16Array> {
  const parts: Int16Array[] = [];
  for await (const p of it) parts.push(p);
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const rms = (x: Int16Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / Math.max(1, x.length));

describe('FliteTts', () => {
  it('speaks a chunk at 8 kHz with the kal voice, and serves a repeat from its cache', async () => {
    const tts = new FliteTts();
    const signal = new AbortController().signal;
    const pcm = await collect(tts.synthesize('Thanks for calling Riverside Clinic.', { sessionId: 's' }, signal));
    // about two seconds of audible speech at 8000 samples per second
    assert.ok(pcm.length > 8000 && pcm.length < 8000 * 5, `${pcm.length} samples`);
    assert.ok(rms(pcm) > 300, 'audible');
    const again = await collect(tts.synthesize('Thanks for calling Riverside Clinic.', { sessionId: 's' }, signal));
    assert.deepEqual(again, pcm, 'the cached result');
    await tts.close();
  });

  it('resamples a 16 kHz voice to 8 kHz', async () => {
    const tts = new FliteTts({ voice: 'slt', cacheEntries: 0 });
    const kal = await collect(new FliteTts().synthesize('Good morning.', { sessionId: 's' }, new AbortController().signal));
    const slt = await collect(tts.synthesize('Good morning.', { sessionId: 's' }, new AbortController().signal));
    // same words, similar duration at the same 8 kHz rate (voices differ in pace, not 2x)
    assert.ok(slt.length > kal.length * 0.5 && slt.length < kal.length * 2, `kal ${kal.length} vs slt ${slt.length}`);
    await tts.close();
  });

  it('an aborted synthesis yields nothing and says AbortError', async () => {
    const tts = new FliteTts({ cacheEntries: 0 });
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(collect(tts.synthesize('Hello there.', { sessionId: 's' }, ac.signal)), { name: 'AbortError' });
    await tts.close();
  });

  it('refuses an unknown voice naming it', () => {
    assert.throws(() => new FliteTts({ voice: 'robot' }), /unknown voice 'robot'/);
  });
});
