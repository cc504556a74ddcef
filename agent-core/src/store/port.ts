/**
 * The conversation store port: what agent-core, the post-call workers and the dashboard read and write about a
 * call once it leaves memory. Two adapters implement it (SQLite embedded, MongoDB in production) and pass the
 * same contract suite (`contract-suite.ts`).
 *
 * Every text field holds REDACTED text: the session redacts before it writes, the store never looks inside.
 * The one exception is `TurnInput.rawText`, written only when the store was opened with a `rawTextKey`, then
 * encrypted at rest (AES-256-GCM) and kept for its own short retention.
 *
 * Times are epoch milliseconds. Every record carries `expiresAt`, computed from the record's own time and the
 * per-collection retention (`retention.ts`); `purgeExpired(now)` deletes what is past it.
 *
 * Writes are keyed so that a retried write never duplicates: sessions by id, turns by (sessionId, seq),
 * fragments and tokens by (sessionId, turnId, seq), audio by (sessionId, stream, seq), tool results by
 * idempotency key, annotations and audit entries by id, outbox entries by their stable id.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** The collections (tables) of the store; retention is configured per collection. */
export const COLLECTIONS = [
  'sessions',
  'turns',
  'transcript_fragments',
  'llm_tokens',
  'tool_results',
  'annotations',
  'audio_chunks',
  'outbox',
  'audit',
] as const;
export type CollectionName = (typeof COLLECTIONS)[number];

// ---------------------------------------------------------------------------------------------------------------
// Sessions

export interface NewSession {
  id: string;
  /** the telephony call id (SIP Call-ID or the gateway's id): a correlation key */
  callId: string;
  /** HMAC of the caller's number (`deriveCallerKey`), never the number itself; what `deleteCaller` matches */
  callerKey?: string;
  /** the number that was dialed (the service's own number, not the caller's) */
  dialed?: string;
  agent?: string;
  startedAt: number;
}

export interface SessionSummary {
  text: string;
  model?: string;
  at: number;
  /** the summary split into sentences (the post-call summarize step keeps them beside `text`) */
  sentences?: string[];
  /** how the summary was written: picked from the turns, or by a model */
  source?: 'extractive' | 'model';
}

export type SessionAnalytics = JsonObject;

export interface SessionEnd {
  endedAt: number;
  /** e.g. 'completed', 'transferred', 'abandoned', 'failed' */
  outcome: string;
}

export interface SessionRecord extends NewSession {
  endedAt?: number;
  outcome?: string;
  summary?: SessionSummary;
  analytics?: SessionAnalytics;
  expiresAt: number;
}

export interface ListSessionsQuery {
  /** startedAt >= fromTime */
  fromTime?: number;
  /** startedAt < toTime */
  toTime?: number;
  dialed?: string;
  outcome?: string;
  /** 1..1000 */
  limit: number;
  /** `nextCursor` of the previous page */
  cursor?: string;
}

