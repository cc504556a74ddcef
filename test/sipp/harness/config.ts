/** Writes a callgate config (JSON, which the loader accepts like YAML) for one test appliance. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PortPlan } from './ports.js';
import { repoRoot } from './paths.js';

export interface TrunkSpec {
  name: string;
  allow?: string[];
  digest?: { realm: string; username: string; password: string };
}

export interface TestConfigOptions {
  ports: PortPlan;
  trunks?: TrunkSpec[];
  numbers?: Array<{ number: string; agent: string; transferTarget?: string }>;
  admission?: { maxConcurrentCalls?: number; maxCallsPerSecond?: number; retryAfterSeconds?: number };
  codecs?: Array<'PCMU' | 'PCMA'>;
  maxCallSeconds?: number;
  timers?: { t1?: number; t2?: number; t4?: number };
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** extra fields of the `media` section (vad, bargeIn, agentCore, …) */
  media?: Record<string, unknown>;
  /** run agent-core too (the front-desk agent on the embedded providers), its Redis and store under `dataDir` */
  agentCore?: { dataDir: string };
  /** run the supervisor dashboard too (needs agentCore: it reads the same Redis and store) */
  dashboard?: boolean;
}

export const TEST_NUMBER = '1000';
export const CONTROL_SECRET = 'callgate-test';

export function buildConfig(o: TestConfigOptions): Record<string, unknown> {
  const p = o.ports;
  const edge: Record<string, unknown> = {
    listen: [
      { transport: 'udp', address: '127.0.0.1', port: p.sip },
      { transport: 'tcp', address: '127.0.0.1', port: p.sip },
    ],
    control: { address: '127.0.0.1', port: p.control, secret: CONTROL_SECRET },
  };
  if (o.timers) edge.timers = o.timers;
  const gateway: Record<string, unknown> = {
    drachtio: { host: '127.0.0.1', port: p.control, secret: CONTROL_SECRET },
    trunks: o.trunks ?? [{ name: 'loopback', allow: ['127.0.0.0/8'] }],
    numbers: o.numbers ?? [{ number: TEST_NUMBER, agent: o.agentCore ? 'front-desk' : 'demo', transferTarget: 'sip:operator@127.0.0.1:5070' }],
    admission: { maxConcurrentCalls: 50, maxCallsPerSecond: 200, retryAfterSeconds: 5, ...o.admission },
    codecs: o.codecs ?? ['PCMU', 'PCMA'],
  };
  if (o.maxCallSeconds !== undefined) gateway.maxCallSeconds = o.maxCallSeconds;
  const agent = o.agentCore
    ? {
        agentCore: {
          listen: { address: '127.0.0.1', port: p.agentCore },
          agents: { 'front-desk': { flow: join(repoRoot, 'agent-core/agents/front-desk.yaml'), tools: ['book_appointment', 'take_callback', 'transfer_call', 'end_call'] } },
          demoCalendar: { enabled: true, port: p.demoCalendar },
        },
        redis: { embedded: true, port: p.redis, dataDir: join(o.agentCore.dataDir, 'redis') },
        store: { kind: 'sqlite', sqlite: { path: join(o.agentCore.dataDir, 'callgate.db') } },
      }
    : {};
  return {
    version: 1,
    services: ['sip-edge', 'sip-gateway', 'media-bridge', ...(o.agentCore ? ['agent-core'] : []), ...(o.agentCore && o.dashboard ? ['supervisor-dashboard'] : [])],
    ...agent,
    ...(o.agentCore && o.dashboard ? { dashboard: { listen: { address: '127.0.0.1', port: p.dashboard }, liveFlushMs: 100, slo: { holdMs: 2000, minSamples: 3 } } } : {}),
    edge,
    gateway,
    media: {
      address: '127.0.0.1',
      rtpPortMin: p.rtpMin,
      rtpPortMax: p.rtpMax,
      control: { address: '127.0.0.1', port: p.mediaControl },
      ...(o.agentCore ? { agentCore: { url: `ws://127.0.0.1:${p.agentCore}/v1/stream` } } : {}),
      ...o.media,
    },
    metrics: { enabled: true, address: '127.0.0.1', port: p.metrics },
    log: { level: o.logLevel ?? 'info' },
  };
}

export function writeConfig(dir: string, config: Record<string, unknown>, name = 'callgate.json'): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(config, null, 2) + '\n');
  return path;
}
