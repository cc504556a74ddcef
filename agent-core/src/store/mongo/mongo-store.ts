/**
 * The MongoDB adapter (official driver): production. Writes use `w: 'majority', j: true`.
 *
 * The outbox at the turn boundary, two ways:
 *   - transactions (replica set or sharded cluster; the default there): the turn and its outbox documents are
 *     inserted in one multi-document transaction;
 *   - embedded (a standalone server, which has no transactions): the turn document is inserted WITH its outbox
 *     entries inside it (`pendingOutbox`) — one document, so one atomic write — then the entries are copied to
 *     `outbox` by idempotent upserts keyed by entry id and the embedded copy is removed. A crash between the two
 *     leaves them embedded; every `listPendingOutbox` first copies any such leftovers (the relay's sweep), so
 *     nothing is lost, and the upserts make a repeated copy harmless, so nothing is doubled.
 */
import { randomUUID } from 'node:crypto';
import {
  Binary,
  MongoBulkWriteError,
  MongoClient,
  MongoClientClosedError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type ClientSession,
  type Collection,
  type Db,
  type Document,
  type Filter,
  type MongoClientOptions,
} from 'mongodb';
import { encryptField, rawTextAad } from '../crypto.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { CALLER_DELETED, PER_SESSION_COLLECTIONS, SESSION_DELETED, addDeletionCounts, zeroDeletionCounts } from '../deletion.js';
import { StoreConflictError, StoreError, StoreNotFoundError, StoreUnavailableError, describeError } from '../errors.js';
import { resolveStoreOptions, type ResolvedStoreOptions, type StoreOptions } from '../options.js';
import { COLLECTIONS } from '../port.js';
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
import { audioRecord, compact, date, fromDoc, outboxEntry, turnRecord, type OutboxDoc } from './documents.js';
import { ensureIndexes } from './indexes.js';

export type TransactionMode = 'auto' | 'always' | 'never';

export interface MongoStoreOptions extends StoreOptions {
  /** `mongodb://…`; or pass `client` */
  uri?: string;
  /** an existing client (the store then does not close it) */
  client?: MongoClient;
  /** default 'callgate' */
  dbName?: string;
  /**
   * 'auto' (default): transactions where the deployment has them (replica set, mongos), the embedded outbox on a
   * standalone; 'always': refuse a deployment without them; 'never': always the embedded outbox.
   */
  transactions?: TransactionMode;
  /** passed to MongoClient (default serverSelectionTimeoutMS 10 000) */
  clientOptions?: MongoClientOptions;
}

const PENDING_SWEEP_LIMIT = 500;

export class MongoConversationStore implements ConversationStore {
  readonly kind = 'mongodb';
  private closed = false;

  private constructor(
    private readonly client: MongoClient,
    private readonly ownsClient: boolean,
    private readonly db: Db,
    /** whether appendTurn and deletions use multi-document transactions */
    readonly transactions: boolean,
    private readonly o: ResolvedStoreOptions,
  ) {}

  /** Connects, checks what the deployment supports, creates the indexes. */
  static async connect(options: MongoStoreOptions): Promise<MongoConversationStore> {
    const o = resolveStoreOptions(options);
    if (!options.client && !options.uri) throw new StoreError('invalid', 'connect', 'MongoDB needs a uri or a client');
    const client = options.client ?? new MongoClient(options.uri as string, { serverSelectionTimeoutMS: 10_000, ...options.clientOptions });
    const owns = !options.client;
    try {
      await client.connect();
      const db = client.db(options.dbName ?? 'callgate', { writeConcern: { w: 'majority', journal: true } });
      // `hello` from 4.4.2 on; the driver still supports 4.2, which only knows `isMaster`
      const hello = await db
        .admin()
        .command({ hello: 1 })
        .catch(() => db.admin().command({ isMaster: 1 }));
      const supported = typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
      const mode = options.transactions ?? 'auto';
      if (mode === 'always' && !supported) {
        throw new StoreError('invalid', 'connect', 'transactions: "always" needs a replica set or a sharded cluster; this server is a standalone');
      }
      await ensureIndexes(db);
      return new MongoConversationStore(client, owns, db, mode !== 'never' && supported, o);
    } catch (err) {
      if (owns) await client.close().catch(() => undefined);
      if (err instanceof StoreError) throw err;
      throw mapError('connect', 'read', err);
    }
  }

