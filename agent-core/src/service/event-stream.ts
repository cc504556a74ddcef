/**
 * Where the outbox relay publishes stored events: the Redis stream `callgate:events:v1` (XADD, capped), read
 * by consumers (the dashboard's history view) that remember the entry ids they handled (at-least-once: an entry
 * published twice after a crash carries the same id).
 */
import { Redis } from 'ioredis';
import type { OutboxEntry } from '../store/index.js';
import type { RedisTarget } from '@callgate/contracts';

export const EVENT_STREAM = 'callgate:events:v1';

export class RedisEventStream {
  private readonly redis: Redis;

  constructor(
    connection: RedisTarget,
    private readonly maxLen = 100_000,
  ) {
    const common = { maxRetriesPerRequest: 2 } as const;
    this.redis = typeof connection === 'string' ? new Redis(connection, common) : new Redis({ ...connection, ...common });
    this.redis.on('error', () => {}); // reconnects by itself; the relay retries what failed
  }

  async publish(entry: OutboxEntry): Promise<void> {
    await this.redis.xadd(EVENT_STREAM, 'MAXLEN', '~', String(this.maxLen), '*', 'id', entry.id, 'topic', entry.topic, 'sessionId', entry.sessionId, 'payload', JSON.stringify(entry.payload));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