export interface SessionPage {
  sessions: SessionRecord[];
  /** absent on the last page */
  nextCursor?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Turns and the outbox

export interface TurnInput {
  sessionId: string;
  /** 1, 2, 3 … within the session: the replay order and the retry key */
  seq: number;
  /** the turn's correlation id (`turn_id` in logs and contract messages) */
  turnId: string;
  /** when the turn started (caller speech end or the greeting) */
  at: number;
  /** redacted caller text */
  callerText?: string;
  /** redacted agent text as the caller heard it */
  agentText?: string;
  interrupted?: boolean;
  /** stage timestamps / latencies of the turn, ms */
  timings?: Record<string, number>;
  meta?: JsonObject;
  /**
   * Unredacted caller text. Written only when the store has a `rawTextKey` (encrypted with AES-256-GCM), and
   * silently dropped otherwise. It has its own retention (`turn_raw_text`).
   */
  rawText?: string;
}

export interface TurnRecord extends Omit<TurnInput, 'rawText'> {
  /** present only when the store has the key it was written with and the raw text has not expired */
  rawText?: string;
  expiresAt: number;
}

/** An event the turn must publish; written in the same transaction as the turn. */
export interface OutboxEventInput {
  topic: string;
  payload: JsonValue;
  /** stable id for consumers to dedupe on; default `${sessionId}/${seq}/${index}` */
  id?: string;
}

export interface AppendTurnResult {
  /** false when the turn was already stored (a retried write): nothing was written again */
  inserted: boolean;
  outboxIds: string[];
}

export interface OutboxEntry {
  id: string;
  sessionId: string;
  turnSeq: number;
  /** position of the event within its turn */
  index: number;
  topic: string;
  payload: JsonValue;
  createdAt: number;
  publishedAt?: number;
  /** failed publish attempts so far */
  attempts: number;
  lastError?: string;
  expiresAt: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Per-session detail collections

export interface TranscriptFragmentInput {
  sessionId: string;
  turnId: string;
  /** order within the turn; the retry key with (sessionId, turnId) */
  seq: number;
  speaker: 'caller' | 'agent';
  text: string;
  final: boolean;
  at: number;
}
export interface TranscriptFragmentRecord extends TranscriptFragmentInput {
  expiresAt: number;
}

export interface LlmTokenInput {
  sessionId: string;
  turnId: string;
  seq: number;
  text: string;
  at: number;
}
export interface LlmTokenRecord extends LlmTokenInput {
  expiresAt: number;
}

export interface ToolResultInput {
  /** the key the tool was executed with; a second write with the same key keeps the first */
  idempotencyKey: string;
  sessionId: string;
  turnId: string;
  /** the model's tool-call id */
  callId?: string;
  tool: string;
  status: 'ok' | 'error' | 'timeout';
  result?: JsonValue;
  error?: string;
  at: number;
}
export interface ToolResultRecord extends ToolResultInput {
  expiresAt: number;
}

export interface AnnotationInput {
  id: string;
  sessionId: string;
  turnId?: string;
  /** who wrote it: a supervisor id or a worker name */
  author: string;
  kind: string;
  text: string;
  at: number;
}
export interface AnnotationRecord extends AnnotationInput {
  expiresAt: number;
}

export interface AudioChunkInput {
  sessionId: string;
  /** e.g. 'caller', 'agent' */
  stream: string;
  seq: number;
  turnId?: string;
  codec: string;
  data: Uint8Array;
  at: number;
}
export interface AudioChunkRecord extends AudioChunkInput {
  expiresAt: number;
}

/** true when this write stored the record, false when one with the same key was already there */
export interface PutResult {
  inserted: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Deletion and audit

export interface DeletionRequest {
  /** who asked (an operator or supervisor id) */
  requestedBy: string;
  reason: string;
}

export type DeletionCounts = Record<Exclude<CollectionName, 'audit'>, number>;

export interface DeletionReport {
  auditId: string;
  sessionIds: string[];
  counts: DeletionCounts;
}

export interface AuditInput {
  /** who did it */
  actor: string;
  /** e.g. 'transcript_viewed', 'session_deleted', 'caller_deleted' */
  action: string;
  sessionId?: string;
  callerKey?: string;
  reason?: string;
  details?: JsonObject;
  /** default: the store's clock */
  at?: number;
  /** default: a random UUID */
  id?: string;
}

export interface AuditRecord extends Omit<AuditInput, 'at' | 'id'> {
  id: string;
  at: number;
  expiresAt: number;
}

export interface AuditQuery {
  sessionId?: string;
  callerKey?: string;
  action?: string;
  limit?: number;
}

export type PurgeCounts = Record<CollectionName, number> & {
  /** turns whose encrypted raw text was removed (the turn itself stays) */
  turn_raw_text: number;
};

// ---------------------------------------------------------------------------------------------------------------
// The port

export interface ConversationStore {
  /** 'sqlite' | 'mongodb' */
  readonly kind: string;

  /** Creates the session; a retry with the same id is a no-op (`inserted: false`). */
  createSession(session: NewSession): Promise<PutResult>;
  getSession(id: string): Promise<SessionRecord | null>;
  /** the newest session of that call id */
  findSessionByCallId(callId: string): Promise<SessionRecord | null>;
  /** newest first (startedAt, then id), one page at a time */
  listSessions(query: ListSessionsQuery): Promise<SessionPage>;
  /** rejects with StoreNotFoundError for an unknown session */
  endSession(id: string, end: SessionEnd): Promise<void>;
  setSessionSummary(id: string, summary: SessionSummary): Promise<void>;
  setSessionAnalytics(id: string, analytics: SessionAnalytics): Promise<void>;

