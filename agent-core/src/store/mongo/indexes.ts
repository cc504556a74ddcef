/**
 * The MongoDB indexes: the unique keys that make retried writes safe, the lookups the dashboard and the relay
 * need, and a TTL index on `expiresAt` (a BSON date, expireAfterSeconds 0) in every collection as the backstop
 * of the purge job. The outbox's TTL index only covers published entries: a pending event never expires.
 */
import type { CreateIndexesOptions, Db, IndexSpecification } from 'mongodb';
import type { CollectionName } from '../port.js';

export interface IndexDef {
  key: IndexSpecification & Record<string, 1 | -1>;
  options: CreateIndexesOptions & { name: string };
}

const unique = (name: string, key: Record<string, 1 | -1>): IndexDef => ({ key, options: { name, unique: true } });
const plain = (name: string, key: Record<string, 1 | -1>, options: Omit<CreateIndexesOptions, 'name'> = {}): IndexDef => ({ key, options: { name, ...options } });
const ttl = (extra: Omit<CreateIndexesOptions, 'name'> = {}): IndexDef => ({ key: { expiresAt: 1 }, options: { name: 'ttl_expiresAt', expireAfterSeconds: 0, ...extra } });

export const MONGO_INDEXES: Record<CollectionName, IndexDef[]> = {
  sessions: [
    unique('uniq_id', { id: 1 }),
    plain('by_time', { startedAt: -1, id: -1 }),
    plain('by_call', { callId: 1, startedAt: -1 }),
    plain('by_caller', { callerKey: 1 }, { sparse: true }),
    plain('by_dialed', { dialed: 1, startedAt: -1 }),
    plain('by_outcome', { outcome: 1, startedAt: -1 }),
    ttl(),
  ],
  turns: [
    unique('uniq_session_seq', { sessionId: 1, seq: 1 }),
    unique('uniq_session_turn', { sessionId: 1, turnId: 1 }),
    plain('by_time', { sessionId: 1, at: 1 }),
    plain('by_raw_expiry', { rawExpiresAt: 1 }, { sparse: true }),
    // turns whose outbox entries are still embedded (written without a transaction, not yet copied)
    plain('by_pending_outbox', { 'pendingOutbox.id': 1 }, { sparse: true }),
    ttl(),
  ],
  transcript_fragments: [unique('uniq_session_turn_seq', { sessionId: 1, turnId: 1, seq: 1 }), plain('by_time', { sessionId: 1, at: 1 }), ttl()],
  llm_tokens: [unique('uniq_session_turn_seq', { sessionId: 1, turnId: 1, seq: 1 }), plain('by_time', { sessionId: 1, at: 1 }), ttl()],
  tool_results: [
    unique('uniq_idempotency_key', { idempotencyKey: 1 }),
    plain('by_time', { sessionId: 1, at: 1 }),
    plain('by_turn', { sessionId: 1, turnId: 1 }),
    ttl(),
  ],
  annotations: [unique('uniq_id', { id: 1 }), plain('by_time', { sessionId: 1, at: 1 }), ttl()],
  audio_chunks: [unique('uniq_session_stream_seq', { sessionId: 1, stream: 1, seq: 1 }), plain('by_time', { sessionId: 1, at: 1 }), ttl()],
  outbox: [
    unique('uniq_id', { id: 1 }),
    plain('pending_in_order', { publishedAt: 1, createdAt: 1, sessionId: 1, turnSeq: 1, index: 1 }),
    plain('by_session', { sessionId: 1, turnSeq: 1 }),
    ttl({ partialFilterExpression: { publishedAt: { $type: 'number' } } }),
  ],
  audit: [
    unique('uniq_id', { id: 1 }),
    plain('by_time', { at: -1 }),
    plain('by_session', { sessionId: 1, at: -1 }),
    plain('by_caller', { callerKey: 1, at: -1 }),
    ttl(),
  ],
};

/** Creates every index (a no-op for those that exist with the same definition). */
export async function ensureIndexes(db: Db): Promise<void> {
  for (const [collection, defs] of Object.entries(MONGO_INDEXES)) {
    await db.collection(collection).createIndexes(defs.map((d) => ({ key: d.key, ...d.options })));
  }
}
