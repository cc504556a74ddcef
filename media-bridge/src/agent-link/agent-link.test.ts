import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { encodeAudioFrame, replyTag, type AgentControlEvent, type BridgeControlEvent } from '@callgate/contracts';
import { AgentLink } from './agent-link.js';
import type { AgentLinkOptions, AgentLinkStart } from './types.js';
import { startTestAgentServer, type TestAgentServer } from '../testing/agent-server.js';
import { eventually } from '../testing/udp-peer.js';

const start: AgentLinkStart = { sessionId: 's-1', callId: 'c-1', endpointId: 'ep-1', agent: 'demo', from: '+15550100', to: '1000', codec: 'PCMU', sampleRate: 8000, frameMs: 20 };

const ramp = (n: number, from = 0) => Int16Array.from({ length: n }, (_, i) => ((from + i) * 37) % 30000);

function link(server: TestAgentServer | string, over: Partial<AgentLinkOptions> = {}): AgentLink {
  return new AgentLink({ url: typeof server === 'string' ? server : server.url, start, reconnect: { attempts: 3, backoffMs: 20 }, ...over });
}

/** Records every event the link emits, in order. */
function record(l: AgentLink) {
  const log: { controls: AgentControlEvent[]; tts: { replyId: string; seq: number; pcm: Int16Array; offsetMs: number }[]; down: string[]; gaveUp: string[]; invalid: string[]; opens: boolean[]; errors: string[] } = {
    controls: [],
    tts: [],
    down: [],
    gaveUp: [],
    invalid: [],
    opens: [],
    errors: [],
  };
  l.on('control', (e) => log.controls.push(e));
  l.on('ttsAudio', (replyId, seq, pcm, offsetMs) => log.tts.push({ replyId, seq, pcm, offsetMs }));
  l.on('down', (r) => log.down.push(r));
  l.on('gaveUp', (r) => log.gaveUp.push(r));
  l.on('invalid', (r) => log.invalid.push(r));
  l.on('open', (i) => log.opens.push(i.resumed));
  l.on('agentError', (code) => log.errors.push(code));
  return log;
}