  private col(name: CollectionName | string): Collection {
    return this.db.collection(name);
  }

  // -------------------------------------------------------------------------------------------------------------
  // sessions

  async createSession(s: NewSession): Promise<PutResult> {
    const op = 'createSession';
    requireId(op, 'id', s.id);
    requireId(op, 'callId', s.callId);
    requireTime(op, 'startedAt', s.startedAt);
    return this.run(op, 'write', async () => {
      const doc = compact({ id: s.id, callId: s.callId, callerKey: s.callerKey, dialed: s.dialed, agent: s.agent, startedAt: s.startedAt, expiresAt: date(s.startedAt + this.o.retention.sessions) });
      return this.insertOnce('sessions', { id: s.id }, doc);
    });
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    return this.run('getSession', 'read', async () => {
      const doc = await this.col('sessions').findOne({ id });
      return doc ? fromDoc<SessionRecord>(doc) : null;
    });
  }

  async findSessionByCallId(callId: string): Promise<SessionRecord | null> {
    return this.run('findSessionByCallId', 'read', async () => {
      const doc = await this.col('sessions').findOne({ callId }, { sort: { startedAt: -1, id: -1 } });
      return doc ? fromDoc<SessionRecord>(doc) : null;
    });
  }

  async listSessions(q: ListSessionsQuery): Promise<SessionPage> {
    checkListQuery(q);
    const and: Filter<Document>[] = [];
    if (q.fromTime !== undefined) and.push({ startedAt: { $gte: q.fromTime } });
    if (q.toTime !== undefined) and.push({ startedAt: { $lt: q.toTime } });
    if (q.dialed !== undefined) and.push({ dialed: q.dialed });
    if (q.outcome !== undefined) and.push({ outcome: q.outcome });
    if (q.cursor !== undefined) {
      const c = decodeCursor(q.cursor);
      and.push({ $or: [{ startedAt: { $lt: c.startedAt } }, { startedAt: c.startedAt, id: { $lt: c.id } }] });
    }
    return this.run('listSessions', 'read', async () => {
      const docs = await this.col('sessions')
        .find(and.length ? { $and: and } : {})
        .sort({ startedAt: -1, id: -1 })
        .limit(q.limit + 1)
        .toArray();
      const page = docs.slice(0, q.limit).map((d) => fromDoc<SessionRecord>(d));
      const last = page[page.length - 1];
      return docs.length > q.limit && last ? { sessions: page, nextCursor: encodeCursor(last) } : { sessions: page };
    });
  }

  async endSession(id: string, end: SessionEnd): Promise<void> {
    const op = 'endSession';
    requireTime(op, 'endedAt', end.endedAt);
    requireId(op, 'outcome', end.outcome);
    await this.updateSession(op, id, { $set: { endedAt: end.endedAt, outcome: end.outcome }, $max: { expiresAt: date(end.endedAt + this.o.retention.sessions) } });
  }

  async setSessionSummary(id: string, summary: SessionSummary): Promise<void> {
    requireTime('setSessionSummary', 'summary.at', summary.at);
    await this.updateSession('setSessionSummary', id, { $set: { summary: compact(summary) } });
  }

  async setSessionAnalytics(id: string, analytics: SessionAnalytics): Promise<void> {
    await this.updateSession('setSessionAnalytics', id, { $set: { analytics } });
  }

  private async updateSession(op: string, id: string, update: Document): Promise<void> {
    const r = await this.run(op, 'write', () => this.col('sessions').updateOne({ id }, update));
    if (r.matchedCount === 0) throw new StoreNotFoundError(op, `no session ${id}`);
  }

  // -------------------------------------------------------------------------------------------------------------
  // turns and the outbox