  /**
   * Writes the turn and the events it must publish in one atomic step (the transactional outbox). A retry of a
   * stored turn (same sessionId, seq and turnId) writes nothing and returns `inserted: false`; the same seq with
   * another turnId rejects with StoreConflictError.
   */
  appendTurn(turn: TurnInput, events?: OutboxEventInput[]): Promise<AppendTurnResult>;
  /** ordered by seq */
  getTurns(sessionId: string): Promise<TurnRecord[]>;
  getTurn(sessionId: string, turnId: string): Promise<TurnRecord | null>;
  /**
   * Rewrites one redacted text field of a stored turn (the post-call redaction of what ingestion missed;
   * `appendTurn` of a stored turn writes nothing). Nothing else of the turn changes: not its expiresAt, not its
   * encrypted raw text, not its outbox entries. Rejects with StoreNotFoundError when the session has no turn
   * `seq`, with StoreInvalidError for another field. Writing the same text again changes nothing.
   */
  updateTurnText(sessionId: string, seq: number, field: 'callerText' | 'agentText', text: string): Promise<void>;

  addTranscriptFragment(fragment: TranscriptFragmentInput): Promise<PutResult>;
  /** ordered by time, then turnId and seq */
  getTranscriptFragments(sessionId: string): Promise<TranscriptFragmentRecord[]>;
  addLlmTokens(tokens: LlmTokenInput[]): Promise<number>;
  /** ordered by time, then turnId and seq */
  getLlmTokens(sessionId: string, turnId?: string): Promise<LlmTokenRecord[]>;
  putToolResult(result: ToolResultInput): Promise<PutResult>;
  getToolResult(idempotencyKey: string): Promise<ToolResultRecord | null>;
  getToolResults(sessionId: string): Promise<ToolResultRecord[]>;
  addAnnotation(annotation: AnnotationInput): Promise<PutResult>;
  getAnnotations(sessionId: string): Promise<AnnotationRecord[]>;
  addAudioChunk(chunk: AudioChunkInput): Promise<PutResult>;
  /** ordered by stream, then seq */
  getAudioChunks(sessionId: string, stream?: string): Promise<AudioChunkRecord[]>;

  /** pending (unpublished) entries, oldest first; per session in turn and event order */
  listPendingOutbox(limit: number): Promise<OutboxEntry[]>;
  /** marks the entry published; a no-op if it already is */
  markOutboxPublished(id: string, at: number): Promise<void>;
  /** counts a failed publish attempt (the entry stays pending) */
  recordOutboxFailure(id: string, error: string, at: number): Promise<void>;
  getOutboxEntry(id: string): Promise<OutboxEntry | null>;

  /** Removes everything of the session in every collection (outbox included) and writes an audit record. */
  deleteSession(sessionId: string, request: DeletionRequest): Promise<DeletionReport>;
  /** Removes every session with that caller key, and all of theirs, and writes one audit record. */
  deleteCaller(callerKey: string, request: DeletionRequest): Promise<DeletionReport>;
  recordAudit(entry: AuditInput): Promise<AuditRecord>;
  /** newest first */
  listAudit(query?: AuditQuery): Promise<AuditRecord[]>;

  /**
   * Sets expiresAt (epoch ms) of every record of the session in each named collection (`sessions`: the session
   * record itself; `outbox`: its published entries only, a pending one never expires). The session then outlives
   * its records: its expiresAt becomes at least the latest expiresAt of its records in every per-session
   * collection, or `deleteCaller` could not find them. `audit` is refused (StoreInvalidError: audit records keep
   * their own retention), as is a collection that is not one; an unknown session rejects with
   * StoreNotFoundError. Repeating the call changes nothing more.
   */
  setSessionExpiry(sessionId: string, expiresAt: Partial<Record<CollectionName, number>>): Promise<void>;

  /** Deletes every record whose expiresAt <= now (published outbox entries only) and expired raw text. */
  purgeExpired(now: number): Promise<PurgeCounts>;

  close(): Promise<void>;
}
