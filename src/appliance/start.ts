/**
 * Root composition: starts the chosen services in dependency order (redis → agent-core → edge → media →
 * gateway) in this process, with one metrics registry, and stops them in reverse order.
 *
 * Media control: a process running `media-bridge` also serves its control over HTTP on `media.control` (so
 * gateways elsewhere can use it); a process running `sip-gateway` with `media-bridge` calls the media bridge
 * in-process (the lowest latency), and without it talks HTTP to `media.control`, with the bearer token
 * `media.control.token` when one is configured (the same value on both sides).
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { CallgateConfig, Logger, MediaControl, RedisTarget, ServiceName } from '@callgate/contracts';
import { startEdge } from '@callgate/sip-gateway/edge';
import { HttpMediaControl, startGateway } from '@callgate/sip-gateway';
import { startMediaBridge } from '@callgate/media-bridge';
import { DEFAULT_BATCH_QUEUE_NAME, DEFAULT_REALTIME_QUEUE_NAME, deriveCallerKey, RedisLiveSink, startAgentCore } from '@callgate/agent-core';
import { startDashboard } from '@callgate/supervisor-dashboard';
import { startMetricsServer } from './metrics-server.js';
import { startRedis } from './redis.js';
import { openApplianceStore } from './store.js';

export interface RunningAppliance {
  summary: Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startAppliance(config: CallgateConfig, services: ServiceName[], logger: Logger): Promise<RunningAppliance> {
  const controlToken = config.media.control.token;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'callgate_process_' });
  const stops: Array<() => Promise<void>> = [];
  const summary: Record<string, unknown> = {};
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  let metrics: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  try {
    if (config.metrics.enabled) {
      metrics = await startMetricsServer(registry, config.metrics.address, config.metrics.port);
      const running = metrics;
      stops.push(() => running.close());
      summary.metrics = `http://${config.metrics.address}:${metrics.port}/metrics`;
    }
    // where live events go: this process's Redis, or an external one the config names
    let liveRedis: RedisTarget | undefined = !config.redis.embedded && config.redis.url ? config.redis.url : undefined;
    const withAgentCore = services.includes('agent-core');
    const withDashboard = services.includes('supervisor-dashboard');
    if (withAgentCore || withDashboard) {
      // the embedded redis-server runs in the process that runs agent-core; a dashboard alone connects to it
      const redisConfig = withAgentCore || !config.redis.embedded ? config.redis : { ...config.redis, embedded: false, url: `redis://${config.redis.address}:${config.redis.port}` };
      const redis = await startRedis(redisConfig, logger.child({ service: 'redis' }));
      liveRedis = redis.connection;
      stops.push(redis.stop);
      summary.redis = redis.describe;
      const opened = await openApplianceStore(config.store, logger.child({ service: 'store' }));
      stops.push(() => opened.store.close());
      summary.store = opened.describe;
      if (withAgentCore) {
        const agentCore = await startAgentCore({ config: config.agentCore, redis: redis.connection, registry, logger: logger.child({ service: 'agent-core' }), store: opened });
        stops.push(() => agentCore.stop());
        metrics?.addAdminTarget('agent-core', { activeCalls: () => agentCore.server.activeSessions });
        summary.agentCore = agentCore.url;
      }
      if (withDashboard) {
        const dashboard = await startDashboard({
          config: config.dashboard,
          redis: redis.connection,
          store: opened.store,
          callerKeyOf: (number) => deriveCallerKey(number, opened.callerKeySecret),
          queues: { realtime: DEFAULT_REALTIME_QUEUE_NAME, batch: DEFAULT_BATCH_QUEUE_NAME },
          registry,
          logger: logger.child({ service: 'supervisor-dashboard' }),
        });
        stops.push(() => dashboard.stop());
        summary.dashboard = dashboard.url;
        if (dashboard.loginHint) summary.dashboardLogin = dashboard.loginHint;
      }
    }
    if (services.includes('sip-edge')) {
      const edge = await startEdge({ config: config.edge, logger: logger.child({ service: 'sip-edge' }), registry });
      stops.push(() => edge.stop());
      summary.sip = edge.listening.map((l) => `${l.transport}:${l.address}:${l.port}`);
    }
    let media: Awaited<ReturnType<typeof startMediaBridge>> | undefined;
    if (services.includes('media-bridge')) {
      const mediaLog = logger.child({ service: 'media-bridge' });
      // the built-in demo agent's calls never reach agent-core: the media bridge publishes their live events
      const demoLive = liveRedis ? new RedisLiveSink(liveRedis, mediaLog) : undefined;
      if (demoLive) stops.push(() => demoLive.close());
      media = await startMediaBridge(config.media, mediaLog, { registry, controlServer: true, controlToken, ...(demoLive ? { liveEvents: (e) => demoLive.publish(e) } : {}) });
      const running = media;
      stops.push(() => running.stop());
      metrics?.addAdminTarget('media-bridge', { activeCalls: () => running.control.activeEndpoints().length });
      summary.mediaControl = running.controlServer?.url;
    }
    if (services.includes('sip-gateway')) {
      const gatewayLog = logger.child({ service: 'sip-gateway' });
      let control: MediaControl | undefined = media?.control;
      if (!control) {
        // the media bridge runs elsewhere: reach it over HTTP; calls get 503 until it answers
        const { address, port } = config.media.control;
        const remote = new HttpMediaControl({ address, port, token: controlToken, logger: gatewayLog });
        stops.push(async () => remote.close());
        await remote.ready().catch((err: unknown) => gatewayLog.warn('media bridge control not reachable yet; retrying in the background', { err, url: remote.url }));
        summary.mediaControl = remote.url;
        control = remote;
      }
      const gw = await startGateway({ config: config.gateway, media: control, registry, logger: gatewayLog });
      stops.push(() => gw.stop());
      metrics?.addAdminTarget('sip-gateway', { activeCalls: () => gw.activeCalls(), drain: (on) => gw.drain(on) });
      const sip = config.edge.listen[0];
      const where = sip ? `${sip.address.includes(':') ? `[${sip.address}]` : sip.address}:${sip.port}` : 'the SIP edge';
      summary.call = config.gateway.numbers.map((n) => `sip:${n.number}@${where}`);
    }
  } catch (err) {
    await stopAll().catch(() => {});
    throw err;
  }
  return { summary, stop: stopAll };
}