/** A port nothing listens on (bound once, then released). */
async function deadPort(): Promise<number> {
  const s = http.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('AgentLink against the test agent server', () => {
  it('sends a validated start, carries audio both ways and control in order, and close sends end', async () => {
    const server = await startTestAgentServer();
    const l = link(server);
    const seen = record(l);
    try {
      assert.equal(await l.connect(), true);
      await eventually(() => server.connections[0]?.start !== undefined, 5000, 'start');
      const conn = server.connection('s-1');
      assert.deepEqual(conn.start, { v: 1, type: 'start', ...start });
      assert.equal(conn.messages[0]?.type, 'start', 'start comes first');
      assert.deepEqual(seen.opens, [false]);

      for (let i = 0; i < 10; i++) assert.equal(l.sendAudio(ramp(160, i * 160), 1000 + i * 20), true);
      const events: BridgeControlEvent[] = [
        { type: 'speech_start', atMs: 1000 },
        { type: 'speech_end', atMs: 1200, speechMs: 200 },
        { type: 'dtmf', digit: '5', durationMs: 100, source: 'rfc4733' },
        { type: 'barge_in', atMs: 1300, replyId: 'r0', heardMs: 120 },
        { type: 'playback_done', replyId: 'r0', playedMs: 400 },
      ];
      for (const e of events) assert.equal(l.sendControl(e), true);
      await eventually(() => conn.audioFrames === 10 && conn.controls.length === events.length, 5000, 'audio and control at the server');
      assert.equal(conn.audioSamples, 1600);
      assert.deepEqual(conn.audioSeqs, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.deepEqual(conn.controls, events);

      const reply = ramp(400);
      await server.sendReply('s-1', reply, 'r1');
      server.sendControl('s-1', { type: 'hangup', reason: 'done' });
      await eventually(() => seen.controls.length === 3, 5000, 'reply_start, reply_end, hangup');
      assert.deepEqual(seen.controls, [{ type: 'reply_start', replyId: 'r1' }, { type: 'reply_end', replyId: 'r1' }, { type: 'hangup', reason: 'done' }]);
      assert.deepEqual(
        seen.tts.map((t) => [t.replyId, t.seq, t.pcm.length, t.offsetMs]),
        [['r1', 0, 160, 0], ['r1', 1, 160, 20], ['r1', 2, 80, 40]],
      );
      assert.deepEqual(Int16Array.from(seen.tts.flatMap((t) => [...t.pcm])), reply);

      await l.close('caller hung up');
      await eventually(() => conn.closed, 5000, 'server side closed');
      assert.deepEqual(conn.controls.at(-1), { type: 'end', reason: 'caller hung up' });
      await l.close('again');
      assert.equal(conn.controls.filter((e) => e.type === 'end').length, 1, 'close is idempotent');
      assert.equal(l.sendControl({ type: 'speech_start', atMs: 5 }), false);
      assert.equal(l.sendAudio(ramp(160), 5000), false);
      const s = l.stats();
      assert.equal(s.state, 'closed');
      assert.equal(s.audioFramesSent, 10);
      assert.equal(s.controlSent, events.length + 1);
      assert.equal(s.ttsFramesReceived, 3);
      assert.equal(s.reconnects, 0);
      assert.deepEqual(seen.down, []);
      assert.equal(server.connections.length, 1, 'no reconnect after close');
    } finally {
      await l.close();
      await server.close();
    }
  });

  it('counts and drops invalid messages from the agent and stays up', async () => {
    const server = await startTestAgentServer();
    const l = link(server);
    const seen = record(l);
    try {
      await l.connect();
      await eventually(() => server.connections[0]?.start !== undefined);
      server.sendRaw(0, '{not json');
      server.sendRaw(0, JSON.stringify({ v: 1, type: 'control_event', event: { type: 'reply_start', replyId: 'r1', text: 'hi there' } }));
      server.sendRaw(0, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0, 0]));
      server.sendRaw(0, encodeAudioFrame({ kind: 'tts_audio', seq: 0, timeMs: 0, replyTag: replyTag('never-announced'), pcm: ramp(160) }));
      server.sendRaw(0, encodeAudioFrame({ kind: 'caller_audio', seq: 0, timeMs: 0, replyTag: 0, pcm: ramp(160) }));
      server.sendMessage(0, { v: 1, type: 'error', code: 'overloaded', message: 'busy' });
      server.sendRaw(0, JSON.stringify({ v: 1, type: 'ping', id: 3 }));
      await eventually(() => seen.invalid.length === 5 && seen.errors.length === 1, 5000, 'five refusals and the error');
      assert.equal(seen.invalid[0], 'invalid JSON');
      assert.match(seen.invalid[1]!, /^event: unknown field\(s\) text/);
      assert.match(seen.invalid[2]!, /^magic: /);
      assert.match(seen.invalid[3]!, /^replyTag: .* not an announced reply/);
      assert.match(seen.invalid[4]!, /^kind: expected tts_audio/);
      assert.deepEqual(seen.controls, []);
      assert.deepEqual(seen.errors, ['overloaded']);
      await eventually(() => server.connections[0]!.messages.some((m) => m.type === 'pong' && m.id === 3), 5000, 'pong');

      await server.sendReply(0, ramp(320), 'r2');
      await eventually(() => seen.tts.length === 2, 5000, 'a good reply after the bad frames');
      server.sendRaw(0, encodeAudioFrame({ kind: 'tts_audio', seq: 9, timeMs: 0, replyTag: replyTag('r2'), pcm: ramp(160) }));
      await eventually(() => seen.invalid.length === 6, 5000, 'audio after reply_end is refused');
      assert.equal(l.stats().invalidMessages, 6);
      assert.equal(l.stats().state, 'open');
      assert.equal(server.connections.length, 1);
    } finally {
      await l.close();
      await server.close();
    }
  });

  it('reconnects after a drop, re-sends start with resume:true and flushes queued control events in order', async () => {
    const server = await startTestAgentServer();
    const l = link(server, { reconnect: { attempts: 3, backoffMs: 100 } });
    const seen = record(l);
    try {
      await l.connect();
      await eventually(() => server.connections[0]?.start !== undefined);
      l.sendControl({ type: 'speech_start', atMs: 100 });
      await eventually(() => server.connections[0]!.controls.length === 1, 5000, 'first event');

      const down = once(l, 'down');
      server.dropConnection('s-1');
      await down;
      assert.equal(l.stats().state, 'backoff');
      const queued: BridgeControlEvent[] = [];
      for (let i = 0; i < 20; i++) queued.push({ type: 'dtmf', digit: String(i % 10), durationMs: 60, source: 'rfc4733' });
      for (const e of queued) assert.equal(l.sendControl(e), true);
      assert.equal(l.sendAudio(ramp(160), 2000), false, 'audio is dropped while down');
      assert.equal(l.stats().controlQueued, 20);

      await eventually(() => server.connections[1]?.controls.length === 20, 5000, 'queued events on the new connection');
      const conn = server.connections[1]!;
      assert.deepEqual(conn.start, { v: 1, type: 'start', ...start, resume: true });
      assert.equal(conn.messages[0]?.type, 'start', 'start precedes the flushed events');
      assert.deepEqual(conn.controls, queued);
      assert.deepEqual(seen.opens, [false, true]);
      assert.equal(seen.down.length, 1);
      assert.match(seen.down[0]!, /connection lost/);

      assert.equal(l.sendAudio(ramp(160), 2020), true);
      await eventually(() => conn.audioFrames === 1, 5000, 'audio after the reconnect');
      assert.deepEqual(conn.audioSeqs, [1], 'the dropped frame left a gap in seq');
      const s = l.stats();
      assert.equal(s.reconnects, 1);
      assert.equal(s.controlQueued, 0);
      assert.equal(s.audioFramesDropped, 1);
      assert.deepEqual(seen.gaveUp, []);
    } finally {
      await l.close();
      await server.close();
    }
  });

  it('gives up after the configured attempts when the agent refuses, is absent or never answers', async () => {
    const refusing = await startTestAgentServer({ refuse: true });
    const silent = await startTestAgentServer({ silent: true });
    try {
      const cases: [string, AgentLink, RegExp][] = [
        ['refused', link(refusing, { reconnect: { attempts: 2, backoffMs: 10 } }), /503/],
        ['absent', link(`ws://127.0.0.1:${await deadPort()}/`, { reconnect: { attempts: 2, backoffMs: 10 } }), /ECONNREFUSED/],
        ['silent', link(silent, { connectTimeoutMs: 150, reconnect: { attempts: 1, backoffMs: 10 } }), /no open within 150 ms/],
      ];
      for (const [what, l, why] of cases) {
        const seen = record(l);
        assert.equal(l.sendControl({ type: 'speech_start', atMs: 0 }), true, `${what}: queued before connecting`);
        assert.equal(await l.connect(), false, what);
        const tries = what === 'silent' ? 2 : 3;
        assert.equal(seen.down.length, tries, `${what}: one down per try`);
        for (const d of seen.down) assert.match(d, why, what);
        assert.equal(seen.gaveUp.length, 1, what);
        assert.match(seen.gaveUp[0]!, /gave up after/);
        assert.equal(l.stats().state, 'failed');
        assert.equal(l.stats().connectFailures, tries);
        assert.equal(l.sendControl({ type: 'speech_end', atMs: 1, speechMs: 1 }), false);
        await l.close();
        assert.equal(l.stats().state, 'failed');
      }
    } finally {
      await refusing.close();
      await silent.close();
    }
  });

  it('drops caller audio rather than buffering it when the agent stops reading; control still arrives', async () => {
    const server = await startTestAgentServer();
    const l = link(server, { maxBufferedBytes: 64 * 1024 });
    try {
      await l.connect();
      await eventually(() => server.connections[0]?.start !== undefined);
      server.pauseReading(0);
      const second = ramp(8000);
      let sent = 0;
      for (let i = 0; i < 4000 && l.stats().audioFramesDropped === 0; i++) {
        if (l.sendAudio(second, i * 1000)) sent++;
        if (i % 50 === 49) await new Promise((r) => setImmediate(r));
      }
      assert.ok(l.stats().audioFramesDropped > 0, 'a frame was dropped once the socket backed up');
      for (let i = 0; i < 20; i++) assert.equal(l.sendAudio(second, 0), false, 'still backed up');
      const events: BridgeControlEvent[] = [
        { type: 'speech_start', atMs: 1 },
        { type: 'speech_end', atMs: 2, speechMs: 1 },
      ];
      for (const e of events) assert.equal(l.sendControl(e), true);
      const s = l.stats();
      assert.equal(s.audioFramesSent, sent);
      assert.equal(s.audioFramesDropped, 21);

      server.resumeReading(0);
      const conn = server.connections[0]!;
      await eventually(() => conn.controls.length === 2, 10000, 'control events after the backlog');
      assert.deepEqual(conn.controls, events);
      assert.equal(conn.audioFrames, sent, 'every frame not dropped arrived');
      await eventually(() => l.sendAudio(second, 0), 10000, 'audio flows again once drained');
    } finally {
      await l.close();
      await server.close();
    }
  });

  it('fails the link rather than dropping control events when the queue overflows', async () => {
    const l = new AgentLink({ url: 'ws://127.0.0.1:9/', start, maxQueuedControl: 3 });
    const seen = record(l);
    for (let i = 0; i < 3; i++) assert.equal(l.sendControl({ type: 'speech_start', atMs: i }), true);
    assert.equal(l.sendControl({ type: 'speech_start', atMs: 3 }), false);
    assert.equal(seen.gaveUp.length, 1);
    assert.match(seen.gaveUp[0]!, /control queue overflow/);
    assert.equal(l.stats().state, 'failed');
    assert.equal(await l.connect(), false);
  });

  it('treats a normal close by the agent as the end of the stream', async () => {
    const server = await startTestAgentServer();
    const l = link(server);
    const seen = record(l);
    try {
      await l.connect();
      await eventually(() => server.connections[0]?.start !== undefined);
      const gaveUp = once(l, 'gaveUp');
      server.connection(0).ws.close(1000, 'bye');
      await gaveUp;
      assert.match(seen.gaveUp[0]!, /agent closed the stream/);
      assert.equal(seen.down.length, 1);
      assert.equal(server.connections.length, 1);
    } finally {
      await l.close();
      await server.close();
    }
  });

  it('close during a backoff stops the retries', async () => {
    const server = await startTestAgentServer({ refuse: true });
    const l = link(server, { reconnect: { attempts: 5, backoffMs: 60000 } });
    const seen = record(l);
    try {
      const opened = l.connect();
      await once(l, 'down');
      assert.equal(l.stats().state, 'backoff');
      await l.close();
      assert.equal(await opened, false);
      assert.equal(l.stats().state, 'closed');
      assert.equal(seen.down.length, 1);
      assert.deepEqual(seen.gaveUp, []);
    } finally {
      await server.close();
    }
  });

  it('refuses a bad start message, url or option up front', () => {
    assert.throws(() => new AgentLink({ url: 'ws://127.0.0.1:9/', start: { ...start, codec: 'G729' as 'PCMU' } }), /start message: codec: /);
    assert.throws(() => new AgentLink({ url: 'http://127.0.0.1:9/', start }), /ws:\/\/ or wss:\/\//);
    assert.throws(() => new AgentLink({ url: 'ws://127.0.0.1:9/', start, maxBufferedBytes: 0 }), RangeError);
    const l = new AgentLink({ url: 'ws://127.0.0.1:9/', start });
    assert.throws(() => l.sendControl({ type: 'dtmf', digit: 'x', durationMs: 1, source: 'rfc4733' }), /event.digit|digit: /);
  });
});
