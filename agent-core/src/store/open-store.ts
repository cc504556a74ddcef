/** Opens the configured adapter: SQLite (the embedded default) or MongoDB. */
import type { ConversationStore } from './port.js';
import { MongoConversationStore, type MongoStoreOptions } from './mongo/mongo-store.js';
import { SqliteConversationStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';

export type StoreConfig = ({ kind: 'sqlite' } & SqliteStoreOptions) | ({ kind: 'mongodb' } & MongoStoreOptions);

export async function openConversationStore(config: StoreConfig): Promise<ConversationStore> {
  if (config.kind === 'mongodb') return MongoConversationStore.connect(config);
  return SqliteConversationStore.open(config);
}
