/**
 * The measured process of the `agent` bench part: a media bridge and agent-core (with its own private Redis)
 * in one process, as the appliance runs them, driven over IPC by `agent.ts`. `mode` picks the providers:
 * `fake` (instantaneous STT/dialogue/TTS: what is measured is the pipeline's own overhead) or `embedded`
 * (the front-desk agent on PocketSphinx, the flow engine and flite, from callgate.yaml). It reports every
 * turn's timings as agent-core measured them, and exits when the IPC channel closes.
 */
import { join } from 'node:path';
import { createLogger, loadConfig, mediaSchema, silentLogger, type LiveEvent } from '@callgate/contracts';
import { startMediaBridge } from '@callgate/media-bridge';
import { fakes, MemoryLiveSink, startAgentCore, startTestRedis, type AgentProviders } from '@callgate/agent-core';
import { Registry } from 'prom-client';
import { repoRoot } from '../sipp/harness/paths.js';

export type AgentProcRequest = { id: number; op: 'call'; remotePort: number; sessionId: string } | { id: number; op: 'hangup'; endpointId: string } | { id: number; op: 'timings' } | { id: number; op: 'stop' };
export type AgentProcReply = { id: number; ok: true; endpointId?: string; port?: number; timings?: Array<Extract<LiveEvent, { type: 'turn_timing' }>> } | { id: number; ok: false; error: string };
export interface AgentProcReady {
  ready: true;
  hangoverMs: number;
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('agent-proc: run me with child_process.fork');
  const mode = process.argv[2] === 'embedded' ? 'embedded' : 'fake';
  const config = loadConfig(join(repoRoot, 'callgate.yaml'));
  // BENCH_DEBUG=1: the services' logs on stderr
  const log = process.env.BENCH_DEBUG ? createLogger('bench', { level: 'info', write: (l) => process.stderr.write(l + '\n') }) : silentLogger;
  const redis = await startTestRedis();
  const live = new MemoryLiveSink();
  const fakeProviders = (): AgentProviders => ({
    stt: new fakes.InstantStt(),
    dialogue: new fakes.ScriptedDialogue(),
    tts: new fakes.ToneTts(10),
    hints: { phrases: [], words: [] },
  });
  const agentCore = await startAgentCore({
    config: { ...config.agentCore, listen: { address: '127.0.0.1', port: 0 }, demoCalendar: { ...config.agentCore.demoCalendar, port: 0 } },
    redis: redis.connection,
    registry: new Registry(),
    logger: log,
    live,
    ...(mode === 'fake' ? { providersFor: fakeProviders } : {}),
  });
  const media = mediaSchema.parse({ ...config.media, rtpPortMin: 46000, rtpPortMax: 47999, agentCore: { ...config.media.agentCore, url: agentCore.url }, control: { port: 0 } });
  const bridge = await startMediaBridge(media, log);
  const send = (m: AgentProcReply | AgentProcReady) => process.send!(m);
  process.on('disconnect', () => void stop().then(() => process.exit(0)));
  const stop = async () => {
    await bridge.stop();
    await agentCore.stop();
    await redis.stop();
  };
  process.on('message', (raw) => {
    const req = raw as AgentProcRequest;
    void (async () => {
      try {
        if (req.op === 'call') {
          const alloc = await bridge.control.allocate({
            v: 1,
            sessionId: req.sessionId,
            codec: { name: 'PCMU', payloadType: 0, clockRate: 8000 },
            telephoneEventPayloadType: 101,
            remote: { address: '127.0.0.1', port: req.remotePort, direction: 'sendrecv' },
            agent: 'front-desk',
          });
          await bridge.control.connect(alloc.endpointId, { callId: `bench-${req.sessionId}` });
          send({ id: req.id, ok: true, endpointId: alloc.endpointId, port: alloc.port });
        } else if (req.op === 'hangup') {
          await bridge.control.release(req.endpointId, 'bench done');
          send({ id: req.id, ok: true });
        } else if (req.op === 'timings') {
          send({ id: req.id, ok: true, timings: live.events.filter((e): e is Extract<LiveEvent, { type: 'turn_timing' }> => e.type === 'turn_timing') });
        } else {
          await stop();
          send({ id: req.id, ok: true });
          process.exit(0);
        }
      } catch (err) {
        send({ id: req.id, ok: false, error: (err as Error).message });
      }
    })();
  });
  send({ ready: true, hangoverMs: media.vad.hangoverMs });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
