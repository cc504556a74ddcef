import { it } from 'node:test';
import assert from 'node:assert/strict';
import { synthesize } from './flite.js';
import { encodeWav, parseWav } from '@callgate/contracts';

it('flite speaks a prompt at 8 kHz: about a second of non-silent audio for a short sentence', async () => {
  const pcm = await synthesize('Please hold on.');
  assert.ok(pcm.length > 4000 && pcm.length < 24000, `${pcm.length} samples`);
  const peak = pcm.reduce((m, s) => Math.max(m, Math.abs(s)), 0);
  assert.ok(peak > 3000, `peak ${peak}`);
  assert.equal(await synthesize('Please hold on.'), pcm, 'cached per text');
});

it('WAV round trip, and clear errors for what is not 16-bit mono PCM', () => {
  const samples = Int16Array.from([0, 1, -1, 32767, -32768]);
  const back = parseWav(encodeWav(samples, 8000));
  assert.equal(back.sampleRate, 8000);
  assert.deepEqual([...back.samples], [...samples]);
  assert.throws(() => parseWav(Buffer.from('nope')), /not a RIFF/);
  const stereo = encodeWav(samples);
  stereo.writeUInt16LE(2, 22);
  assert.throws(() => parseWav(stereo), /16-bit mono PCM.*2 channels/);
});
