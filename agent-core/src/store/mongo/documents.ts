/**
 * Documents as stored in MongoDB and their records. Field names are the port's; `expiresAt` (and a turn's
 * `rawExpiresAt`) are BSON dates, because TTL indexes only act on dates; every other time is epoch ms.
 * Absent optional fields are left out of the document (never stored as null).
 */
import { Binary, type Document } from 'mongodb';
import { rawTextAad, tryDecryptField } from '../crypto.js';
import type { AudioChunkRecord, OutboxEntry, TurnRecord } from '../port.js';

/** The document's fields minus `_id` and undefined ones. */
export function compact<T extends object>(o: T): Document {
  const out: Document = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

/** A stored document back to its record: no `_id`, `expiresAt` as epoch ms. */
export function fromDoc<R>(doc: Document): R {
  const { _id: _ignored, expiresAt, ...rest } = doc;
  return { ...rest, expiresAt: (expiresAt as Date).getTime() } as R;
}

export const date = (ms: number): Date => new Date(ms);

export interface OutboxDoc {
  id: string;
  sessionId: string;
  turnSeq: number;
  index: number;
  topic: string;
  /** JSON text: any payload survives exactly (no `$` or `.` key restrictions, no number-type drift) */
  payload: string;
  createdAt: number;
  /** null while pending, so the pending query is an index equality */
  publishedAt: number | null;
  attempts: number;
  lastError?: string;
  expiresAt: Date;
}

export function outboxEntry(doc: Document): OutboxEntry {
  const d = doc as OutboxDoc;
  return {
    id: d.id,
    sessionId: d.sessionId,
    turnSeq: d.turnSeq,
    index: d.index,
    topic: d.topic,
    payload: JSON.parse(d.payload) as OutboxEntry['payload'],
    createdAt: d.createdAt,
    ...(d.publishedAt !== null && d.publishedAt !== undefined ? { publishedAt: d.publishedAt } : {}),
    attempts: d.attempts,
    ...(d.lastError !== undefined ? { lastError: d.lastError } : {}),
    expiresAt: d.expiresAt.getTime(),
  };
}

export function turnRecord(doc: Document, key: Buffer | undefined, now: number): TurnRecord {
  const { rawText, rawExpiresAt, pendingOutbox: _pending, ...rest } = doc;
  const rec = fromDoc<TurnRecord>(rest);
  if (key && rawText instanceof Binary && rawExpiresAt instanceof Date && rawExpiresAt.getTime() > now) {
    const raw = tryDecryptField(rawText.value(), key, rawTextAad(rec.sessionId, rec.seq));
    if (raw !== undefined) rec.rawText = raw;
  }
  return rec;
}

export function audioRecord(doc: Document): AudioChunkRecord {
  const rec = fromDoc<AudioChunkRecord>(doc);
  const data = (doc.data as Binary).value();
  rec.data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return rec;
}
