/**
 * The SQLite adapter (better-sqlite3): the embedded default, one file under `data/`, WAL with synchronous=FULL
 * (see schema.ts for why). better-sqlite3 is synchronous; every method still returns a promise, and every
 * failure (a closed store, a full disk, a constraint) becomes a rejection with a StoreError.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { encryptField, rawTextAad } from '../crypto.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { StoreConflictError, StoreError, StoreNotFoundError, StoreUnavailableError, describeError } from '../errors.js';
import { resolveStoreOptions, type ResolvedStoreOptions, type StoreOptions } from '../options.js';
import type {
  AnnotationInput,
  AnnotationRecord,
  AppendTurnResult,
  AudioChunkInput,
  AudioChunkRecord,
  AuditInput,
  AuditQuery,
  AuditRecord,
  CollectionName,
  ConversationStore,
  DeletionCounts,
  DeletionReport,
  DeletionRequest,
  ListSessionsQuery,
  LlmTokenInput,
  LlmTokenRecord,
  NewSession,
  OutboxEntry,
  OutboxEventInput,
  PurgeCounts,
  PutResult,
  SessionAnalytics,
  SessionEnd,
  SessionPage,
  SessionRecord,
  SessionSummary,
  ToolResultInput,
  ToolResultRecord,
  TranscriptFragmentInput,
  TranscriptFragmentRecord,
  TurnInput,
  TurnRecord,
} from '../port.js';
import { CALLER_DELETED, PER_SESSION_COLLECTIONS, SESSION_DELETED, addDeletionCounts, zeroDeletionCounts } from '../deletion.js';
import { emptyPurgeCounts } from '../retention.js';
import {
  checkLimit,
  checkListQuery,
  checkSessionExpiry,
  checkTurn,
  checkTurnText,
  outboxIds,
  requireId,
  requireSeq,
  requireTime,
  shortError,
} from '../validate.js';
import {
  annotationRecord,
  audioRecord,
  auditRecord,
  fragmentRecord,
  jsonCol,
  optCol,
  outboxRecord,
  sessionRecord,
  tokenRecord,
  toolResultRecord,
  turnRecord,
  type AnnotationRow,
  type AudioRow,
  type AuditRow,
  type FragmentRow,
  type OutboxRow,
  type SessionRow,
  type TokenRow,
  type ToolResultRow,
  type TurnRow,
} from './rows.js';
import { configureConnection, migrate, type Synchronous } from './schema.js';

/** the default file, relative to the appliance's working directory */
export const DEFAULT_SQLITE_PATH = 'data/conversations.sqlite';

export interface SqliteStoreOptions extends StoreOptions {
  /** default DEFAULT_SQLITE_PATH; its folder is created */
  path?: string;
  /** default 'FULL' */
  synchronous?: Synchronous;
}

/** Rows deleted per statement by the purge, so a large purge never holds the write lock for long. */
const PURGE_BATCH = 5000;

const PER_SESSION_TABLES = PER_SESSION_COLLECTIONS;

export class SqliteConversationStore implements ConversationStore {
  readonly kind = 'sqlite';
  readonly path: string;
  private readonly db: Database.Database;
  private readonly o: ResolvedStoreOptions;
  private closed = false;

  static open(options: SqliteStoreOptions = {}): SqliteConversationStore {
    return new SqliteConversationStore(options);
  }

