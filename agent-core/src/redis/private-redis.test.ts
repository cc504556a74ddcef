import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { RedisStartError, startPrivateRedis, startTestRedis } from './index.js';

async function configGet(port: number, key: string): Promise<string | undefined> {
  const r = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
  await r.connect();
  try {
    const reply = (await r.config('GET', key)) as string[];
    return reply[1];
  } finally {
    r.disconnect();
  }
}

test('test redis: configured from the command line, a queued job survives restart, temp dir removed at stop', async () => {
  const redis = await startTestRedis();
  const dataDir = redis.dataDir;
  try {
    assert.equal(redis.host, '127.0.0.1');
    assert.equal(await configGet(redis.port, 'appendonly'), 'yes');
    assert.equal(await configGet(redis.port, 'appendfsync'), 'everysec');
    assert.equal(await configGet(redis.port, 'maxmemory-policy'), 'noeviction');
    assert.equal(await configGet(redis.port, 'save'), '');
    assert.equal(await configGet(redis.port, 'protected-mode'), 'yes');
    assert.equal(await configGet(redis.port, 'bind'), '127.0.0.1');
    assert.equal(await configGet(redis.port, 'dir'), dataDir);

    const queue = new Queue('restart-check', { connection: redis.connection });
    queue.on('error', () => undefined);
    await queue.add('t', { hello: 'world' }, { jobId: 'job-a' });
    const pidBefore = redis.pid;
    await redis.restart();
    assert.notEqual(redis.pid, pidBefore);
    assert.ok(redis.running);

    const after = new Queue('restart-check', { connection: redis.connection });
    const job = await after.getJob('job-a');
    assert.ok(job, 'the queued job is still there after the restart');
    assert.deepEqual(job.data, { hello: 'world' });
    assert.equal(await job.getState(), 'waiting');
    await Promise.allSettled([queue.close(), after.close()]);
  } finally {
    await redis.stop();
  }
  assert.equal(redis.running, false);
  assert.equal(existsSync(dataDir), false, 'temp dir removed');
  await redis.stop(); // idempotent
});

test("appendfsync 'always' and RDB save points are applied when asked", async () => {
  const redis = await startTestRedis({ persistence: { appendfsync: 'always', rdbSavePoints: ['3600 1'] } });
  try {
    assert.equal(await configGet(redis.port, 'appendfsync'), 'always');
    assert.equal(await configGet(redis.port, 'save'), '3600 1');
  } finally {
    await redis.stop();
  }
});

test('a taken port is refused before spawning, with a message naming the port', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'callgate-redis-test-'));
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    await assert.rejects(startPrivateRedis({ port, dataDir }), (err: unknown) => {
      assert.ok(err instanceof RedisStartError);
      assert.equal(err.reason, 'port_in_use');
      assert.match(err.message, new RegExp(`port ${port} .*already in use`));
      return true;
    });
  } finally {
    blocker.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("a second redis on the same port is refused; without the pre-check redis' own bind error is reported", async () => {
  const first = await startTestRedis();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'callgate-redis-test-'));
  try {
    await assert.rejects(startPrivateRedis({ port: first.port, dataDir }), /already in use/);
    await assert.rejects(startPrivateRedis({ port: first.port, dataDir, checkPortFirst: false }), (err: unknown) => {
      assert.ok(err instanceof RedisStartError);
      assert.equal(err.reason, 'port_in_use');
      assert.match(err.message, /redis said: .*Address already in use/);
      return true;
    });
    assert.ok(first.running, 'the first server is untouched');
  } finally {
    await first.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a missing redis-server binary names the Debian package', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'callgate-redis-test-'));
  try {
    await assert.rejects(
      startPrivateRedis({ port: 30999, dataDir, redisServer: path.join(dataDir, 'no-such-redis-server') }),
      (err: unknown) => {
        assert.ok(err instanceof RedisStartError);
        assert.equal(err.reason, 'not_installed');
        assert.match(err.message, /Debian package `redis-server`/);
        return true;
      },
    );
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
