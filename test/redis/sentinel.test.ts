/**
 * Redis behind Sentinel, for real: a private redis-server and a redis-server in sentinel mode watching it. The
 * appliance's Redis target from `redis.sentinel` reaches the master through the sentinel, for the live events
 * (pub/sub) and for BullMQ alike.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { redisConnectionOptions, redisSchema, silentLogger, type RedisTarget } from '@callgate/contracts';
import { startTestRedis, type PrivateRedis } from '@callgate/agent-core';
import { startRedis } from '../../src/appliance/redis.js';

describe('Redis behind Sentinel', () => {
  let redis: PrivateRedis;
  let sentinel: ChildProcess;
  let dir: string;
  let sentinelPort: number;
  let target: RedisTarget;

  before(async () => {
    redis = await startTestRedis();
    const master = redis.connection as { host: string; port: number };
    dir = mkdtempSync(join(tmpdir(), 'callgate-sentinel-'));
    sentinelPort = 10_000 + 100 * 13 + 8; // this file's port slot (see test/sipp/harness/ports.ts)
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(conf, `port ${sentinelPort}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor callgate ${master.host} ${master.port} 1\nsentinel down-after-milliseconds callgate 5000\n`);
    sentinel = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    const probe = new Redis({ host: '127.0.0.1', port: sentinelPort, lazyConnect: true, retryStrategy: () => 100 });
    probe.on('error', () => {}); // refused until the sentinel listens
    for (let i = 0; i < 50; i++) {
      try {
        await probe.connect().catch(() => {});
        const addr = (await probe.call('SENTINEL', 'get-master-addr-by-name', 'callgate')) as string[] | null;
        if (addr) break;
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    probe.disconnect();
    const running = await startRedis(redisSchema.parse({ embedded: false, sentinel: { name: 'callgate', sentinels: [{ host: '127.0.0.1', port: sentinelPort }] } }), silentLogger);
    target = running.connection;
  });
  after(async () => {
    sentinel?.kill('SIGTERM');
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the config needs a URL or a sentinel group when Redis is external, and names the field', () => {
    const r = redisSchema.safeParse({ embedded: false });
    assert.equal(r.success, false);
    assert.deepEqual(r.error?.issues[0]?.path, ['url']);
    assert.equal(redisSchema.safeParse({ embedded: false, sentinel: { name: 'x', sentinels: [] } }).success, false, 'at least one sentinel');
  });

  it('pub/sub and BullMQ reach the master through the sentinel', async () => {
    assert.ok(typeof target === 'object' && 'sentinels' in target);
    const sub = new Redis({ ...redisConnectionOptions(target), lazyConnect: false });
    const pub = new Redis(redisConnectionOptions(target));
    const got = new Promise<string>((resolve) => sub.on('message', (_c: string, m: string) => resolve(m)));
    await sub.subscribe('callgate:test');
    await pub.publish('callgate:test', 'hello via sentinel');
    assert.equal(await got, 'hello via sentinel');
    const direct = new Redis(redis.connection as { host: string; port: number });
    await pub.set('callgate:test:key', 'written via sentinel');
    assert.equal(await direct.get('callgate:test:key'), 'written via sentinel', 'the sentinel handed out the real master');
    const queue = new Queue('callgate-sentinel-test', { connection: { ...redisConnectionOptions(target), maxRetriesPerRequest: null } });
    await queue.add('job', { n: 1 });
    assert.equal(await queue.count(), 1);
    await queue.obliterate({ force: true });
    await queue.close();
    sub.disconnect();
    pub.disconnect();
    direct.disconnect();
  });
});