  private constructor(options: SqliteStoreOptions) {
    this.o = resolveStoreOptions(options);
    this.path = options.path ?? DEFAULT_SQLITE_PATH;
    if (this.path !== ':memory:') mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path);
    try {
      configureConnection(db, options.synchronous ?? 'FULL');
      migrate(db);
    } catch (err) {
      db.close();
      throw new StoreError('unavailable', 'open', `${this.path}: ${describeError(err)}`, { cause: err });
    }
    this.db = db;
  }

  /** the underlying connection, for the adapter's own tests and maintenance (VACUUM, backup) */
  get connection(): Database.Database {
    return this.db;
  }

  // -------------------------------------------------------------------------------------------------------------
  // sessions

  async createSession(s: NewSession): Promise<PutResult> {
    const op = 'createSession';
    requireId(op, 'id', s.id);
    requireId(op, 'callId', s.callId);
    requireTime(op, 'startedAt', s.startedAt);
    return this.run(op, 'write', () => {
      const r = this.db
        .prepare(
          `INSERT INTO sessions (id, call_id, caller_key, dialed, agent, started_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO NOTHING`,
        )
        .run(s.id, s.callId, optCol(s.callerKey), optCol(s.dialed), optCol(s.agent), s.startedAt, s.startedAt + this.o.retention.sessions);
      return { inserted: r.changes === 1 };
    });
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    return this.run('getSession', 'read', () => {
      const row = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRow | undefined;
      return row ? sessionRecord(row) : null;
    });
  }

  async findSessionByCallId(callId: string): Promise<SessionRecord | null> {
    return this.run('findSessionByCallId', 'read', () => {
      const row = this.db.prepare('SELECT * FROM sessions WHERE call_id = ? ORDER BY started_at DESC, id DESC LIMIT 1').get(callId) as SessionRow | undefined;
      return row ? sessionRecord(row) : null;
    });
  }

  async listSessions(q: ListSessionsQuery): Promise<SessionPage> {
    checkListQuery(q);
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (cond: string, value: string | number): void => {
      where.push(cond);
      args.push(value);
    };
    if (q.fromTime !== undefined) add('started_at >= ?', q.fromTime);
    if (q.toTime !== undefined) add('started_at < ?', q.toTime);
    if (q.dialed !== undefined) add('dialed = ?', q.dialed);
    if (q.outcome !== undefined) add('outcome = ?', q.outcome);
    if (q.cursor !== undefined) {
      const c = decodeCursor(q.cursor);
      where.push('(started_at < ? OR (started_at = ? AND id < ?))');
      args.push(c.startedAt, c.startedAt, c.id);
    }
    return this.run('listSessions', 'read', () => {
      const sql = `SELECT * FROM sessions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT ?`;
      const rows = this.db.prepare(sql).all(...args, q.limit + 1) as SessionRow[];
      const page = rows.slice(0, q.limit).map(sessionRecord);
      const last = page[page.length - 1];
      return rows.length > q.limit && last ? { sessions: page, nextCursor: encodeCursor(last) } : { sessions: page };
    });
  }

  async endSession(id: string, end: SessionEnd): Promise<void> {
    const op = 'endSession';
    requireTime(op, 'endedAt', end.endedAt);
    requireId(op, 'outcome', end.outcome);
    this.updateSession(op, id, 'ended_at = ?, outcome = ?, expires_at = max(expires_at, ?)', [end.endedAt, end.outcome, end.endedAt + this.o.retention.sessions]);
  }

  async setSessionSummary(id: string, summary: SessionSummary): Promise<void> {
    requireTime('setSessionSummary', 'summary.at', summary.at);
    this.updateSession('setSessionSummary', id, 'summary = ?', [JSON.stringify(summary)]);
  }

  async setSessionAnalytics(id: string, analytics: SessionAnalytics): Promise<void> {
    this.updateSession('setSessionAnalytics', id, 'analytics = ?', [JSON.stringify(analytics)]);
  }

  private updateSession(op: string, id: string, set: string, args: (string | number)[]): void {
    const changes = this.run(op, 'write', () => this.db.prepare(`UPDATE sessions SET ${set} WHERE id = ?`).run(...args, id).changes);
    if (changes === 0) throw new StoreNotFoundError(op, `no session ${id}`);
  }

  // -------------------------------------------------------------------------------------------------------------
  // turns and the outbox

  async appendTurn(turn: TurnInput, events: OutboxEventInput[] = []): Promise<AppendTurnResult> {
    checkTurn(turn);
    const ids = outboxIds(turn, events);
    const now = this.o.now();
    const r = this.o.retention;
    const raw = turn.rawText !== undefined && this.o.rawTextKey ? encryptField(turn.rawText, this.o.rawTextKey, rawTextAad(turn.sessionId, turn.seq)) : null;
    const write = this.db.transaction((): AppendTurnResult => {
      const existing = this.db.prepare('SELECT turn_id FROM turns WHERE session_id = ? AND seq = ?').get(turn.sessionId, turn.seq) as { turn_id: string } | undefined;
      if (existing) {
        if (existing.turn_id !== turn.turnId) throw new StoreConflictError('appendTurn', `session ${turn.sessionId} already has turn seq ${turn.seq} as ${existing.turn_id}, not ${turn.turnId}`);
        return { inserted: false, outboxIds: ids };
      }
      const expiresAt = turn.at + r.turns;
      this.db
        .prepare(
          `INSERT INTO turns (session_id, seq, turn_id, at, caller_text, agent_text, interrupted, timings, meta, raw_text, raw_expires_at, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          turn.sessionId,
          turn.seq,
          turn.turnId,
          turn.at,
          optCol(turn.callerText),
          optCol(turn.agentText),
          turn.interrupted === undefined ? null : turn.interrupted ? 1 : 0,
          jsonCol(turn.timings),
          jsonCol(turn.meta),
          raw,
          raw ? turn.at + r.turn_raw_text : null,
          expiresAt,
        );
      const insert = this.db.prepare(
        'INSERT INTO outbox (id, session_id, turn_seq, idx, topic, payload, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      events.forEach((e, i) => insert.run(ids[i], turn.sessionId, turn.seq, i, e.topic, JSON.stringify(e.payload), now, now + r.outbox));
      // the session must outlive its turns, or deleteCaller could not find them
      this.db.prepare('UPDATE sessions SET expires_at = max(expires_at, ?) WHERE id = ?').run(expiresAt, turn.sessionId);
      return { inserted: true, outboxIds: ids };
    });
    return this.run('appendTurn', 'write', () => write.immediate());
  }

  async getTurns(sessionId: string): Promise<TurnRecord[]> {
    return this.run('getTurns', 'read', () => {
      const rows = this.db.prepare('SELECT * FROM turns WHERE session_id = ? ORDER BY seq').all(sessionId) as TurnRow[];
      const now = this.o.now();
      return rows.map((row) => turnRecord(row, this.o.rawTextKey, now));
    });
  }

  async getTurn(sessionId: string, turnId: string): Promise<TurnRecord | null> {
    return this.run('getTurn', 'read', () => {
      const row = this.db.prepare('SELECT * FROM turns WHERE session_id = ? AND turn_id = ?').get(sessionId, turnId) as TurnRow | undefined;
      return row ? turnRecord(row, this.o.rawTextKey, this.o.now()) : null;
    });
  }

  async updateTurnText(sessionId: string, seq: number, field: 'callerText' | 'agentText', text: string): Promise<void> {
    const op = 'updateTurnText';
    const column = checkTurnText(op, sessionId, seq, field, text) === 'callerText' ? 'caller_text' : 'agent_text';
    const changes = this.run(op, 'write', () => this.db.prepare(`UPDATE turns SET ${column} = ? WHERE session_id = ? AND seq = ?`).run(text, sessionId, seq).changes);
    if (changes === 0) throw new StoreNotFoundError(op, `no turn ${seq} in session ${sessionId}`);
  }

  async listPendingOutbox(limit: number): Promise<OutboxEntry[]> {
    checkLimit('listPendingOutbox', limit);
    return this.run('listPendingOutbox', 'read', () =>
      (this.db.prepare('SELECT * FROM outbox WHERE published_at IS NULL ORDER BY pos LIMIT ?').all(limit) as OutboxRow[]).map(outboxRecord),
    );
  }

  async markOutboxPublished(id: string, at: number): Promise<void> {
    requireTime('markOutboxPublished', 'at', at);
    this.run('markOutboxPublished', 'write', () =>
      this.db.prepare('UPDATE outbox SET published_at = ?, expires_at = ? WHERE id = ? AND published_at IS NULL').run(at, at + this.o.retention.outbox, id),
    );
  }

  async recordOutboxFailure(id: string, error: string, _at: number): Promise<void> {
    this.run('recordOutboxFailure', 'write', () =>
      this.db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ? AND published_at IS NULL').run(shortError(error), id),
    );
  }

  async getOutboxEntry(id: string): Promise<OutboxEntry | null> {
    return this.run('getOutboxEntry', 'read', () => {
      const row = this.db.prepare('SELECT * FROM outbox WHERE id = ?').get(id) as OutboxRow | undefined;
      return row ? outboxRecord(row) : null;
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // per-session detail

  async addTranscriptFragment(f: TranscriptFragmentInput): Promise<PutResult> {
    const op = 'addTranscriptFragment';
    requireId(op, 'sessionId', f.sessionId);
    requireId(op, 'turnId', f.turnId);
    requireSeq(op, 'seq', f.seq);
    requireTime(op, 'at', f.at);
    return this.run(op, 'write', () => ({
      inserted:
        this.db
          .prepare(
            `INSERT INTO transcript_fragments (session_id, turn_id, seq, speaker, text, final, at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT DO NOTHING`,
          )
          .run(f.sessionId, f.turnId, f.seq, f.speaker, f.text, f.final ? 1 : 0, f.at, f.at + this.o.retention.transcript_fragments).changes === 1,
    }));
  }

  async getTranscriptFragments(sessionId: string): Promise<TranscriptFragmentRecord[]> {
    return this.run('getTranscriptFragments', 'read', () =>
      (this.db.prepare('SELECT * FROM transcript_fragments WHERE session_id = ? ORDER BY at, turn_id, seq').all(sessionId) as FragmentRow[]).map(fragmentRecord),
    );
  }

  async addLlmTokens(tokens: LlmTokenInput[]): Promise<number> {
    const op = 'addLlmTokens';
    for (const t of tokens) {
      requireId(op, 'sessionId', t.sessionId);
      requireId(op, 'turnId', t.turnId);
      requireSeq(op, 'seq', t.seq);
      requireTime(op, 'at', t.at);
    }
    const insert = this.db.prepare(
      'INSERT INTO llm_tokens (session_id, turn_id, seq, text, at, expires_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    const all = this.db.transaction(() => tokens.reduce((n, t) => n + insert.run(t.sessionId, t.turnId, t.seq, t.text, t.at, t.at + this.o.retention.llm_tokens).changes, 0));
    return this.run(op, 'write', () => all.immediate());
  }

  async getLlmTokens(sessionId: string, turnId?: string): Promise<LlmTokenRecord[]> {
    return this.run('getLlmTokens', 'read', () => {
      const rows = (
        turnId === undefined
          ? this.db.prepare('SELECT * FROM llm_tokens WHERE session_id = ? ORDER BY at, turn_id, seq').all(sessionId)
          : this.db.prepare('SELECT * FROM llm_tokens WHERE session_id = ? AND turn_id = ? ORDER BY at, turn_id, seq').all(sessionId, turnId)
      ) as TokenRow[];
      return rows.map(tokenRecord);
    });
  }

  async putToolResult(t: ToolResultInput): Promise<PutResult> {
    const op = 'putToolResult';
    requireId(op, 'idempotencyKey', t.idempotencyKey);
    requireId(op, 'sessionId', t.sessionId);
    requireId(op, 'turnId', t.turnId);
    requireId(op, 'tool', t.tool);
    requireTime(op, 'at', t.at);
    return this.run(op, 'write', () => ({
      inserted:
        this.db
          .prepare(
            `INSERT INTO tool_results (idempotency_key, session_id, turn_id, call_id, tool, status, result, error, at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`,
          )
          .run(t.idempotencyKey, t.sessionId, t.turnId, optCol(t.callId), t.tool, t.status, jsonCol(t.result), optCol(t.error), t.at, t.at + this.o.retention.tool_results)
          .changes === 1,
    }));
  }

  async getToolResult(idempotencyKey: string): Promise<ToolResultRecord | null> {
    return this.run('getToolResult', 'read', () => {
      const row = this.db.prepare('SELECT * FROM tool_results WHERE idempotency_key = ?').get(idempotencyKey) as ToolResultRow | undefined;
      return row ? toolResultRecord(row) : null;
    });
  }

  async getToolResults(sessionId: string): Promise<ToolResultRecord[]> {
    return this.run('getToolResults', 'read', () =>
      (this.db.prepare('SELECT * FROM tool_results WHERE session_id = ? ORDER BY at, idempotency_key').all(sessionId) as ToolResultRow[]).map(toolResultRecord),
    );
  }

  async addAnnotation(a: AnnotationInput): Promise<PutResult> {
    const op = 'addAnnotation';
    requireId(op, 'id', a.id);
    requireId(op, 'sessionId', a.sessionId);
    requireId(op, 'author', a.author);
    requireId(op, 'kind', a.kind);
    requireTime(op, 'at', a.at);
    return this.run(op, 'write', () => ({
      inserted:
        this.db
          .prepare(
            `INSERT INTO annotations (id, session_id, turn_id, author, kind, text, at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO NOTHING`,
          )
          .run(a.id, a.sessionId, optCol(a.turnId), a.author, a.kind, a.text, a.at, a.at + this.o.retention.annotations).changes === 1,
    }));
  }

  async getAnnotations(sessionId: string): Promise<AnnotationRecord[]> {
    return this.run('getAnnotations', 'read', () =>
      (this.db.prepare('SELECT * FROM annotations WHERE session_id = ? ORDER BY at, id').all(sessionId) as AnnotationRow[]).map(annotationRecord),
    );
  }

  async addAudioChunk(c: AudioChunkInput): Promise<PutResult> {
    const op = 'addAudioChunk';
    requireId(op, 'sessionId', c.sessionId);
    requireId(op, 'stream', c.stream);
    requireId(op, 'codec', c.codec);
    requireSeq(op, 'seq', c.seq);
    requireTime(op, 'at', c.at);
    return this.run(op, 'write', () => ({
      inserted:
        this.db
          .prepare(
            `INSERT INTO audio_chunks (session_id, stream, seq, turn_id, codec, data, at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT DO NOTHING`,
          )
          .run(c.sessionId, c.stream, c.seq, optCol(c.turnId), c.codec, Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength), c.at, c.at + this.o.retention.audio_chunks)
          .changes === 1,
    }));
  }

  async getAudioChunks(sessionId: string, stream?: string): Promise<AudioChunkRecord[]> {
    return this.run('getAudioChunks', 'read', () => {
      const rows = (
        stream === undefined
          ? this.db.prepare('SELECT * FROM audio_chunks WHERE session_id = ? ORDER BY stream, seq').all(sessionId)
          : this.db.prepare('SELECT * FROM audio_chunks WHERE session_id = ? AND stream = ? ORDER BY stream, seq').all(sessionId, stream)
      ) as AudioRow[];
      return rows.map(audioRecord);
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // deletion and audit

  async deleteSession(sessionId: string, request: DeletionRequest): Promise<DeletionReport> {
    requireId('deleteSession', 'sessionId', sessionId);
    this.checkRequest('deleteSession', request);
    const tx = this.db.transaction(() => {
      const counts = this.deleteSessionRows(sessionId);
      const audit = this.insertAudit({ actor: request.requestedBy, action: SESSION_DELETED, sessionId, reason: request.reason, details: { counts, sessionIds: [sessionId] } });
      return { auditId: audit.id, sessionIds: [sessionId], counts };
    });
    return this.run('deleteSession', 'write', () => tx.immediate());
  }

  async deleteCaller(callerKey: string, request: DeletionRequest): Promise<DeletionReport> {
    requireId('deleteCaller', 'callerKey', callerKey);
    this.checkRequest('deleteCaller', request);
    const tx = this.db.transaction(() => {
      const ids = (this.db.prepare('SELECT id FROM sessions WHERE caller_key = ? ORDER BY started_at, id').all(callerKey) as { id: string }[]).map((r) => r.id);
      const counts = zeroDeletionCounts();
      for (const id of ids) addDeletionCounts(counts, this.deleteSessionRows(id));
      const audit = this.insertAudit({ actor: request.requestedBy, action: CALLER_DELETED, callerKey, reason: request.reason, details: { counts, sessionIds: ids } });
      return { auditId: audit.id, sessionIds: ids, counts };
    });
    return this.run('deleteCaller', 'write', () => tx.immediate());
  }

  private deleteSessionRows(sessionId: string): DeletionCounts {
    const counts = zeroDeletionCounts();
    counts.sessions = this.db.prepare('DELETE FROM sessions WHERE id = ?').run(sessionId).changes;
    for (const table of PER_SESSION_TABLES) counts[table] = this.db.prepare(`DELETE FROM ${table} WHERE session_id = ?`).run(sessionId).changes;
    return counts;
  }

  private checkRequest(op: string, request: DeletionRequest): void {
    requireId(op, 'requestedBy', request.requestedBy);
    requireId(op, 'reason', request.reason);
  }

  async recordAudit(entry: AuditInput): Promise<AuditRecord> {
    requireId('recordAudit', 'actor', entry.actor);
    requireId('recordAudit', 'action', entry.action);
    if (entry.at !== undefined) requireTime('recordAudit', 'at', entry.at);
    return this.run('recordAudit', 'write', () => this.insertAudit(entry));
  }

  private insertAudit(entry: AuditInput): AuditRecord {
    const at = entry.at ?? this.o.now();
    const id = entry.id ?? randomUUID();
    const row: AuditRow = {
      id,
      at,
      actor: entry.actor,
      action: entry.action,
      session_id: optCol(entry.sessionId),
      caller_key: optCol(entry.callerKey),
      reason: optCol(entry.reason),
      details: jsonCol(entry.details),
      expires_at: at + this.o.retention.audit,
    };
    this.db
      .prepare('INSERT INTO audit (id, at, actor, action, session_id, caller_key, reason, details, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(row.id, row.at, row.actor, row.action, row.session_id, row.caller_key, row.reason, row.details, row.expires_at);
    return auditRecord(row);
  }

  async listAudit(q: AuditQuery = {}): Promise<AuditRecord[]> {
    const limit = checkLimit('listAudit', q.limit ?? 100);
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (cond: string, value: string | number): void => {
      where.push(cond);
      args.push(value);
    };
    if (q.sessionId !== undefined) add('session_id = ?', q.sessionId);
    if (q.callerKey !== undefined) add('caller_key = ?', q.callerKey);
    if (q.action !== undefined) add('action = ?', q.action);
    return this.run('listAudit', 'read', () =>
      (
        this.db.prepare(`SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT ?`).all(...args, limit) as AuditRow[]
      ).map(auditRecord),
    );
  }

  // -------------------------------------------------------------------------------------------------------------
  // retention

  async setSessionExpiry(sessionId: string, expiresAt: Partial<Record<CollectionName, number>>): Promise<void> {
    const op = 'setSessionExpiry';
    const given = new Map(checkSessionExpiry(op, sessionId, expiresAt));
    const latest = PER_SESSION_TABLES.map((t) => `coalesce((SELECT max(expires_at) FROM ${t} WHERE session_id = @id), 0)`).join(', ');
    const tx = this.db.transaction(() => {
      if (!this.db.prepare('SELECT 1 FROM sessions WHERE id = ?').get(sessionId)) throw new StoreNotFoundError(op, `no session ${sessionId}`);
      for (const table of PER_SESSION_TABLES) {
        const at = given.get(table);
        // a pending outbox entry is never purged: only published ones take the new expiry
        const published = table === 'outbox' ? ' AND published_at IS NOT NULL' : '';
        if (at !== undefined) this.db.prepare(`UPDATE ${table} SET expires_at = ? WHERE session_id = ?${published}`).run(at, sessionId);
      }
      const session = given.get('sessions');
      if (session !== undefined) this.db.prepare('UPDATE sessions SET expires_at = ? WHERE id = ?').run(session, sessionId);
      // the session outlives its records, or deleteCaller could not find them
      this.db.prepare(`UPDATE sessions SET expires_at = max(expires_at, ${latest}) WHERE id = @id`).run({ id: sessionId });
    });
    this.run(op, 'write', () => tx.immediate());
  }

  async purgeExpired(now: number): Promise<PurgeCounts> {
    requireTime('purgeExpired', 'now', now);
    return this.run('purgeExpired', 'write', () => {
      const counts = emptyPurgeCounts();
      const tables = ['sessions', 'audit', 'outbox', ...PER_SESSION_TABLES.filter((t) => t !== 'outbox')] as const;
      for (const table of tables) {
        const extra = table === 'outbox' ? ' AND published_at IS NOT NULL' : '';
        const del = this.db.prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE expires_at <= ?${extra} LIMIT ${PURGE_BATCH})`);
        for (let n = del.run(now).changes; n > 0; n = del.run(now).changes) counts[table] += n;
      }
      const clear = this.db.prepare(
        `UPDATE turns SET raw_text = NULL, raw_expires_at = NULL WHERE rowid IN (SELECT rowid FROM turns WHERE raw_expires_at <= ? LIMIT ${PURGE_BATCH})`,
      );
      for (let n = clear.run(now).changes; n > 0; n = clear.run(now).changes) counts.turn_raw_text += n;
      return counts;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  /** Runs one database step; a closed store and any driver error become a StoreError naming the operation. */
  private run<T>(op: string, kind: 'read' | 'write', fn: () => T): T {
    if (this.closed || !this.db.open) throw new StoreUnavailableError(op, `the SQLite store ${this.path} is closed`);
    try {
      return fn();
    } catch (err) {
      if (err instanceof StoreError) throw err;
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT')) throw new StoreConflictError(op, describeError(err));
      throw new StoreError(kind === 'read' ? 'read_failed' : 'write_failed', op, `SQLite ${this.path}: ${describeError(err)}`, { cause: err });
    }
  }
}
