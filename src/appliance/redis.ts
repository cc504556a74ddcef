/**
 * The appliance's Redis: by default a private redis-server (Debian's) on a loopback port the project owns,
 * with an append-only file under `redis.dataDir` (fsync every second by default: a crash loses at most about a
 * second of queue writes), stopped with the appliance; or an external Redis given by `redis.url`, or one behind Sentinel (`redis.sentinel`).
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger, RedisConfig, RedisTarget } from '@callgate/contracts';
import { resolveConfigSecret, startPrivateRedis } from '@callgate/agent-core';

export interface RunningRedis {
  connection: RedisTarget;
  describe: string;
  stop(): Promise<void>;
}

export async function startRedis(config: RedisConfig, log: Logger): Promise<RunningRedis> {
  if (!config.embedded && config.sentinel) {
    const s = config.sentinel;
    const password = resolveConfigSecret(s.password, 'redis.sentinel.password');
    const sentinelPassword = resolveConfigSecret(s.sentinelPassword, 'redis.sentinel.sentinelPassword');
    const describe = `sentinel ${s.name} via ${s.sentinels.map((x) => `${x.host}:${x.port}`).join(', ')}`;
    log.info('redis: using an external server behind Sentinel', { master: s.name, sentinels: s.sentinels.length });
    return { connection: { sentinels: s.sentinels, name: s.name, ...(password ? { password } : {}), ...(sentinelPassword ? { sentinelPassword } : {}) }, describe, stop: async () => {} };
  }
  if (!config.embedded) {
    const url = config.url!;
    log.info('redis: using an external server', { url: url.replace(/\/\/[^@]*@/, '//***@') });
    return { connection: url, describe: url.replace(/\/\/[^@]*@/, '//***@'), stop: async () => {} };
  }
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const redis = await startPrivateRedis({ port: config.port, bind: config.address, dataDir, persistence: { appendfsync: config.appendfsync } });
  log.info('redis: private server started', { address: config.address, port: config.port, data_dir: config.dataDir, appendfsync: config.appendfsync });
  return {
    connection: { host: config.address, port: config.port },
    describe: `redis://${config.address}:${config.port} (private, AOF ${config.appendfsync})`,
    stop: () => redis.stop(),
  };
}
