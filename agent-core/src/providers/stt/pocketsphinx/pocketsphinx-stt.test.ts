import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SttEvent } from '../../ports.js';
import { synthesize } from './accuracy.js';
import {
  cleanTranscript,
  PocketSphinxStt,
  PocketSphinxUnavailableError,
  pocketSphinxUnavailableReason,
  type PocketSphinxStream,
} from './pocketsphinx-stt.js';

const work = mkdtempSync(join(tmpdir(), 'callgate-ps-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

const engineMissing = await pocketSphinxUnavailableReason();
const toolsMissing = ['espeak-ng', 'flite', 'sox'].filter((cmd) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
});
if (engineMissing) console.log(`skipping engine tests: ${engineMissing}`);
if (toolsMissing.length > 0) console.log(`skipping audio tests: missing ${toolsMissing.join(', ')}`);
const engine = { skip: engineMissing ?? false };
const audio = { skip: engineMissing ?? (toolsMissing.length > 0 ? `missing ${toolsMissing.join(', ')}` : false) };

const HINTS = {
  phrases: ['what are your opening hours', 'i would like to book an appointment', 'book an appointment for tuesday',
    'yes please', 'no thanks', 'can i talk to a human'],
  words: ['monday', 'tuesday', 'wednesday'],
};

function options(extra: Record<string, unknown> = {}): ConstructorParameters<typeof PocketSphinxStt>[0] {
  return { cacheDir: join(work, 'cache'), poolSize: 0, ...extra };
}

function collect(stream: PocketSphinxStream): SttEvent[] {
  const events: SttEvent[] = [];
  stream.onEvent((e) => events.push(e));
  return events;
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function pushFrames(stream: PocketSphinxStream, pcm: Int16Array): void {
  for (let i = 0; i < pcm.length; i += 160) stream.push(pcm.subarray(i, Math.min(i + 160, pcm.length)));
}

const finals = (events: SttEvent[]): string[] => events.flatMap((e) => (e.type === 'final' ? [e.text] : []));

test('a multi-second utterance: partials while it is spoken, then the final after flush()', audio, async () => {
  const pcm = await synthesize('i would like to book an appointment for tuesday', 'flite-slt', work, 'long');
  const stt = new PocketSphinxStt(options());
  const stream = await stt.start({ sessionId: 's1', hints: HINTS }, new AbortController().signal);
  try {
    const events = collect(stream);
    pushFrames(stream, new Int16Array(2400));
    pushFrames(stream, pcm);
    pushFrames(stream, new Int16Array(2400));
    const t = performance.now();
    stream.flush();
    await waitFor(() => finals(events).length === 1, 'the final');
    const firstFinal = events.findIndex((e) => e.type === 'final');
    const partials = events.slice(0, firstFinal).filter((e) => e.type === 'partial');
    console.log(`${(pcm.length / 8000).toFixed(2)} s of audio → ${partials.length} partials, final "${finals(events)[0]}" ` +
      `${(performance.now() - t).toFixed(0)} ms after flush (decoder start ${stream.startupMs?.toFixed(0)} ms)`);
    assert.ok(partials.length >= 2, `partials before the final: ${partials.length}`);
    assert.match(finals(events)[0]!, /appointment/);
    const f = events[firstFinal];
    assert.ok(f?.type === 'final' && typeof f.confidence === 'number' && f.confidence >= 0 && f.confidence <= 1);
    assert.equal(events.filter((e) => e.type === 'error').length, 0);
    assert.ok(stream.lastUtterance && stream.lastUtterance.audioMs > pcm.length / 8);
  } finally {
    await stream.close();
    await stt.close();
  }
});

test('utterances follow each other in one stream; flush without speech gives an empty final', audio, async () => {
  const yes = await synthesize('yes please', 'flite-slt', work, 'yes');
  const human = await synthesize('can i talk to a human', 'flite-rms', work, 'human');
  const stt = new PocketSphinxStt(options());
  const stream = await stt.start({ sessionId: 's2', hints: HINTS }, new AbortController().signal);
  try {
    const events = collect(stream);
    stream.flush(); // nothing pushed yet
    await waitFor(() => finals(events).length === 1, 'final 1');
    pushFrames(stream, new Int16Array(8000)); // 1 s of silence
    stream.flush();
    await waitFor(() => finals(events).length === 2, 'final 2');
    pushFrames(stream, yes);
    stream.flush();
    await waitFor(() => finals(events).length === 3, 'final 3');
    pushFrames(stream, human);
    stream.flush();
    await waitFor(() => finals(events).length === 4, 'final 4');
    const texts = finals(events);
    console.log(`finals: ${JSON.stringify(texts)}`);
    assert.equal(texts[0], '');
    assert.equal(texts[1], '');
    assert.match(texts[2]!, /\byes\b/);
    assert.match(texts[3]!, /\bhuman\b/);
    // partials belong to the utterance after the final that precedes them
    const lastFinal = events.map((e) => e.type).lastIndexOf('final');
    assert.equal(events.slice(lastFinal + 1).length, 0);
  } finally {
    await stream.close();
    await stt.close();
  }
});

test('an utterance that is never flushed ends by itself after maxUtteranceMs', audio, async () => {
  const pcm = await synthesize('i would like to book an appointment', 'flite-rms', work, 'maxlen');
  const stt = new PocketSphinxStt(options({ maxUtteranceMs: 1000 }));
  const stream = await stt.start({ sessionId: 's6', hints: HINTS }, new AbortController().signal);
  try {
    const events = collect(stream);
    pushFrames(stream, pcm);
    await stream.drain();
    await waitFor(() => finals(events).length >= 1, 'a final without flush');
    assert.equal(stream.lastUtterance?.reason, 'max_length');
    assert.ok(finals(events)[0]!.length > 0);
  } finally {
    await stream.close();
    await stt.close();
  }
});

test('close() ends the helper process; nothing is emitted afterwards and push/flush are harmless', engine, async () => {
  const stt = new PocketSphinxStt(options());
  const stream = await stt.start({ sessionId: 's3', hints: HINTS }, new AbortController().signal);
  const pid = stream.pid!;
  assert.ok(alive(pid));
  const events = collect(stream);
  pushFrames(stream, new Int16Array(1600));
  await stream.close();
  assert.ok(!alive(pid), 'helper gone after close()');
  stream.push(new Int16Array(160));
  stream.flush();
  await stream.close(); // idempotent
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(events.filter((e) => e.type !== 'partial'), []);
  await stt.close();
});

test('aborting the signal given to start() closes the stream', engine, async () => {
  const stt = new PocketSphinxStt(options());
  const ac = new AbortController();
  const stream = await stt.start({ sessionId: 's4', hints: HINTS }, ac.signal);
  const pid = stream.pid!;
  const events = collect(stream);
  ac.abort();
  await waitFor(() => !alive(pid), 'the helper to exit after abort');
  stream.flush();
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(events, []);
  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(stt.start({ sessionId: 's4b', hints: HINTS }, aborted.signal));
  await stt.close();
});

test('an engine crash mid-call is reported once as an error event', engine, async () => {
  const stt = new PocketSphinxStt(options());
  const stream = await stt.start({ sessionId: 's5', hints: HINTS }, new AbortController().signal);
  const events = collect(stream);
  pushFrames(stream, new Int16Array(1600));
  process.kill(stream.pid!, 'SIGKILL');
  await waitFor(() => events.some((e) => e.type === 'error'), 'the error event');
  pushFrames(stream, new Int16Array(1600));
  stream.flush();
  await new Promise((r) => setTimeout(r, 100));
  const errors = events.filter((e) => e.type === 'error');
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.type === 'error' ? errors[0]!.error.message : '', /SIGKILL/);
  assert.equal(finals(events).length, 0);
  await stream.close();
  await stt.close();
});

test('warm pool: the next call with the same hints gets an already started process', engine, async () => {
  const stt = new PocketSphinxStt(options({ poolSize: 1 }));
  const t0 = performance.now();
  const a = await stt.start({ sessionId: 'p1', hints: HINTS }, new AbortController().signal);
  const cold = performance.now() - t0;
  await stt.prewarm(HINTS);
  const t1 = performance.now();
  const b = await stt.start({ sessionId: 'p2', hints: HINTS }, new AbortController().signal);
  const warm = performance.now() - t1;
  console.log(`start(): cold ${cold.toFixed(0)} ms (process ready in ${a.startupMs?.toFixed(0)} ms), from the pool ${warm.toFixed(0)} ms`);
  assert.equal(a.fromPool, false);
  assert.equal(b.fromPool, true);
  assert.notEqual(a.pid, b.pid);
  await Promise.all([a.close(), b.close()]);
  // a warm process that died while waiting is skipped
  await stt.prewarm(HINTS);
  const [warmPid] = stt.poolStatus().flatMap((p) => p.pids);
  assert.ok(warmPid !== undefined && alive(warmPid));
  process.kill(warmPid, 'SIGKILL');
  await waitFor(() => stt.poolStatus().every((p) => !p.pids.includes(warmPid)), 'the pool to notice');
  const c0 = await stt.start({ sessionId: 'p2b', hints: HINTS }, new AbortController().signal);
  assert.equal(c0.fromPool, false);
  await c0.close();
  const pooled = stt.poolStatus().flatMap((p) => p.pids);
  await stt.close(); // also ends the processes the pool started
  await waitFor(() => pooled.every((pid) => !alive(pid)), 'pooled processes to exit');
  const other = new PocketSphinxStt(options({ poolSize: 0 }));
  const c = await other.start({ sessionId: 'p3', hints: HINTS }, new AbortController().signal);
  const d = await other.start({ sessionId: 'p4', hints: HINTS }, new AbortController().signal);
  assert.equal(c.fromPool || d.fromPool, false);
  await other.close();
  assert.ok(!alive(c.pid!) && !alive(d.pid!), 'provider close() ends its streams');
});

test('language model files: cached per hint set, unknown words reported', engine, async () => {
  const stt = new PocketSphinxStt(options());
  const m1 = await stt.languageModelFor({ phrases: ['open the zorblax account'], words: ['Tuesday'] });
  const m2 = await stt.languageModelFor({ phrases: ['open the zorblax account'], words: ['tuesday'] });
  const m3 = await stt.languageModelFor({ phrases: ['open the account'], words: ['tuesday'] });
  assert.equal(m1.key, m2.key);
  assert.notEqual(m1.key, m3.key);
  assert.deepEqual(m1.dropped, ['zorblax']);
  assert.ok(existsSync(m1.lmPath) && existsSync(m1.dictPath));
  const dict = readFileSync(m1.dictPath, 'utf8');
  assert.match(dict, /^account /m);
  assert.match(dict, /^tuesday /m);
  assert.ok(!/zorblax/.test(readFileSync(m1.lmPath, 'utf8')));
  await stt.close();
});

test('a clear error when Python, the pocketsphinx module or the model is missing', async () => {
  const noPython = new PocketSphinxStt(options({ pythonPath: join(work, 'no-such-python3') }));
  await assert.rejects(
    noPython.start({ sessionId: 'e1', hints: HINTS }, new AbortController().signal),
    (e: unknown) =>
      e instanceof PocketSphinxUnavailableError &&
      /python3-pocketsphinx/.test(e.message) &&
      (engineMissing !== null || /no-such-python3/.test(e.message)), // without the model that is reported first
  );
  const noModel = new PocketSphinxStt(options({ modelDir: join(work, 'no-model') }));
  await assert.rejects(
    noModel.start({ sessionId: 'e2', hints: HINTS }, new AbortController().signal),
    (e: unknown) => e instanceof PocketSphinxUnavailableError && /pocketsphinx-en-us/.test(e.message),
  );
  assert.match((await pocketSphinxUnavailableReason({ modelDir: join(work, 'no-model') }))!, /pocketsphinx-en-us/);

  // a Python that cannot import the module (site-packages off): the helper says so and start() rejects clearly
  if (!engineMissing) {
    const wrapper = join(work, 'python-without-site');
    writeFileSync(wrapper, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n');
    chmodSync(wrapper, 0o755);
    const noModule = new PocketSphinxStt(options({ pythonPath: wrapper }));
    await assert.rejects(
      noModule.start({ sessionId: 'e3', hints: HINTS }, new AbortController().signal),
      (e: unknown) => e instanceof PocketSphinxUnavailableError && /python3-pocketsphinx/.test(e.message) && /pocketsphinx/.test(e.message),
    );
    await noModule.close();
  }
  await Promise.all([noPython.close(), noModel.close()]);
});

test('transcripts lose fillers', () => {
  assert.equal(cleanTranscript('um yes uh please  hmm'), 'yes please');
  assert.equal(cleanTranscript('uh'), '');
});
