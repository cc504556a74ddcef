/**
 * Where to call, read from the appliance's own config: the SIP target (first listener of the transport in
 * `edge.listen`), the number (first of `gateway.numbers`) and the Redis that carries live events.
 */
import { loadConfig, type CallgateConfig } from '@callgate/contracts';
import type { RedisTarget } from './live.js';

export interface CallTarget {
  sip: { host: string; port: number };
  transport: 'udp' | 'tcp';
  number: string;
  /** the agent the number is routed to (for display) */
  agent: string | undefined;
  redis: RedisTarget;
}

/** a listener bound to every interface is called on loopback */
function reachable(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::' || address === '[::]') return '::1';
  return address;
}

export function targetFromConfig(config: CallgateConfig, o: { transport?: 'udp' | 'tcp'; number?: string } = {}): CallTarget {
  const transport = o.transport ?? 'udp';
  const listener = config.edge.listen.find((l) => l.transport === transport);
  if (!listener) throw new Error(`the config has no ${transport.toUpperCase()} listener in edge.listen`);
  const numbers = config.gateway.numbers;
  const number = o.number ?? numbers[0]?.number;
  if (!number) throw new Error('the config has no gateway.numbers; pass --number');
  const agent = numbers.find((n) => n.number === number)?.agent;
  const r = config.redis;
  const redis: RedisTarget = { host: reachable(r.address), port: r.port, ...(!r.embedded && r.url ? { url: r.url } : {}) };
  return { sip: { host: reachable(listener.address), port: listener.port }, transport, number, agent, redis };
}

export function readCallTarget(path: string, o: { transport?: 'udp' | 'tcp'; number?: string } = {}): CallTarget {
  return targetFromConfig(loadConfig(path), o);
}

/** "host:port" → parts (IPv6 in brackets) */
export function parseHostPort(text: string, what: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${what}: expected HOST:PORT, got "${text}"`);
  return { host: m[1]!, port };
}
