/**
 * Input checks shared by both adapters: a bad record is refused before anything is written, with an error that
 * names the field, so both adapters refuse the same things.
 */
import { StoreInvalidError } from './errors.js';
import { COLLECTIONS, type CollectionName, type ListSessionsQuery, type OutboxEventInput, type TurnInput } from './port.js';

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

/** The arguments of `updateTurnText`; returns the field. */
export function checkTurnText(op: string, sessionId: string, seq: number, field: unknown, text: unknown): 'callerText' | 'agentText' {
  requireId(op, 'sessionId', sessionId);
  requireSeq(op, 'seq', seq);
  if (field !== 'callerText' && field !== 'agentText') throw new StoreInvalidError(op, `field must be 'callerText' or 'agentText', not ${String(field)}`);
  if (typeof text !== 'string') throw new StoreInvalidError(op, 'text must be a string');
  return field;
}

/** The expiries of `setSessionExpiry`: store collections other than `audit`, each a time; undefined ones left out. */
export function checkSessionExpiry(op: string, sessionId: string, expiresAt: Partial<Record<CollectionName, number>>): [CollectionName, number][] {
  requireId(op, 'sessionId', sessionId);
  if (typeof expiresAt !== 'object' || expiresAt === null) throw new StoreInvalidError(op, 'expiresAt must be an object of times per collection');
  const out: [CollectionName, number][] = [];
  for (const [name, at] of Object.entries(expiresAt)) {
    if (at === undefined) continue;
    if (name === 'audit') throw new StoreInvalidError(op, 'audit records keep their own retention; their expiry cannot be set per session');
    if (!(COLLECTIONS as readonly string[]).includes(name)) throw new StoreInvalidError(op, `${name} is not a collection of the store`);
    out.push([name as CollectionName, requireTime(op, `expiresAt.${name}`, at)]);
  }
  return out;
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
