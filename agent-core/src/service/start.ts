/**
 * Starts agent-core: the demo calendar (when enabled), the tool layer on the realtime queue (producer and
 * worker), the providers and per-agent routers, live events on Redis, and the WebSocket server media bridges
 * connect to. Each agent's filler line is synthesised once at start so it can play instantly.
 */
import type { Registry } from 'prom-client';
import { redisConnectionOptions, type AgentConfig, type AgentCoreServiceConfig, type AgentStreamStart, type Logger, type RedisTarget } from '@callgate/contracts';
import { redact, redactPartial } from '../privacy/index.js';
import { ProviderHealth, type RouterEvent } from '../providers/router/index.js';
import { AgentServer } from '../server/agent-server.js';
import { CallSession, type BridgeOut, type SessionPolicy } from '../session/call-session.js';
import type { LiveSink } from '../session/live-publisher.js';
import { RedisLiveSink } from '../live/redis-live-sink.js';
import { compileTools, demoTools, JobSealer, startDemoCalendar, ToolQueue, ToolRegistry, ToolWorker, type DemoCalendar } from '../tools/index.js';
import { AgentMetrics } from './metrics.js';
import { ProviderSet, resolveSecret, type AgentProviders } from './providers.js';
import { QueuedToolExecutor } from './tool-executor.js';
import { StoreRecorder } from './store-recorder.js';
import { RedisEventStream } from './event-stream.js';
import { OutboxRelay, startPurgeJob, type ConversationStore } from '../store/index.js';
import { BatchGovernor, ConversationPostCallStore, PostCallFlows, PostCallWorker } from '../postcall/index.js';

export interface AgentCoreStartOptions {
  config: AgentCoreServiceConfig;
  /** BullMQ/live-events Redis: host/port or a redis:// URL */
  redis: RedisTarget;
  registry: Registry;
  logger: Logger;
  /** tests: live events somewhere other than Redis */
  live?: LiveSink;
  /** tests and benchmarks: an agent's providers built here instead of from `config.providers` */
  providersFor?: (name: string, agent: AgentConfig) => AgentProviders;
  /** the conversation store: turns, outbox, purge (none: nothing is stored) */
  store?: { store: ConversationStore; callerKeySecret: string; purgeIntervalMs: number };
}

export interface RunningAgentCore {
  url: string;
  port: number;
  server: AgentServer;
  health: ProviderHealth;
  demoCalendar?: DemoCalendar;
  stop(): Promise<void>;
}

