/**
 * Publishes live events on Redis pub/sub (channel `callgate:live:v1`), where the dashboard and `npm run call`
 * listen. Never blocks a call: while Redis is unreachable events are dropped and counted (live views are
 * best-effort; the store keeps the record). Every text in an event is already redacted.
 */
import { Redis } from 'ioredis';
import { LIVE_EVENTS_CHANNEL, type LiveEvent, type Logger, type RedisTarget } from '@callgate/contracts';
import type { LiveSink } from '../session/live-publisher.js';

export const LIVE_CHANNEL = LIVE_EVENTS_CHANNEL;

export class RedisLiveSink implements LiveSink {
  private readonly redis: Redis;
  dropped = 0;

  constructor(
    connection: RedisTarget,
    private readonly log: Logger,
    private readonly onDrop?: () => void,
  ) {
    const common = { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false } as const;
    this.redis = typeof connection === 'string' ? new Redis(connection, common) : new Redis({ ...connection, ...common });
    this.redis.on('error', () => {}); // reconnects by itself; drops are counted below
  }

  publish(event: LiveEvent): void {
    this.redis.publish(LIVE_CHANNEL, JSON.stringify(event)).catch(() => {
      this.dropped += 1;
      this.onDrop?.();
      if (this.dropped === 1 || this.dropped % 1000 === 0) this.log.warn('agent: live event dropped (redis unavailable)', { dropped: this.dropped });
    });
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
