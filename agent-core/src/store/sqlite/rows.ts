/** Rows as SQLite returns them, and their records. NULL columns become absent fields. */
import { rawTextAad, tryDecryptField } from '../crypto.js';
import type {
  AnnotationRecord,
  AudioChunkRecord,
  AuditRecord,
  JsonObject,
  JsonValue,
  LlmTokenRecord,
  OutboxEntry,
  SessionRecord,
  ToolResultRecord,
  TranscriptFragmentRecord,
  TurnRecord,
} from '../port.js';

const json = <T = JsonValue>(text: string): T => JSON.parse(text) as T;

export interface SessionRow {
  id: string;
  call_id: string;
  caller_key: string | null;
  dialed: string | null;
  agent: string | null;
  started_at: number;
  ended_at: number | null;
  outcome: string | null;
  summary: string | null;
  analytics: string | null;
  expires_at: number;
}

export function sessionRecord(r: SessionRow): SessionRecord {
  return {
    id: r.id,
    callId: r.call_id,
    ...(r.caller_key !== null ? { callerKey: r.caller_key } : {}),
    ...(r.dialed !== null ? { dialed: r.dialed } : {}),
    ...(r.agent !== null ? { agent: r.agent } : {}),
    startedAt: r.started_at,
    ...(r.ended_at !== null ? { endedAt: r.ended_at } : {}),
    ...(r.outcome !== null ? { outcome: r.outcome } : {}),
    ...(r.summary !== null ? { summary: json(r.summary) } : {}),
    ...(r.analytics !== null ? { analytics: json<JsonObject>(r.analytics) } : {}),
    expiresAt: r.expires_at,
  };
}

export interface TurnRow {
  session_id: string;
  seq: number;
  turn_id: string;
  at: number;
  caller_text: string | null;
  agent_text: string | null;
  interrupted: number | null;
  timings: string | null;
  meta: string | null;
  raw_text: Buffer | null;
  raw_expires_at: number | null;
  expires_at: number;
}

/** `rawText` only with the key it was sealed with and before its own expiry. */
export function turnRecord(r: TurnRow, key: Buffer | undefined, now: number): TurnRecord {
  const raw = key && r.raw_text && r.raw_expires_at !== null && r.raw_expires_at > now ? tryDecryptField(r.raw_text, key, rawTextAad(r.session_id, r.seq)) : undefined;
  return {
    sessionId: r.session_id,
    seq: r.seq,
    turnId: r.turn_id,
    at: r.at,
    ...(r.caller_text !== null ? { callerText: r.caller_text } : {}),
    ...(r.agent_text !== null ? { agentText: r.agent_text } : {}),
    ...(r.interrupted !== null ? { interrupted: r.interrupted === 1 } : {}),
    ...(r.timings !== null ? { timings: json<Record<string, number>>(r.timings) } : {}),
    ...(r.meta !== null ? { meta: json<JsonObject>(r.meta) } : {}),
    ...(raw !== undefined ? { rawText: raw } : {}),
    expiresAt: r.expires_at,
  };
}

export interface FragmentRow {
  session_id: string;
  turn_id: string;
  seq: number;
  speaker: string;
  text: string;
  final: number;
  at: number;
  expires_at: number;
}

export function fragmentRecord(r: FragmentRow): TranscriptFragmentRecord {
  return {
    sessionId: r.session_id,
    turnId: r.turn_id,
    seq: r.seq,
    speaker: r.speaker as TranscriptFragmentRecord['speaker'],
    text: r.text,
    final: r.final === 1,
    at: r.at,
    expiresAt: r.expires_at,
  };
}

export interface TokenRow {
  session_id: string;
  turn_id: string;
  seq: number;
  text: string;
  at: number;
  expires_at: number;
}

export function tokenRecord(r: TokenRow): LlmTokenRecord {
  return { sessionId: r.session_id, turnId: r.turn_id, seq: r.seq, text: r.text, at: r.at, expiresAt: r.expires_at };
}

export interface ToolResultRow {
  idempotency_key: string;
  session_id: string;
  turn_id: string;
  call_id: string | null;
  tool: string;
  status: string;
  result: string | null;
  error: string | null;
  at: number;
  expires_at: number;
}

export function toolResultRecord(r: ToolResultRow): ToolResultRecord {
  return {
    idempotencyKey: r.idempotency_key,
    sessionId: r.session_id,
    turnId: r.turn_id,
    ...(r.call_id !== null ? { callId: r.call_id } : {}),
    tool: r.tool,
    status: r.status as ToolResultRecord['status'],
    ...(r.result !== null ? { result: json(r.result) } : {}),
    ...(r.error !== null ? { error: r.error } : {}),
    at: r.at,
    expiresAt: r.expires_at,
  };
}

export interface AnnotationRow {
  id: string;
  session_id: string;
  turn_id: string | null;
  author: string;
  kind: string;
  text: string;
  at: number;
  expires_at: number;
}

export function annotationRecord(r: AnnotationRow): AnnotationRecord {
  return {
    id: r.id,
    sessionId: r.session_id,
    ...(r.turn_id !== null ? { turnId: r.turn_id } : {}),
    author: r.author,
    kind: r.kind,
    text: r.text,
    at: r.at,
    expiresAt: r.expires_at,
  };
}

export interface AudioRow {
  session_id: string;
  stream: string;
  seq: number;
  turn_id: string | null;
  codec: string;
  data: Buffer;
  at: number;
  expires_at: number;
}

export function audioRecord(r: AudioRow): AudioChunkRecord {
  return {
    sessionId: r.session_id,
    stream: r.stream,
    seq: r.seq,
    ...(r.turn_id !== null ? { turnId: r.turn_id } : {}),
    codec: r.codec,
    data: new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength),
    at: r.at,
    expiresAt: r.expires_at,
  };
}

export interface OutboxRow {
  pos: number;
  id: string;
  session_id: string;
  turn_seq: number;
  idx: number;
  topic: string;
  payload: string;
  created_at: number;
  published_at: number | null;
  attempts: number;
  last_error: string | null;
  expires_at: number;
}

export function outboxRecord(r: OutboxRow): OutboxEntry {
  return {
    id: r.id,
    sessionId: r.session_id,
    turnSeq: r.turn_seq,
    index: r.idx,
    topic: r.topic,
    payload: json(r.payload),
    createdAt: r.created_at,
    ...(r.published_at !== null ? { publishedAt: r.published_at } : {}),
    attempts: r.attempts,
    ...(r.last_error !== null ? { lastError: r.last_error } : {}),
    expiresAt: r.expires_at,
  };
}

export interface AuditRow {
  id: string;
  at: number;
  actor: string;
  action: string;
  session_id: string | null;
  caller_key: string | null;
  reason: string | null;
  details: string | null;
  expires_at: number;
}

export function auditRecord(r: AuditRow): AuditRecord {
  return {
    id: r.id,
    at: r.at,
    actor: r.actor,
    action: r.action,
    ...(r.session_id !== null ? { sessionId: r.session_id } : {}),
    ...(r.caller_key !== null ? { callerKey: r.caller_key } : {}),
    ...(r.reason !== null ? { reason: r.reason } : {}),
    ...(r.details !== null ? { details: json<JsonObject>(r.details) } : {}),
    expiresAt: r.expires_at,
  };
}

/** JSON text for a column, or NULL */
export const jsonCol = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));
export const optCol = <T>(v: T | undefined): T | null => (v === undefined ? null : v);
