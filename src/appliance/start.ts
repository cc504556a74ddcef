/**
 * Root composition: starts the chosen services in dependency order (edge → media → gateway) in this process,
 * with one metrics registry, and stops them in reverse order.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { CallgateConfig, Logger, ServiceName } from '@callgate/contracts';
import { startEdge } from '@callgate/sip-gateway/edge';
import { startGateway } from '@callgate/sip-gateway';
import { startMediaBridge } from '@callgate/media-bridge';
import { startMetricsServer } from './metrics-server.js';

export interface RunningAppliance {
  summary: Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startAppliance(config: CallgateConfig, services: ServiceName[], logger: Logger): Promise<RunningAppliance> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'callgate_process_' });
  const stops: Array<() => Promise<void>> = [];
  const summary: Record<string, unknown> = {};
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    if (config.metrics.enabled) {
      const metrics = await startMetricsServer(registry, config.metrics.address, config.metrics.port);
      stops.push(metrics.close);
      summary.metrics = `http://${config.metrics.address}:${metrics.port}/metrics`;
    }
    if (services.includes('sip-edge')) {
      const edge = await startEdge({ config: config.edge, logger: logger.child({ service: 'sip-edge' }), registry });
      stops.push(() => edge.stop());
      summary.sip = edge.listening.map((l) => `${l.transport}:${l.address}:${l.port}`);
    }
    let media: Awaited<ReturnType<typeof startMediaBridge>> | undefined;
    if (services.includes('media-bridge')) {
      media = await startMediaBridge(config.media, logger.child({ service: 'media-bridge' }), { registry });
      const running = media;
      stops.push(() => running.stop());
    }
    if (services.includes('sip-gateway')) {
      if (!media) throw new Error('sip-gateway needs the media-bridge service in the same process (start both)');
      const gw = await startGateway({ config: config.gateway, media: media.control, registry, logger: logger.child({ service: 'sip-gateway' }) });
      stops.push(() => gw.stop());
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