  async appendTurn(turn: TurnInput, events: OutboxEventInput[] = []): Promise<AppendTurnResult> {
    checkTurn(turn);
    const ids = outboxIds(turn, events);
    const now = this.o.now();
    const r = this.o.retention;
    const expiresAt = turn.at + r.turns;
    const raw = turn.rawText !== undefined && this.o.rawTextKey ? encryptField(turn.rawText, this.o.rawTextKey, rawTextAad(turn.sessionId, turn.seq)) : undefined;
    const turnDoc = compact({
      sessionId: turn.sessionId,
      seq: turn.seq,
      turnId: turn.turnId,
      at: turn.at,
      callerText: turn.callerText,
      agentText: turn.agentText,
      interrupted: turn.interrupted,
      timings: turn.timings,
      meta: turn.meta,
      rawText: raw ? new Binary(raw) : undefined,
      rawExpiresAt: raw ? date(turn.at + r.turn_raw_text) : undefined,
      expiresAt: date(expiresAt),
    });
    const outboxDocs: OutboxDoc[] = events.map((e, i) => ({
      id: ids[i] as string,
      sessionId: turn.sessionId,
      turnSeq: turn.seq,
      index: i,
      topic: e.topic,
      payload: JSON.stringify(e.payload),
      createdAt: now,
      publishedAt: null,
      attempts: 0,
      expiresAt: date(now + r.outbox),
    }));
    const done = { inserted: true, outboxIds: ids };
    return this.run('appendTurn', 'write', async () => {
      const existing = await this.existingTurn(turn);
      if (existing) return { inserted: false, outboxIds: ids };
      try {
        if (this.transactions) {
          await this.inTransaction(async (session) => {
            await this.col('turns').insertOne(turnDoc, { session });
            if (outboxDocs.length) await this.col('outbox').insertMany(outboxDocs, { session, ordered: true });
            await this.col('sessions').updateOne({ id: turn.sessionId }, { $max: { expiresAt: date(expiresAt) } }, { session });
          });
          return done;
        }
        if (ids.length) {
          const taken = (await this.col('outbox').findOne({ id: { $in: ids } })) ?? (await this.col('turns').findOne({ 'pendingOutbox.id': { $in: ids } }));
          if (taken) throw new StoreConflictError('appendTurn', `an outbox entry with one of the ids ${ids.join(', ')} already exists`);
        }
        await this.col('turns').insertOne(outboxDocs.length ? { ...turnDoc, pendingOutbox: outboxDocs } : turnDoc);
      } catch (err) {
        if (isDuplicateKey(err) && (await this.existingTurn(turn))) return { inserted: false, outboxIds: ids };
        throw err;
      }
      if (outboxDocs.length) await this.copyEmbedded(turn.sessionId, turn.seq, outboxDocs);
      await this.col('sessions').updateOne({ id: turn.sessionId }, { $max: { expiresAt: date(expiresAt) } });
      return done;
    });
  }

  /** The stored turn with this (sessionId, seq), if any; another turnId there is a conflict. */
  private async existingTurn(turn: TurnInput): Promise<boolean> {
    const doc = await this.col('turns').findOne({ sessionId: turn.sessionId, seq: turn.seq }, { projection: { turnId: 1, pendingOutbox: 1 } });
    if (!doc) return false;
    if (doc.turnId !== turn.turnId) throw new StoreConflictError('appendTurn', `session ${turn.sessionId} already has turn seq ${turn.seq} as ${String(doc.turnId)}, not ${turn.turnId}`);
    const pending = doc.pendingOutbox as OutboxDoc[] | undefined;
    if (pending?.length) await this.copyEmbedded(turn.sessionId, turn.seq, pending);
    return true;
  }

  /** Copies a turn's embedded outbox entries to `outbox` (idempotent upserts), then drops the embedded copy. */
  private async copyEmbedded(sessionId: string, seq: number, docs: OutboxDoc[]): Promise<void> {
    await this.col('outbox').bulkWrite(
      docs.map((d) => ({ updateOne: { filter: { id: d.id }, update: { $setOnInsert: d }, upsert: true } })),
      { ordered: true },
    );
    await this.col('turns').updateOne({ sessionId, seq }, { $unset: { pendingOutbox: '' } });
  }

