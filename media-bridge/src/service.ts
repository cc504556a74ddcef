/**
 * Starts the media tier for one process: the RTP port pool, the shared 20 ms pacer and the in-process
 * control the gateway calls; with `controlServer` also the HTTP control listener (`media.control`) for gateways in
 * other processes or on other hosts.
 */
import type { Logger, MediaConfig } from '@callgate/contracts';
import { InProcessMediaControl, type InProcessMediaControlOptions } from './control/in-process.js';
import { applyRealtimePriority } from './rtp/realtime.js';
import { collectBetweenTicks } from './rtp/tick-gc.js';
import { Pacer } from './rtp/pacer.js';
import { PortPool } from './rtp/port-pool.js';
import type { Registry } from 'prom-client';
import { registerMediaMetrics } from './metrics.js';
import { createCallMetrics } from './call/call-metrics.js';
import { agentLinkConnector } from './agent-link/channel.js';
import { VadEngine } from './vad/vad-engine.js';
import { startMediaControlServer, type MediaControlServer } from './control/http-server.js';

/** A running media bridge. */
export interface MediaBridge {
  control: InProcessMediaControl;
  /** the HTTP control listener, when started with `controlServer` */
  controlServer?: MediaControlServer;
  /** releases every endpoint and stops the pacer; safe to call twice */
  stop(): Promise<void>;
}

/** Policy knobs beyond the config file (tests, tuning); all optional. */
export type MediaBridgeOptions = Pick<InProcessMediaControlOptions, 'rtpTimeoutMs' | 'recordSeconds' | 'liveEvents'> & {
  /** where to register the media metrics (none when absent) */
  registry?: Registry;
  /** also serve the control over HTTP on `media.control.address`/`port` (default false: in-process only) */
  controlServer?: boolean;
  /** bearer token the HTTP control requires (none when absent) */
  controlToken?: string;
};

/** Builds the port pool, pacer and control from the `media` config section. */
export async function startMediaBridge(config: MediaConfig, logger: Logger, options: MediaBridgeOptions = {}): Promise<MediaBridge> {
  const log = logger.child({ component: 'media-bridge' });
  const pool = new PortPool({ address: config.address, min: config.rtpPortMin, max: config.rtpPortMax });
  // two halves per 20 ms tick: the receive sides (and the VAD batch) run on the second; a call sends on either, so
  // an answer waits at most 10 ms for its first packet (see PacerOptions.inboundOffsetMs, RtpEndpoint.sendsAtOffset)
  const pacer = new Pacer({ logger: log, inboundOffsetMs: 10 });
  const advertisedAddress = config.advertisedAddress ?? config.address;
  if (advertisedAddress === '0.0.0.0' || advertisedAddress === '::') {
    log.warn('media: binding a wildcard address without media.advertisedAddress; SDP answers will carry it as is');
  }
  const { registry, controlServer: serve, controlToken, ...controlOptions } = options;
  // one Silero session for the process; every call's windows of a tick go through it in one batch
  const vad = config.vad.enabled
    ? await VadEngine.create({ variant: config.vad.model, batch: config.vad.batch, gateDbfs: config.vad.gateDbfs ?? undefined, logger: log })
    : undefined;
  // after the VAD worker has started: it stays on the normal scheduler
  applyRealtimePriority(config.realtimePriority, log);
  const stopVad = vad && pacer.onAfterTick(() => void vad.process().catch((err: unknown) => log.error('vad: inference failed', { err })));
  // after the VAD batch is on its way: scavenges between ticks, not in the middle of the sends
  const stopGc = collectBetweenTicks(pacer, log);
  const { url, urls } = config.agentCore;
  const control = new InProcessMediaControl({
    pool,
    pacer,
    logger: log,
    advertisedAddress,
    policy: config,
    vad,
    metrics: createCallMetrics(registry),
    connectAgent: url || urls ? agentLinkConnector(config.agentCore, log) : undefined,
    ...controlOptions,
  });
  let server: MediaControlServer | undefined;
  if (serve) {
    try {
      server = await startMediaControlServer(control, { address: config.control.address, port: config.control.port, logger: log, token: controlToken });
    } catch (err) {
      stopVad?.();
      stopGc?.();
      pacer.stop();
      throw err;
    }
  }
  if (registry) registerMediaMetrics(registry, control, vad);
  log.info('media bridge started', { address: config.address, rtp_ports: `${config.rtpPortMin}-${config.rtpPortMax}`, capacity: pool.capacity });
  let stopped = false;
  return {
    control,
    controlServer: server,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server?.close();
      await control.releaseAll('shutdown');
      stopVad?.();
      stopGc?.();
      pacer.stop();
      log.info('media bridge stopped');
    },
  };
}
