/** The conversation store: port, adapters, outbox relay, retention, field crypto. See README.md beside this file. */
export * from './port.js';
export { StoreError, StoreUnavailableError, StoreConflictError, StoreNotFoundError, StoreInvalidError, type StoreErrorCode } from './errors.js';
export type { StoreOptions } from './options.js';
export { DEFAULT_RETENTION, DAY_MS, days, resolveRetention, startPurgeJob, type RetentionConfig, type PurgeJob, type PurgeJobOptions } from './retention.js';
export { encryptField, decryptField, deriveCallerKey } from './crypto.js';
export { OutboxRelay, type OutboxRelayOptions, type OutboxStore, type RelayPass } from './outbox-relay.js';
export { IdempotentConsumer, type IdempotentConsumerOptions, type ConsumeOutcome } from './idempotent-consumer.js';
export { SqliteConversationStore, DEFAULT_SQLITE_PATH, type SqliteStoreOptions } from './sqlite/sqlite-store.js';
export { MongoConversationStore, type MongoStoreOptions, type TransactionMode } from './mongo/mongo-store.js';
export { openConversationStore, type StoreConfig } from './open-store.js';