  /** The relay's sweep: entries left embedded by a crash between a turn's write and their copy. */
  private async sweepEmbedded(filter: Filter<Document> = {}): Promise<void> {
    const leftovers = await this.col('turns')
      .find({ ...filter, 'pendingOutbox.id': { $exists: true } }, { projection: { sessionId: 1, seq: 1, pendingOutbox: 1 } })
      .limit(PENDING_SWEEP_LIMIT)
      .toArray();
    for (const t of leftovers) await this.copyEmbedded(t.sessionId as string, t.seq as number, t.pendingOutbox as OutboxDoc[]);
  }

  async getTurns(sessionId: string): Promise<TurnRecord[]> {
    return this.run('getTurns', 'read', async () => {
      const docs = await this.col('turns').find({ sessionId }).sort({ seq: 1 }).toArray();
      const now = this.o.now();
      return docs.map((d) => turnRecord(d, this.o.rawTextKey, now));
    });
  }

  async getTurn(sessionId: string, turnId: string): Promise<TurnRecord | null> {
    return this.run('getTurn', 'read', async () => {
      const doc = await this.col('turns').findOne({ sessionId, turnId });
      return doc ? turnRecord(doc, this.o.rawTextKey, this.o.now()) : null;
    });
  }

  async updateTurnText(sessionId: string, seq: number, field: 'callerText' | 'agentText', text: string): Promise<void> {
    const op = 'updateTurnText';
    const name = checkTurnText(op, sessionId, seq, field, text);
    const r = await this.run(op, 'write', () => this.col('turns').updateOne({ sessionId, seq }, { $set: { [name]: text } }));
    if (r.matchedCount === 0) throw new StoreNotFoundError(op, `no turn ${seq} in session ${sessionId}`);
  }

  async listPendingOutbox(limit: number): Promise<OutboxEntry[]> {
    checkLimit('listPendingOutbox', limit);
    return this.run('listPendingOutbox', 'read', async () => {
      // also after a move from a standalone to a replica set: leftovers of the embedded path still get copied
      await this.sweepEmbedded();
      const docs = await this.col('outbox').find({ publishedAt: null }).sort({ createdAt: 1, sessionId: 1, turnSeq: 1, index: 1 }).limit(limit).toArray();
      return docs.map(outboxEntry);
    });
  }

  async markOutboxPublished(id: string, at: number): Promise<void> {
    requireTime('markOutboxPublished', 'at', at);
    await this.run('markOutboxPublished', 'write', () =>
      this.col('outbox').updateOne({ id, publishedAt: null }, { $set: { publishedAt: at, expiresAt: date(at + this.o.retention.outbox) } }),
    );
  }

  async recordOutboxFailure(id: string, error: string, _at: number): Promise<void> {
    await this.run('recordOutboxFailure', 'write', () => this.col('outbox').updateOne({ id, publishedAt: null }, { $inc: { attempts: 1 }, $set: { lastError: shortError(error) } }));
  }