export async function startAgentCore(o: AgentCoreStartOptions): Promise<RunningAgentCore> {
  const { config, logger: log } = o;
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => log.warn('agent-core: stop step failed', { err }));
  };
  try {
    const metrics = new AgentMetrics(o.registry);
    let demoCalendar: DemoCalendar | undefined;
    const toolConfigs: unknown[] = [...config.tools];
    if (config.demoCalendar.enabled) {
      const cal = await startDemoCalendar({ host: config.demoCalendar.address, port: config.demoCalendar.port });
      demoCalendar = cal;
      stops.push(() => cal.close());
      const configured = new Set(config.tools.map((t) => t.name));
      toolConfigs.push(...demoTools(cal.url).filter((t) => !configured.has(t.name)));
    }
    for (const name of ['transfer_call', 'end_call'] as const) if (!config.tools.some((t) => t.name === name)) toolConfigs.push({ kind: 'builtin', name });
    const registry = new ToolRegistry(compileTools(toolConfigs));
    const connection = redisConnectionOptions(o.redis);
    const onOutcome = (tool: string, outcome: { ok: boolean; error?: { code: string } }, ms: number) => {
      metrics.toolCalls.inc({ tool, outcome: outcome.ok ? 'ok' : (outcome.error?.code ?? 'failed') });
      metrics.toolMs.observe({ tool }, ms);
    };
    // tool arguments and results are sealed in Redis with a key only this process holds
    const sealer = new JobSealer(toolDataKey(config));
    const queue = new ToolQueue({ registry, connection, sealer, onOutcome, onError: (err) => log.warn('agent-core: realtime queue error', { err }) });
    stops.push(() => queue.close());
    const worker = new ToolWorker({ registry, connection, sealer, concurrency: config.toolConcurrency, onError: (err) => log.warn('agent-core: tool worker error', { err }) });
    stops.push(() => worker.close());

    const health = new ProviderHealth();
    const onRouterEvent = (e: RouterEvent) => {
      metrics.routerEvents.inc({ stage: e.stage, router: e.router, provider: e.provider, kind: e.type });
      if (e.type === 'breaker_state') {
        metrics.breakerState.set({ stage: e.stage, router: e.router, provider: e.provider }, e.state === 'closed' ? 0 : e.state === 'half_open' ? 1 : 2);
        log.warn('agent-core: provider circuit breaker', { stage: e.stage, provider: e.provider, state: e.state });
      } else if (e.type === 'fallback' || e.type === 'failover') log.warn(`agent-core: provider ${e.type}`, { stage: e.stage, provider: e.provider, next: e.next, err: e.error });
      else if (e.type === 'stall') log.warn('agent-core: speech-to-text stalled; reprompting', { provider: e.provider });
    };
    const providers = new ProviderSet(o.providersFor ? { ...config, providers: {} } : config, health, onRouterEvent);
    stops.push(() => providers.close());

    const live = o.live ?? new RedisLiveSink(o.redis, log, () => metrics.liveDropped.inc());
    if (!o.live) stops.push(() => (live as RedisLiveSink).close());

    const hmacKey = resolveSecret(config.redaction.hmacKey, 'agentCore.redaction.hmacKey');
    const redactText = (text: string) => redact(text, { mode: config.redaction.mode, ...(hmacKey ? { hmacKey } : {}) }).text;
    let liveSessions = 0;
    const metricsSessions = () => liveSessions;
    let recorder: StoreRecorder | undefined;
    if (o.store) {
      const { store } = o.store;
      let flows: PostCallFlows | undefined;
      if (config.postCall.enabled) {
        const pc = config.postCall;
        const redactOptions = { mode: config.redaction.mode, ...(hmacKey ? { hmacKey } : {}) };
        flows = new PostCallFlows({ connection, attempts: pc.attempts, backoffMs: pc.backoffMs, onError: (err) => log.warn('agent-core: batch queue error', { err }) });
        const postCallFlows = flows;
        stops.push(() => postCallFlows.close());
        const worker = new PostCallWorker({
          connection,
          store: new ConversationPostCallStore(store),
          concurrency: pc.concurrency,
          redactOptions,
          onFailed: (f) => {
            if (!f.final || f.dependency) return;
            metrics.postCallFailures.inc({ step: f.step });
            log.error('agent-core: post-call flow failed', { session_id: f.sessionId, step: f.step, attempts: f.attempts, err: f.error });
          },
          onCompleted: (c) => {
            if (c.step === 'retention') log.info('agent-core: post-call flow done', { session_id: c.sessionId });
          },
          onError: (err) => log.warn('agent-core: batch worker error', { err }),
        });
        stops.push(() => worker.close());
        const governor = new BatchGovernor({ target: worker, liveCalls: () => metricsSessions(), maxLiveCalls: pc.maxLiveCalls, maxRealtimeLagMs: pc.maxRealtimeLagMs, resumeAfterChecks: 3, connection, onError: (err) => log.warn('agent-core: batch governor cannot read the realtime queue', { err }) });
        governor.on('change', (state) => {
          metrics.batchYielding.set(state.mode === 'yielding' ? 1 : 0);
          log.info('agent-core: batch work ' + (state.mode === 'yielding' ? 'yields to live calls' : 'resumes'), { reasons: state.reasons, live_calls: state.liveCalls, realtime_lag_ms: state.realtimeLagMs });
        });
        governor.start();
        stops.push(() => governor.stop());
        void sweepEndedCalls(store, postCallFlows, log);
      }
      recorder = new StoreRecorder({
        store,
        callerKeySecret: o.store.callerKeySecret,
        log,
        onWriteFailed: (what) => metrics.storeWriteFailures.inc({ what }),
        ...(flows ? { onEnded: (id: string) => void flows!.enqueue(id).catch((err: unknown) => log.error('agent-core: post-call flow not enqueued', { session_id: id, err })) } : {}),
      });
      const rec = recorder;
      stops.push(() => rec.flush());
      const events = new RedisEventStream(o.redis);
      stops.push(() => events.close());
      const relay = new OutboxRelay(store, { publish: (entry) => events.publish(entry), onError: (err) => log.warn('agent-core: outbox relay: publish failed; retrying', { err }) });
      relay.start();
      stops.push(() => relay.stop());
      const purge = startPurgeJob(store, { intervalMs: o.store.purgeIntervalMs });
      stops.push(() => purge.stop());
    }

    const agents = new Map<string, { providers: AgentProviders; tools: QueuedToolExecutor; policy: SessionPolicy }>();
    for (const [name, agent] of Object.entries(config.agents)) {
      const p = o.providersFor ? o.providersFor(name, agent) : providers.forAgent(name, agent);
      agents.set(name, { providers: p, tools: new QueuedToolExecutor(registry, queue, agent.tools), policy: await policyFor(agent, p, log.child({ agent: name })) });
      log.info('agent-core: agent ready', { agent: name, stt: agent.stt, dialogue: agent.dialogue, tts: agent.tts, tools: agent.tools });
    }

    const createSession = (start: AgentStreamStart, bridge: BridgeOut): CallSession => {
      const a = agents.get(start.agent);
      if (!a) throw new Error(`no agent '${start.agent}' here`);
      metrics.sessions.inc();
      liveSessions += 1;
      return new CallSession({
        start,
        stt: a.providers.stt,
        dialogue: a.providers.dialogue,
        tts: a.providers.tts,
        tools: a.tools,
        bridge,
        live,
        redact: redactText,
        redactPartial: (text) => redactPartial(text, { mode: config.redaction.mode, ...(hmacKey ? { hmacKey } : {}) }),
        policy: a.policy,
        log,
        onTurnReport: (r) => metrics.turn(start.agent, r),
        ...(recorder ? { recorder } : {}),
        onClosed: () => {
          metrics.sessions.dec();
          liveSessions -= 1;
        },
      });
    };
    const server = await AgentServer.listen({ address: config.listen.address, port: config.listen.port, log, createSession, resumeGraceMs: config.resumeGraceMs });
    stops.push(() => server.close());
    log.info('agent-core: listening', { url: server.url, agents: [...agents.keys()] });
    return { url: server.url, port: server.port, server, health, ...(demoCalendar ? { demoCalendar } : {}), stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** the agent's own lines, with its filler synthesised up front (a filler must play at once) */
async function policyFor(agent: AgentConfig, p: AgentProviders, log: Logger): Promise<SessionPolicy> {
  let filler: SessionPolicy['filler'];
  if (agent.filler) {
    try {
      const pieces: Int16Array[] = [];
      for await (const pcm of p.tts.synthesize(agent.filler.text, { sessionId: 'startup', ...(agent.voice ? { voice: agent.voice } : {}) }, new AbortController().signal)) pieces.push(pcm);
      const total = pieces.reduce((n, x) => n + x.length, 0);
      const pcm = new Int16Array(total);
      let at = 0;
      for (const x of pieces) {
        pcm.set(x, at);
        at += x.length;
      }
      filler = { afterMs: agent.filler.afterMs, text: agent.filler.text, pcm };
    } catch (err) {
      log.warn('agent-core: the filler line could not be synthesised; replies will have no filler', { err });
    }
  }
  return {
    ...(agent.systemPrompt ? { systemPrompt: agent.systemPrompt } : {}),
    ...(agent.voice ? { voice: agent.voice } : {}),
    hints: p.hints,
    ...(filler ? { filler } : {}),
    repromptText: agent.repromptText,
    maxEmptyTurns: agent.maxEmptyTurns,
    giveUpText: agent.giveUpText,
    apologyText: agent.apologyText,
    ignoreEmptyBelowMs: agent.ignoreEmptyBelowMs,
    speculate: agent.speculate,
  };
}

/** the key sealing tool data in Redis: from config (several agent-cores sharing a queue need the same), else random */
function toolDataKey(config: AgentCoreServiceConfig): Uint8Array | undefined {
  const text = resolveSecret(config.toolDataKey, 'agentCore.toolDataKey');
  if (!text) return undefined;
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error('agentCore.toolDataKey: needs 32 bytes (64 hex characters or base64)');
  return key;
}

/** calls that ended while agent-core was down (or before their flow was enqueued) get their post-call flow now */
async function sweepEndedCalls(store: ConversationStore, flows: PostCallFlows, log: Logger): Promise<void> {
  try {
    const { sessions } = await store.listSessions({ limit: 200 });
    let enqueued = 0;
    for (const s of sessions) {
      if (s.endedAt === undefined || s.summary) continue;
      if ((await flows.enqueue(s.id)).created) enqueued += 1;
    }
    if (enqueued) log.info('agent-core: post-call flows enqueued for calls that ended unprocessed', { count: enqueued });
  } catch (err) {
    log.warn('agent-core: could not look for unprocessed ended calls', { err });
  }
}
