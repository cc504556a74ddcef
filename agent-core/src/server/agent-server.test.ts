import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket from 'ws';
import { encodeAudioFrame, parseAgentMessage, silentLogger, type AgentMessage, type AgentStreamStart } from '@callgate/contracts';
import { CallSession, type BridgeOut } from '../session/call-session.js';
import { FakeTools, ScriptedDialogue, ScriptedStt, ToneTts } from '../session/fakes.js';
import { MemoryLiveSink } from '../session/live-publisher.js';
import { AgentServer } from './agent-server.js';

const start = (over: Partial<AgentStreamStart> = {}): AgentStreamStart => ({
  v: 1,
  type: 'start',
  sessionId: 'sess-1',
  callId: 'call-1',
  endpointId: 'ep-1',
  agent: 'desk',
  codec: 'PCMU',
  sampleRate: 8000,
  frameMs: 20,
  ...over,
});

describe('AgentServer', () => {
  let server: AgentServer | undefined;
  const stts: ScriptedStt[] = [];
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function listen(resumeGraceMs = 5000) {
    server = await AgentServer.listen({
      port: 0,
      log: silentLogger,
      resumeGraceMs,
      createSession: (s: AgentStreamStart, bridge: BridgeOut) => {
        if (s.agent !== 'desk') throw new Error(`no agent '${s.agent}' here`);
        const stt = new ScriptedStt();
        stts.push(stt);
        return new CallSession({
          start: s,
          stt,
          dialogue: new ScriptedDialogue(),
          tts: new ToneTts(),
          tools: new FakeTools(),
          bridge,
          live: new MemoryLiveSink(),
          redact: (t) => t,
          policy: { hints: { phrases: [], words: [] }, repromptText: 'r', maxEmptyTurns: 3, giveUpText: 'g', apologyText: 'a', ignoreEmptyBelowMs: 0, speculate: false },
          log: silentLogger,
        });
      },
    });
    return server;
  }

  /** a bridge-side client collecting what agent-core sends */
  async function connect(url: string) {
    const ws = new WebSocket(url);
    const texts: AgentMessage[] = [];
    let binary = 0;
    ws.on('message', (data, isBinary) => {
      if (isBinary) binary++;
      else {
        const m = parseAgentMessage(data.toString());
        assert.ok(m.ok, 'agent-core sends only valid v1 messages');
        texts.push(m.value);
      }
    });
    await once(ws, 'open');
    return { ws, texts, binary: () => binary };
  }

  const until = async (pred: () => boolean, ms = 3000) => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('greets over the link: reply_start, tts_audio frames, reply_end', async () => {
    const s = await listen();
    const c = await connect(s.url);
    c.ws.send(JSON.stringify(start()));
    await until(() => c.texts.some((m) => m.type === 'control_event' && m.event.type === 'reply_end'));
    assert.ok(c.binary() > 0, 'audio frames');
    assert.equal(s.activeSessions, 1);
    c.ws.send(JSON.stringify({ v: 1, type: 'control_event', event: { type: 'end', reason: 'bye' } }));
    await until(() => s.activeSessions === 0);
    c.ws.close();
  });

  it('refuses a connection whose first message is not start, or names an unknown agent, with an error message', async () => {
    const s = await listen();
    const a = await connect(s.url);
    a.ws.send(JSON.stringify({ v: 1, type: 'ping' }));
    const [code] = (await once(a.ws, 'close')) as [number];
    assert.equal(code, 1008);
    assert.ok(a.texts.some((m) => m.type === 'error' && m.code === 'protocol'));
    const b = await connect(s.url);
    b.ws.send(JSON.stringify(start({ agent: 'nobody' })));
    await once(b.ws, 'close');
    assert.ok(b.texts.some((m) => m.type === 'error' && m.code === 'session_refused' && /nobody/.test(m.message)));
    const c = await connect(s.url);
    c.ws.send(JSON.stringify({ ...start(), v: 2 }));
    await once(c.ws, 'close');
    assert.ok(c.texts.some((m) => m.type === 'error' && /^v: /.test(m.message)), 'an unknown version is refused, never guessed at');
  });

  it('a bad frame mid-call is dropped without ending the call; caller audio reaches the session', async () => {
    const s = await listen();
    const c = await connect(s.url);
    c.ws.send(JSON.stringify(start({ sessionId: 'sess-2' })));
    await until(() => s.session('sess-2') !== undefined);
    c.ws.send(Buffer.from('not a frame'));
    c.ws.send(JSON.stringify({ v: 1, type: 'control_event', event: { type: 'nonsense' } }));
    c.ws.send(encodeAudioFrame({ kind: 'caller_audio', seq: 0, timeMs: 0, replyTag: 0, pcm: new Int16Array(160) }));
    await until(() => (stts.at(-1)?.pushedSamples ?? 0) === 160);
    assert.equal(c.ws.readyState, WebSocket.OPEN);
    c.ws.close();
  });

  it('a bridge that reconnects with resume gets the same session back; one that never returns is ended after the grace', async () => {
    const s = await listen(300);
    const a = await connect(s.url);
    a.ws.send(JSON.stringify(start({ sessionId: 'sess-3' })));
    await until(() => s.session('sess-3') !== undefined);
    const session = s.session('sess-3');
    a.ws.terminate();
    const b = await connect(s.url);
    b.ws.send(JSON.stringify(start({ sessionId: 'sess-3', resume: true })));
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(s.session('sess-3'), session, 'same session after the grace period passed');
    b.ws.terminate();
    await until(() => s.session('sess-3') === undefined, 2000);
    assert.ok(session!.isClosed);
  });
});
