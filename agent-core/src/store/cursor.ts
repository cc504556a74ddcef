/**
 * The `listSessions` page cursor: the (startedAt, id) of the last session of a page, opaque to callers.
 * Pages are newest first, so the next page holds sessions strictly before that position.
 */
import { StoreInvalidError } from './errors.js';

export interface SessionCursor {
  startedAt: number;
  id: string;
}

export function encodeCursor(c: SessionCursor): string {
  return Buffer.from(JSON.stringify([c.startedAt, c.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): SessionCursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string') return { startedAt: v[0], id: v[1] };
  } catch {
    // fall through to the error below
  }
  throw new StoreInvalidError('listSessions', 'cursor is not one this store returned');
}
