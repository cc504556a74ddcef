/**
 * Graded degradation with real routers, the real flow engine and real flite: a remote chat model that is down
 * or hangs (a local server speaking the OpenAI-compatible protocol) falls back to the next provider, and a late
 * first output is covered by the filler, so the caller never hears silence.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { agentCoreServiceSchema, silentLogger, type AgentControlEvent } from '@callgate/contracts';
import { ProviderHealth } from '../providers/router/index.js';
import { CallSession } from '../session/call-session.js';
import { FakeTools, ScriptedStt } from '../session/fakes.js';
import { MemoryLiveSink } from '../session/live-publisher.js';
import { FakeOpenAiServer, fakeMode } from '../testing/index.js';
import { agentFlowPath } from '../dialogue/flow/index.js';
import { ProviderSet } from './providers.js';

describe('degradation: a remote model down or slow', () => {
  let llm: FakeOpenAiServer;
  before(async () => {
    llm = await FakeOpenAiServer.start();
  });
  after(async () => {
    await llm.close();
  });

  function session(firstOutputTimeoutMs: number) {
    const config = agentCoreServiceSchema.parse({
      providers: { llm: { kind: 'openai-chat', baseUrl: llm.baseUrl, model: 'm' }, flow: { kind: 'flow' }, flite: { kind: 'flite' }, ps: { kind: 'pocketsphinx' } },
      router: { dialogue: { firstOutputTimeoutMs, retries: 0 } },
      agents: { desk: { flow: agentFlowPath('front-desk'), stt: ['ps'], dialogue: ['llm', 'flow'], tts: ['flite'] } },
    });
    const providers = new ProviderSet(config, new ProviderHealth(), () => {});
    const p = providers.forAgent('desk', config.agents.desk!);
    const stt = new ScriptedStt();
    const controls: Array<{ at: number; e: AgentControlEvent }> = [];
    const audio: Array<{ at: number; samples: number }> = [];
    const s = new CallSession({
      start: { v: 1, type: 'start', sessionId: 'deg', callId: 'c', endpointId: 'e', agent: 'desk', codec: 'PCMU', sampleRate: 8000, frameMs: 20 },
      stt,
      dialogue: p.dialogue,
      tts: p.tts,
      tools: new FakeTools(),
      bridge: { sendControl: (e) => controls.push({ at: performance.now(), e }), sendAudio: (_id, pcm) => audio.push({ at: performance.now(), samples: pcm.length }) },
      live: new MemoryLiveSink(),
      redact: (t) => t,
      policy: {
        hints: p.hints,
        filler: { afterMs: 300, text: 'One moment.', pcm: new Int16Array(4000).fill(800) },
        repromptText: 'Sorry?',
        maxEmptyTurns: 3,
        giveUpText: 'Transferring.',
        apologyText: 'Sorry, a problem.',
        ignoreEmptyBelowMs: 300,
        speculate: false,
      },
      log: silentLogger,
    });
    return { s, stt, controls, audio, providers };
  }

  it('a model that refuses (500) falls back to the flow engine: the greeting and the answer are spoken', async () => {
    llm.enqueue(fakeMode.status(500), fakeMode.status(500));
    const t = session(1500);
    await t.s.begin();
    assert.ok(t.audio.length > 0, 'the greeting was spoken');
    const before = t.audio.length;
    t.stt.finals.push('what are your opening hours');
    const spoke = performance.now();
    t.s.control({ type: 'speech_end', atMs: 3000, speechMs: 1500 });
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(t.audio.length > before, 'the answer was spoken');
    assert.ok(t.audio[before]!.at - spoke < 1500, 'without waiting for any timeout');
    assert.ok(llm.requests.filter((r) => r.path.endsWith('/chat/completions')).length >= 2, 'the model was tried first');
    t.s.close('done');
    await t.providers.close();
  });

  it('a model that hangs: the filler covers the wait, then the next provider answers after the first-output timeout', async () => {
    llm.enqueue(fakeMode.ok(), fakeMode.hang());
    const t = session(1200);
    await t.s.begin();
    const before = t.audio.length;
    t.stt.finals.push('what are your opening hours');
    const spoke = performance.now();
    t.s.control({ type: 'speech_end', atMs: 3000, speechMs: 1500 });
    await new Promise((r) => setTimeout(r, 2500));
    const after = t.audio.slice(before);
    assert.ok(after.length >= 2, `audio after the turn: ${after.length} pieces`);
    const first = after[0]!.at - spoke;
    assert.ok(first < 1000, `the filler came first, ${first.toFixed(0)} ms after the turn, before the 1200 ms timeout`);
    assert.equal(after[0]!.samples, 4000, 'the filler audio');
    assert.ok(after.some((a) => a.at - spoke >= 1200), 'the fallback answer followed the timeout');
    const ends = t.controls.filter((c) => c.e.type === 'reply_end');
    assert.ok(ends.length >= 2, 'greeting and answer both ended');
    t.s.close('done');
    await t.providers.close();
  });
});
