/** Options both adapters take. */
import { toFieldKey } from './crypto.js';
import { resolveRetention, type RetentionConfig } from './retention.js';

export interface StoreOptions {
  /**
   * 32-byte AES-256-GCM key for turns' `rawText`. Without it raw text is never written (and never read back).
   * The key is held in memory only.
   */
  rawTextKey?: Uint8Array;
  /** per-collection retention in ms; defaults in DEFAULT_RETENTION */
  retention?: Partial<RetentionConfig>;
  /** the clock for the store's own times (audit, outbox creation, raw-text expiry on read); default Date.now */
  now?: () => number;
}

export interface ResolvedStoreOptions {
  rawTextKey: Buffer | undefined;
  retention: RetentionConfig;
  now: () => number;
}

export function resolveStoreOptions(o: StoreOptions = {}): ResolvedStoreOptions {
  return {
    rawTextKey: o.rawTextKey === undefined ? undefined : toFieldKey(o.rawTextKey),
    retention: resolveRetention(o.retention),
    now: o.now ?? Date.now,
  };
}
