export {
  PrivateRedis,
  RedisStartError,
  assertPortFree,
  startPrivateRedis,
  startTestRedis,
  type PrivateRedisOptions,
  type RedisConnectionInfo,
  type RedisPersistence,
  type RedisStartFailure,
  type TestRedisOptions,
} from './private-redis.js';
