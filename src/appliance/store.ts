/**
 * The appliance's conversation store, opened once for the services that use it: the SQLite file under
 * `data/` (the embedded default) or MongoDB. Secrets may be `${ENV_VAR}`.
 */
import { dirname, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Logger, StoreSectionConfig } from '@callgate/contracts';
import { openStore, resolveConfigSecret, type ConversationStore } from '@callgate/agent-core';

export interface OpenedStore {
  store: ConversationStore;
  callerKeySecret: string;
  purgeIntervalMs: number;
  describe: string;
}

export async function openApplianceStore(config: StoreSectionConfig, log: Logger): Promise<OpenedStore> {
  const callerKeySecret = resolveConfigSecret(config.callerKeySecret, 'store.callerKeySecret')!;
  const rawTextKey = resolveConfigSecret(config.rawTextKey, 'store.rawTextKey');
  const retention = Object.fromEntries(Object.entries(config.retentionDays).map(([k, d]) => [k, d * 24 * 60 * 60 * 1000]));
  if (config.kind === 'mongodb') {
    const uri = resolveConfigSecret(config.mongodb.uri, 'store.mongodb.uri')!;
    const store = await openStore({ kind: 'mongodb', uri, dbName: config.mongodb.dbName, transactions: config.mongodb.transactions, retention, ...(rawTextKey ? { rawTextKey: parseKey(rawTextKey) } : {}) });
    log.info('store: MongoDB connected', { db: config.mongodb.dbName, raw_text: Boolean(rawTextKey) });
    return { store, callerKeySecret, purgeIntervalMs: config.purgeIntervalMs, describe: `mongodb (${config.mongodb.dbName})` };
  }
  const path = resolve(config.sqlite.path);
  mkdirSync(dirname(path), { recursive: true });
  const store = await openStore({ kind: 'sqlite', path, retention, ...(rawTextKey ? { rawTextKey: parseKey(rawTextKey) } : {}) });
  log.info('store: SQLite opened', { path: config.sqlite.path, raw_text: Boolean(rawTextKey) });
  return { store, callerKeySecret, purgeIntervalMs: config.purgeIntervalMs, describe: `sqlite ${config.sqlite.path}` };
}

/** a 32-byte key given as 64 hex characters or base64 */
function parseKey(text: string): Uint8Array {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error('store.rawTextKey: needs 32 bytes (64 hex characters or base64)');
  return key;
}