  async getOutboxEntry(id: string): Promise<OutboxEntry | null> {
    return this.run('getOutboxEntry', 'read', async () => {
      const doc = await this.col('outbox').findOne({ id });
      return doc ? outboxEntry(doc) : null;
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
    const doc = compact({ ...f, expiresAt: date(f.at + this.o.retention.transcript_fragments) });
    return this.run(op, 'write', () => this.insertOnce('transcript_fragments', { sessionId: f.sessionId, turnId: f.turnId, seq: f.seq }, doc));
  }

  async getTranscriptFragments(sessionId: string): Promise<TranscriptFragmentRecord[]> {
    return this.run('getTranscriptFragments', 'read', async () =>
      (await this.col('transcript_fragments').find({ sessionId }).sort({ at: 1, turnId: 1, seq: 1 }).toArray()).map((d) => fromDoc<TranscriptFragmentRecord>(d)),
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
    if (tokens.length === 0) return 0;
    return this.run(op, 'write', async () => {
      const r = await this.col('llm_tokens').bulkWrite(
        tokens.map((t) => ({
          updateOne: {
            filter: { sessionId: t.sessionId, turnId: t.turnId, seq: t.seq },
            update: { $setOnInsert: compact({ ...t, expiresAt: date(t.at + this.o.retention.llm_tokens) }) },
            upsert: true,
          },
        })),
        { ordered: true },
      );
      return r.upsertedCount;
    });
  }

  async getLlmTokens(sessionId: string, turnId?: string): Promise<LlmTokenRecord[]> {
    return this.run('getLlmTokens', 'read', async () =>
      (await this.col('llm_tokens').find(turnId === undefined ? { sessionId } : { sessionId, turnId }).sort({ at: 1, turnId: 1, seq: 1 }).toArray()).map((d) =>
        fromDoc<LlmTokenRecord>(d),
      ),
    );
  }

  async putToolResult(t: ToolResultInput): Promise<PutResult> {
    const op = 'putToolResult';
    requireId(op, 'idempotencyKey', t.idempotencyKey);
    requireId(op, 'sessionId', t.sessionId);
    requireId(op, 'turnId', t.turnId);
    requireId(op, 'tool', t.tool);
    requireTime(op, 'at', t.at);
    const doc = compact({ ...t, expiresAt: date(t.at + this.o.retention.tool_results) });
    return this.run(op, 'write', () => this.insertOnce('tool_results', { idempotencyKey: t.idempotencyKey }, doc));
  }

  async getToolResult(idempotencyKey: string): Promise<ToolResultRecord | null> {
    return this.run('getToolResult', 'read', async () => {
      const doc = await this.col('tool_results').findOne({ idempotencyKey });
      return doc ? fromDoc<ToolResultRecord>(doc) : null;
    });
  }

  async getToolResults(sessionId: string): Promise<ToolResultRecord[]> {
    return this.run('getToolResults', 'read', async () =>
      (await this.col('tool_results').find({ sessionId }).sort({ at: 1, idempotencyKey: 1 }).toArray()).map((d) => fromDoc<ToolResultRecord>(d)),
    );
  }

  async addAnnotation(a: AnnotationInput): Promise<PutResult> {
    const op = 'addAnnotation';
    requireId(op, 'id', a.id);
    requireId(op, 'sessionId', a.sessionId);
    requireId(op, 'author', a.author);
    requireId(op, 'kind', a.kind);
    requireTime(op, 'at', a.at);
    const doc = compact({ ...a, expiresAt: date(a.at + this.o.retention.annotations) });
    return this.run(op, 'write', () => this.insertOnce('annotations', { id: a.id }, doc));
  }

  async getAnnotations(sessionId: string): Promise<AnnotationRecord[]> {
    return this.run('getAnnotations', 'read', async () =>
      (await this.col('annotations').find({ sessionId }).sort({ at: 1, id: 1 }).toArray()).map((d) => fromDoc<AnnotationRecord>(d)),
    );
  }

  async addAudioChunk(c: AudioChunkInput): Promise<PutResult> {
    const op = 'addAudioChunk';
    requireId(op, 'sessionId', c.sessionId);
    requireId(op, 'stream', c.stream);
    requireId(op, 'codec', c.codec);
    requireSeq(op, 'seq', c.seq);
    requireTime(op, 'at', c.at);
    const doc = compact({ ...c, data: new Binary(c.data), expiresAt: date(c.at + this.o.retention.audio_chunks) });
    return this.run(op, 'write', () => this.insertOnce('audio_chunks', { sessionId: c.sessionId, stream: c.stream, seq: c.seq }, doc));
  }

  async getAudioChunks(sessionId: string, stream?: string): Promise<AudioChunkRecord[]> {
    return this.run('getAudioChunks', 'read', async () =>
      (await this.col('audio_chunks').find(stream === undefined ? { sessionId } : { sessionId, stream }).sort({ stream: 1, seq: 1 }).toArray()).map(audioRecord),
    );
  }

  /** Inserts unless a document with that key exists (the first write wins). */
  private async insertOnce(collection: CollectionName, key: Filter<Document>, doc: Document): Promise<PutResult> {
    try {
      const r = await this.col(collection).updateOne(key, { $setOnInsert: doc }, { upsert: true });
      return { inserted: r.upsertedCount === 1 };
    } catch (err) {
      // two concurrent upserts of one key: one wins, the other sees the unique index
      if (isDuplicateKey(err)) return { inserted: false };
      throw err;
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // deletion and audit

  async deleteSession(sessionId: string, request: DeletionRequest): Promise<DeletionReport> {
    requireId('deleteSession', 'sessionId', sessionId);
    this.checkRequest('deleteSession', request);
    return this.run('deleteSession', 'write', () =>
      this.deleteAudited([sessionId], { actor: request.requestedBy, action: SESSION_DELETED, sessionId, reason: request.reason }),
    );
  }

  async deleteCaller(callerKey: string, request: DeletionRequest): Promise<DeletionReport> {
    requireId('deleteCaller', 'callerKey', callerKey);
    this.checkRequest('deleteCaller', request);
    return this.run('deleteCaller', 'write', async () => {
      const ids = (await this.col('sessions').find({ callerKey }, { projection: { id: 1 } }).sort({ startedAt: 1, id: 1 }).toArray()).map((d) => d.id as string);
      return this.deleteAudited(ids, { actor: request.requestedBy, action: CALLER_DELETED, callerKey, reason: request.reason });
    });
  }

  /**
   * With transactions: the deletes and the audit record commit together. Without: the audit record is written
   * first (`details.status: 'started'`), then the deletes, then the record gets its counts; a crash in between
   * leaves a visible 'started' record and re-running the request finishes the job.
   */
  private async deleteAudited(sessionIds: string[], audit: AuditInput): Promise<DeletionReport> {
    const auditDoc = this.auditDoc({ ...audit, details: { status: 'started', sessionIds } });
    const deleteAll = async (session?: ClientSession): Promise<DeletionCounts> => {
      const counts = zeroDeletionCounts();
      for (const id of sessionIds) {
        const one = zeroDeletionCounts();
        one.sessions = (await this.col('sessions').deleteMany({ id }, { session })).deletedCount;
        for (const c of PER_SESSION_COLLECTIONS) one[c] = (await this.col(c).deleteMany({ sessionId: id }, { session })).deletedCount;
        addDeletionCounts(counts, one);
      }
      return counts;
    };
    // embedded outbox entries become outbox documents first, so the counts include them
    for (const id of sessionIds) await this.sweepEmbedded({ sessionId: id });
    let counts: DeletionCounts;
    if (this.transactions) {
      counts = zeroDeletionCounts();
      await this.inTransaction(async (session) => {
        counts = await deleteAll(session);
        await this.col('audit').insertOne({ ...auditDoc, details: { counts, sessionIds } }, { session });
      });
    } else {
      await this.col('audit').insertOne(auditDoc);
      counts = await deleteAll();
      await this.col('audit').updateOne({ id: auditDoc.id }, { $set: { details: { counts, sessionIds } } });
    }
    return { auditId: auditDoc.id as string, sessionIds, counts };
  }

  private checkRequest(op: string, request: DeletionRequest): void {
    requireId(op, 'requestedBy', request.requestedBy);
    requireId(op, 'reason', request.reason);
  }

  async recordAudit(entry: AuditInput): Promise<AuditRecord> {
    requireId('recordAudit', 'actor', entry.actor);
    requireId('recordAudit', 'action', entry.action);
    if (entry.at !== undefined) requireTime('recordAudit', 'at', entry.at);
    const doc = this.auditDoc(entry);
    await this.run('recordAudit', 'write', () => this.col('audit').insertOne({ ...doc }));
    return fromDoc<AuditRecord>(doc);
  }

  private auditDoc(entry: AuditInput): Document {
    const at = entry.at ?? this.o.now();
    return compact({
      id: entry.id ?? randomUUID(),
      at,
      actor: entry.actor,
      action: entry.action,
      sessionId: entry.sessionId,
      callerKey: entry.callerKey,
      reason: entry.reason,
      details: entry.details,
      expiresAt: date(at + this.o.retention.audit),
    });
  }

  async listAudit(q: AuditQuery = {}): Promise<AuditRecord[]> {
    const limit = checkLimit('listAudit', q.limit ?? 100);
    const filter = compact({ sessionId: q.sessionId, callerKey: q.callerKey, action: q.action });
    return this.run('listAudit', 'read', async () =>
      (await this.col('audit').find(filter).sort({ at: -1, id: -1 }).limit(limit).toArray()).map((d) => fromDoc<AuditRecord>(d)),
    );
  }

  // -------------------------------------------------------------------------------------------------------------
  // retention

  /**
   * Without a transaction, in an order that keeps the session outliving its records after every step: the
   * session is raised to the latest given expiry first, then the records get theirs, then the session gets its
   * own (at least the latest expiry among its records). Each step is idempotent, so a retry finishes the job.
   */
  async setSessionExpiry(sessionId: string, expiresAt: Partial<Record<CollectionName, number>>): Promise<void> {
    const op = 'setSessionExpiry';
    const given = checkSessionExpiry(op, sessionId, expiresAt);
    await this.run(op, 'write', async () => {
      const sessions = this.col('sessions');
      if (!(await sessions.findOne({ id: sessionId }, { projection: { _id: 1 } }))) throw new StoreNotFoundError(op, `no session ${sessionId}`);
      // outbox entries a crash left embedded in their turn become outbox documents first, as in deleteSession
      await this.sweepEmbedded({ sessionId });
      if (given.length) await sessions.updateOne({ id: sessionId }, { $max: { expiresAt: date(Math.max(...given.map(([, at]) => at))) } });
      for (const [c, at] of given) {
        if (c === 'sessions') continue;
        // a pending outbox entry is never purged: only published ones take the new expiry
        const filter: Filter<Document> = c === 'outbox' ? { sessionId, publishedAt: { $type: 'number' } } : { sessionId };
        await this.col(c).updateMany(filter, { $set: { expiresAt: date(at) } });
      }
      let latest = 0;
      for (const c of PER_SESSION_COLLECTIONS) {
        const last = await this.col(c).findOne({ sessionId }, { sort: { expiresAt: -1 }, projection: { _id: 0, expiresAt: 1 } });
        if (last?.expiresAt instanceof Date) latest = Math.max(latest, last.expiresAt.getTime());
      }
      // the session outlives its records, or deleteCaller could not find them
      const own = given.find(([c]) => c === 'sessions')?.[1];
      const update = own === undefined ? { $max: { expiresAt: date(latest) } } : { $set: { expiresAt: date(Math.max(own, latest)) } };
      const r = await sessions.updateOne({ id: sessionId }, update);
      if (r.matchedCount === 0) throw new StoreNotFoundError(op, `no session ${sessionId}`);
    });
  }

  async purgeExpired(now: number): Promise<PurgeCounts> {
    requireTime('purgeExpired', 'now', now);
    return this.run('purgeExpired', 'write', async () => {
      const counts = emptyPurgeCounts();
      const past = { expiresAt: { $lte: date(now) } };
      for (const c of COLLECTIONS) {
        counts[c] = (await this.col(c).deleteMany(c === 'outbox' ? { ...past, publishedAt: { $type: 'number' } } : past)).deletedCount;
      }
      const raw = await this.col('turns').updateMany({ rawExpiresAt: { $lte: date(now) } }, { $unset: { rawText: '', rawExpiresAt: '' } });
      counts.turn_raw_text = raw.modifiedCount;
      return counts;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) await this.client.close();
  }

  private async inTransaction(fn: (session: ClientSession) => Promise<void>): Promise<void> {
    await this.client.withSession((session) => session.withTransaction(() => fn(session)));
  }

  private async run<T>(op: string, kind: 'read' | 'write', fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreUnavailableError(op, 'the MongoDB store is closed');
    try {
      return await fn();
    } catch (err) {
      throw mapError(op, kind, err);
    }
  }
}

function isDuplicateKey(err: unknown): boolean {
  return (err instanceof MongoServerError || err instanceof MongoBulkWriteError) && err.code === 11000;
}

/** Driver errors to StoreErrors: a lost connection is 'unavailable', a duplicate key a conflict. */
export function mapError(op: string, kind: 'read' | 'write', err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  if (
    err instanceof MongoNetworkError ||
    err instanceof MongoServerSelectionError ||
    err instanceof MongoNotConnectedError ||
    err instanceof MongoTopologyClosedError ||
    err instanceof MongoClientClosedError
  ) {
    return new StoreUnavailableError(op, `MongoDB unreachable: ${describeError(err)}`, { cause: err });
  }
  if (isDuplicateKey(err)) return new StoreConflictError(op, describeError(err));
  return new StoreError(kind === 'read' ? 'read_failed' : 'write_failed', op, `MongoDB: ${describeError(err)}`, { cause: err });
}
