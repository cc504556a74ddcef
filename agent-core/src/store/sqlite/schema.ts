/**
 * The SQLite schema (version 1) and the connection settings.
 *
 * Durability: WAL journal with `synchronous = FULL`. In WAL mode NORMAL survives a process crash but may lose the
 * last commits on a power cut or OS crash; with an outbox that is not enough, since the relay may already have
 * published a turn's events that then vanish with the turn. FULL syncs the WAL at every commit: one fsync per
 * turn (a turn lasts seconds), which the disk easily carries. `NORMAL` stays available as an option for bulk
 * collections on slow disks.
 */
import type Database from 'better-sqlite3';

export const SCHEMA_VERSION = 1;

const V1 = `
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  call_id TEXT NOT NULL,
  caller_key TEXT,
  dialed TEXT,
  agent TEXT,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  outcome TEXT,
  summary TEXT,
  analytics TEXT,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_time ON sessions (started_at DESC, id DESC);
CREATE INDEX sessions_by_call ON sessions (call_id, started_at DESC);
CREATE INDEX sessions_by_caller ON sessions (caller_key) WHERE caller_key IS NOT NULL;
CREATE INDEX sessions_by_dialed ON sessions (dialed, started_at DESC);
CREATE INDEX sessions_by_outcome ON sessions (outcome, started_at DESC);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE turns (
  session_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  turn_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  caller_text TEXT,
  agent_text TEXT,
  interrupted INTEGER,
  timings TEXT,
  meta TEXT,
  raw_text BLOB,
  raw_expires_at INTEGER,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, seq)
) STRICT;
CREATE UNIQUE INDEX turns_by_turn_id ON turns (session_id, turn_id);
CREATE INDEX turns_by_time ON turns (session_id, at);
CREATE INDEX turns_expiry ON turns (expires_at);
CREATE INDEX turns_raw_expiry ON turns (raw_expires_at) WHERE raw_expires_at IS NOT NULL;

CREATE TABLE transcript_fragments (
  session_id TEXT NOT NULL,
  turn_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  speaker TEXT NOT NULL,
  text TEXT NOT NULL,
  final INTEGER NOT NULL,
  at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, turn_id, seq)
) STRICT;
CREATE INDEX transcript_fragments_by_time ON transcript_fragments (session_id, at);
CREATE INDEX transcript_fragments_expiry ON transcript_fragments (expires_at);

CREATE TABLE llm_tokens (
  session_id TEXT NOT NULL,
  turn_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  text TEXT NOT NULL,
  at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, turn_id, seq)
) STRICT;
CREATE INDEX llm_tokens_by_time ON llm_tokens (session_id, at);
CREATE INDEX llm_tokens_expiry ON llm_tokens (expires_at);

CREATE TABLE tool_results (
  idempotency_key TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  turn_id TEXT NOT NULL,
  call_id TEXT,
  tool TEXT NOT NULL,
  status TEXT NOT NULL,
  result TEXT,
  error TEXT,
  at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX tool_results_by_time ON tool_results (session_id, at);
CREATE INDEX tool_results_by_turn ON tool_results (session_id, turn_id);
CREATE INDEX tool_results_expiry ON tool_results (expires_at);

CREATE TABLE annotations (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  turn_id TEXT,
  author TEXT NOT NULL,
  kind TEXT NOT NULL,
  text TEXT NOT NULL,
  at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX annotations_by_time ON annotations (session_id, at);
CREATE INDEX annotations_expiry ON annotations (expires_at);

CREATE TABLE audio_chunks (
  session_id TEXT NOT NULL,
  stream TEXT NOT NULL,
  seq INTEGER NOT NULL,
  turn_id TEXT,
  codec TEXT NOT NULL,
  data BLOB NOT NULL,
  at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, stream, seq)
) STRICT;
CREATE INDEX audio_chunks_by_time ON audio_chunks (session_id, at);
CREATE INDEX audio_chunks_expiry ON audio_chunks (expires_at);

CREATE TABLE outbox (
  pos INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  session_id TEXT NOT NULL,
  turn_seq INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  topic TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  published_at INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_pending ON outbox (pos) WHERE published_at IS NULL;
CREATE INDEX outbox_by_session ON outbox (session_id, turn_seq);
CREATE INDEX outbox_expiry ON outbox (expires_at) WHERE published_at IS NOT NULL;

CREATE TABLE audit (
  id TEXT PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  session_id TEXT,
  caller_key TEXT,
  reason TEXT,
  details TEXT,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX audit_by_time ON audit (at DESC);
CREATE INDEX audit_by_session ON audit (session_id, at) WHERE session_id IS NOT NULL;
CREATE INDEX audit_by_caller ON audit (caller_key, at) WHERE caller_key IS NOT NULL;
CREATE INDEX audit_expiry ON audit (expires_at);
`;

export type Synchronous = 'FULL' | 'NORMAL';

/** WAL, the chosen sync level, a busy timeout for a second process (the dashboard) reading the same file. */
export function configureConnection(db: Database.Database, synchronous: Synchronous): void {
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal' && db.name !== ':memory:') throw new Error(`could not switch ${db.name} to WAL (journal_mode is ${String(mode)})`);
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = OFF');
}

/** Creates the schema in an empty file; refuses a file written by a newer version. */
export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === SCHEMA_VERSION) return;
  if (version > SCHEMA_VERSION) {
    throw new Error(`${db.name} has store schema version ${version}; this build knows up to ${SCHEMA_VERSION} (refusing to guess)`);
  }
  db.transaction(() => {
    db.exec(V1);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
