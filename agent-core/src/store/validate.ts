/**
 * Input checks shared by both adapters: a bad record is refused before anything is written, with an error that
 * names the field, so both adapters refuse the same things.
 */
import { StoreInvalidError } from './errors.js';
import type { ListSessionsQuery, OutboxEventInput, TurnInput } from './port.js';

export function requireId(op: string, field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512) {
    throw new StoreInvalidError(op, `${field} must be a non-empty string (at most 512 characters)`);
  }
  return value;
}

export function requireTime(op: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new StoreInvalidError(op, `${field} must be a time in epoch ms`);
  }
  return value;
}

export function requireSeq(op: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new StoreInvalidError(op, `${field} must be a non-negative integer`);
  }
  return value;
}

export function checkTurn(turn: TurnInput): void {
  const op = 'appendTurn';
  requireId(op, 'sessionId', turn.sessionId);
  requireId(op, 'turnId', turn.turnId);
  requireSeq(op, 'seq', turn.seq);
  requireTime(op, 'at', turn.at);
}

/** The outbox entry ids of a turn's events: the given ones, or `${sessionId}/${seq}/${index}`; unique. */
export function outboxIds(turn: TurnInput, events: OutboxEventInput[]): string[] {
  const ids = events.map((e, i) => (e.id === undefined ? `${turn.sessionId}/${turn.seq}/${i}` : requireId('appendTurn', `events[${i}].id`, e.id)));
  events.forEach((e, i) => requireId('appendTurn', `events[${i}].topic`, e.topic));
  if (new Set(ids).size !== ids.length) throw new StoreInvalidError('appendTurn', 'two events of the turn have the same id');
  return ids;
}

export function checkListQuery(q: ListSessionsQuery): void {
  const op = 'listSessions';
  if (!Number.isSafeInteger(q.limit) || q.limit < 1 || q.limit > 1000) throw new StoreInvalidError(op, 'limit must be an integer from 1 to 1000');
  if (q.fromTime !== undefined) requireTime(op, 'fromTime', q.fromTime);
  if (q.toTime !== undefined) requireTime(op, 'toTime', q.toTime);
}

export function checkLimit(op: string, limit: number, max = 10_000): number {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > max) throw new StoreInvalidError(op, `limit must be an integer from 1 to ${max}`);
  return limit;
}

/** Error text kept on an outbox entry: bounded, one line. */
export function shortError(error: string): string {
  const one = error.replace(/\s+/g, ' ').trim();
  return one.length > 500 ? `${one.slice(0, 497)}...` : one;
}
