/**
 * The post-call flow's port (`PostCallStore`) over the conversation store (`ConversationStore`).
 *
 * Turns. The store keeps ONE record per turn (the caller's speech and the agent's reply to it, sharing a turnId);
 * the post-call steps want one record per speaker. Store turn `seq` becomes a caller record `2·seq` (when it has
 * caller text) and an agent record `2·seq + 1` (when it has agent text, tool calls or an interruption, or when
 * the turn has no caller text at all), both with the store turn's turnId, so an interruption counts once.
 * `updateTurnText(sessionId, n, text)` maps back: `seq = ⌊n/2⌋`, field `callerText` for even n, `agentText` for
 * odd n. The turn's stage timings go to its caller record (its agent record when there is none), so every stage
 * latency is counted once per turn. Speaking times come from the turn's `meta` (`TurnMeta`): the caller spoke
 * `callerSpeechMs` up to the turn's `at`; the agent's reply started `firstRtpOutMs` (else `firstAudioMs`) after
 * `at` and played `agentAudioMs`.
 *
 * Session. Summary → `setSessionSummary` (with the summary's sentences and source kept beside `text`), analytics
 * → the `call` field of the session's `analytics` object, retention marks → its `retention` field (the rest of
 * that object, e.g. `quality` samples written during the call, is kept on every write). MOS samples are read
 * from `analytics.quality`, else from the turns' `meta.quality`, else there are none. The store's outcome
 * `caller_hung_up` reads as `caller_hangup`; other outcomes are kept as they are.
 *
 * Two writes go through `TurnTextUpdater` (rewrite one text field of a stored turn; `appendTurn` of a stored
 * turn writes nothing) and `SessionExpiryUpdater` (set expiresAt of a session's records per collection): both
 * stores implement them, and others can be passed in. Without them `updateTurnText` and `markRetention` reject,
 * so a flow fails visibly instead of leaving PII or wrong expiries.
 */
import { StoreNotFoundError } from '../store/errors.js';
import { COLLECTIONS, type CollectionName, type ConversationStore, type JsonObject, type JsonValue, type SessionSummary, type TurnRecord as StoredTurn } from '../store/port.js';
import type {
  CallAnalytics,
  CallSummary,
  PostCallRecord,
  PostCallStore,
  QualitySample,
  RetentionMarks,
  SessionRecord,
  ToolCallRecord,
  TurnRecord,
  TurnTimings,
} from './store-port.js';
import { splitSentences } from './summary.js';

// ---------------------------------------------------------------------------------------------------------------
// What the adapter reads and writes inside the store's JSON fields

/** one tool call as the session writes it into `TurnMeta.toolCalls` */
export type TurnMetaToolCall = {
  tool: string;
  ok: boolean;
  /** how long the call took */
  ms: number;
  /** the failure code when it failed (`timeout`, `http_error`, ...) */
  errorCode?: string;
  /** the tool's result when it succeeded */
  result?: JsonValue;
};

/** one call-quality estimate as stored (in `TurnMeta.quality` or the session's `analytics.quality`) */
export type StoredQualitySample = { at: number; mos: number; jitterMs: number; lossPct: number };

/**
 * The session's `meta` of a stored turn, as the adapter reads it (every field optional; other fields are kept
 * by the store and ignored here). Write it with `turnMeta(...)`, which gives the store's JSON type.
 */
export type TurnMeta = {
  /** the tool calls made during the turn */
  toolCalls?: TurnMetaToolCall[];
  /** how long the caller spoke; their speech ended at the turn's `at` */
  callerSpeechMs?: number;
  /** how long the agent's reply played to the caller (up to the interruption when interrupted) */
  agentAudioMs?: number;
  /** call-quality samples taken during the turn */
  quality?: StoredQualitySample[];
};

/** The layout of a session's `analytics` object in the store. Other fields are kept as they are. */
export type PostCallSessionAnalytics = {
  /** the post-call analytics step's record */
  call?: CallAnalytics;
  /** the post-call retention marks (per retention-policy name: epoch ms, or null for never) */
  retention?: RetentionMarks;
  /** call-quality samples written during the call (the MOS source of the analytics) */
  quality?: StoredQualitySample[];
};

/** The session summary as the adapter writes it: the store's fields plus the summary's sentences and source. */
export interface PostCallSessionSummary extends SessionSummary {
  sentences: string[];
  source: CallSummary['source'];
}

/** A `TurnMeta` as the store's JSON object (undefined fields left out), for `TurnInput.meta`. */
export function turnMeta(meta: TurnMeta): JsonObject {
  return JSON.parse(JSON.stringify(meta)) as JsonObject;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function readToolCall(v: unknown): ToolCallRecord | undefined {
  if (!isObject(v) || typeof v.tool !== 'string' || v.tool === '' || typeof v.ok !== 'boolean' || !isNum(v.ms)) return undefined;
  return {
    tool: v.tool,
    ok: v.ok,
    ms: v.ms,
    ...(typeof v.errorCode === 'string' ? { errorCode: v.errorCode } : {}),
    ...(v.result !== undefined ? { result: v.result } : {}),
  };
}

function readQuality(v: unknown): QualitySample[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((q): QualitySample[] =>
    isObject(q) && isNum(q.at) && isNum(q.mos) && isNum(q.jitterMs) && isNum(q.lossPct) ? [{ at: q.at, mos: q.mos, jitterMs: q.jitterMs, lossPct: q.lossPct }] : [],
  );
}

/** The `TurnMeta` fields of a stored turn's meta; malformed entries are left out. */
export function readTurnMeta(meta: JsonObject | undefined): TurnMeta {
  if (!meta) return {};
  const toolCalls = Array.isArray(meta.toolCalls) ? meta.toolCalls.flatMap((c) => readToolCall(c) ?? []) : [];
  const quality = readQuality(meta.quality);
  return {
    ...(toolCalls.length ? { toolCalls: toolCalls as TurnMetaToolCall[] } : {}),
    ...(isNum(meta.callerSpeechMs) && meta.callerSpeechMs >= 0 ? { callerSpeechMs: meta.callerSpeechMs } : {}),
    ...(isNum(meta.agentAudioMs) && meta.agentAudioMs >= 0 ? { agentAudioMs: meta.agentAudioMs } : {}),
    ...(quality.length ? { quality } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The store extensions

export type TurnTextField = 'callerText' | 'agentText';

/**
 * Rewrites one text field of a stored turn (the post-call redact step). Rejects with StoreNotFoundError when
 * the session has no turn `seq`. The store implements it natively (ConversationStore); an updater given here takes precedence.
 */
export interface TurnTextUpdater {
  updateTurnText(sessionId: string, seq: number, field: TurnTextField, text: string): Promise<void>;
}

/** the expiresAt that means "never" (the largest time a JS Date holds; a valid BSON date) */
export const NEVER_EXPIRES = 8_640_000_000_000_000;

/**
 * Sets expiresAt (epoch ms) of every record of the session in each named collection; `sessions` is the session
 * record itself. The store keeps the session at least as long as its records (it raises `sessions` to the
 * latest expiresAt of the session's records). The store implements it natively (ConversationStore); an updater given here takes precedence.
 */
export interface SessionExpiryUpdater {
  setSessionExpiry(sessionId: string, expiresAt: Partial<Record<CollectionName, number>>): Promise<void>;
}

/**
 * Which store collections each retention-policy name covers (the names of DEFAULT_RETENTION_POLICY); a policy
 * name that is itself a store collection covers that collection. Summary and analytics live on the session.
 */
export const DEFAULT_RETENTION_COLLECTIONS: Readonly<Record<string, readonly CollectionName[]>> = {
  audio: ['audio_chunks'],
  events: ['transcript_fragments', 'llm_tokens', 'tool_results'],
  turns: ['turns'],
  summary: ['sessions'],
  analytics: ['sessions'],
};

export interface ConversationPostCallStoreOptions {
  /** rewrites a stored turn's text (default: the store, when it has `updateTurnText`) */
  turnText?: TurnTextUpdater;
  /** sets the expiry of a session's records (default: the store, when it has `setSessionExpiry`) */
  expiry?: SessionExpiryUpdater;
  /** store collections per retention-policy name (default DEFAULT_RETENTION_COLLECTIONS) */
  retentionCollections?: Readonly<Record<string, readonly CollectionName[]>>;
  /** the model name stored with a summary the dialogue model wrote (default 'dialogue-model') */
  summaryModel?: string;
  /** the clock for the summary's `at` (default Date.now) */
  now?: () => number;
}

// ---------------------------------------------------------------------------------------------------------------
// Mapping

/** the post-call seq of a store turn's caller record */
export const callerSeq = (storeSeq: number): number => 2 * storeSeq;
/** the post-call seq of a store turn's agent record */
export const agentSeq = (storeSeq: number): number => 2 * storeSeq + 1;
/** the store turn and text field of a post-call seq */
export function storeTurnOf(seq: number): { seq: number; field: TurnTextField } {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new Error(`post-call store: turn seq must be a non-negative integer, not ${seq}`);
  return { seq: Math.floor(seq / 2), field: seq % 2 === 0 ? 'callerText' : 'agentText' };
}

const TIMING_KEYS = ['sttFinalMs', 'firstTokenMs', 'firstAudioMs', 'firstRtpOutMs', 'bargeInMs'] as const;

function timingsOf(t: StoredTurn): TurnTimings | undefined {
  const out: TurnTimings = {};
  for (const k of TIMING_KEYS) {
    const v = t.timings?.[k];
    if (isNum(v)) out[k] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

/** the caller and agent records of one store turn */
export function speakerTurns(t: StoredTurn): TurnRecord[] {
  const meta = readTurnMeta(t.meta);
  const timings = timingsOf(t);
  const out: TurnRecord[] = [];
  const hasCaller = t.callerText !== undefined && t.callerText !== '';
  if (hasCaller) {
    out.push({
      sessionId: t.sessionId,
      seq: callerSeq(t.seq),
      turnId: t.turnId,
      speaker: 'caller',
      text: t.callerText ?? '',
      ...(meta.callerSpeechMs !== undefined ? { startedAt: t.at - meta.callerSpeechMs } : {}),
      endedAt: t.at,
      ...(timings ? { timings } : {}),
    });
  }
  const toolCalls = meta.toolCalls as ToolCallRecord[] | undefined;
  if ((t.agentText !== undefined && t.agentText !== '') || toolCalls || t.interrupted === true || !hasCaller) {
    const startedAt = t.at + (t.timings?.firstRtpOutMs ?? t.timings?.firstAudioMs ?? 0);
    out.push({
      sessionId: t.sessionId,
      seq: agentSeq(t.seq),
      turnId: t.turnId,
      speaker: 'agent',
      text: t.agentText ?? '',
      ...(t.interrupted !== undefined ? { interrupted: t.interrupted } : {}),
      startedAt,
      ...(meta.agentAudioMs !== undefined ? { endedAt: startedAt + meta.agentAudioMs } : {}),
      ...(timings && !hasCaller ? { timings } : {}),
      ...(toolCalls ? { toolCalls } : {}),
    });
  }
  return out;
}

function readSummary(v: unknown): CallSummary | undefined {
  if (!isObject(v) || typeof v.text !== 'string') return undefined;
  const sentences = Array.isArray(v.sentences) && v.sentences.every((s) => typeof s === 'string') ? (v.sentences as string[]) : splitSentences(v.text);
  const source = v.source === 'model' || v.source === 'extractive' ? v.source : typeof v.model === 'string' ? 'model' : 'extractive';
  return { text: v.text, sentences, source };
}

function readMarks(v: unknown): RetentionMarks | undefined {
  if (!isObject(v)) return undefined;
  const out: RetentionMarks = {};
  for (const [k, m] of Object.entries(v)) {
    if (m !== null && !isNum(m)) return undefined;
    out[k] = m;
  }
  return out;
}

const later = (a: number | undefined, b: number): number => (a === undefined ? b : Math.max(a, b));

/** store outcomes spelled differently in the post-call vocabulary (`CallOutcome`); others are kept as they are */
const OUTCOMES: Readonly<Record<string, string>> = { caller_hung_up: 'caller_hangup' };

// ---------------------------------------------------------------------------------------------------------------

export class ConversationPostCallStore implements PostCallStore {
  private readonly turnText: TurnTextUpdater | undefined;
  private readonly expiry: SessionExpiryUpdater | undefined;
  private readonly collections: Readonly<Record<string, readonly CollectionName[]>>;
  private readonly now: () => number;

  constructor(
    private readonly store: ConversationStore & Partial<TurnTextUpdater & SessionExpiryUpdater>,
    private readonly opts: ConversationPostCallStoreOptions = {},
  ) {
    this.turnText = opts.turnText ?? (typeof store.updateTurnText === 'function' ? (store as TurnTextUpdater) : undefined);
    this.expiry = opts.expiry ?? (typeof store.setSessionExpiry === 'function' ? (store as SessionExpiryUpdater) : undefined);
    this.collections = opts.retentionCollections ?? DEFAULT_RETENTION_COLLECTIONS;
    this.now = opts.now ?? Date.now;
  }

  async getSession(sessionId: string): Promise<SessionRecord | undefined> {
    const s = await this.store.getSession(sessionId);
    if (!s) return undefined;
    let quality = readQuality(isObject(s.analytics) ? s.analytics.quality : undefined);
    if (quality.length === 0) quality = (await this.store.getTurns(sessionId)).flatMap((t) => readTurnMeta(t.meta).quality ?? []);
    return {
      sessionId: s.id,
      callId: s.callId,
      agent: s.agent ?? '',
      startedAt: s.startedAt,
      ...(s.endedAt !== undefined ? { endedAt: s.endedAt } : {}),
      ...(s.outcome !== undefined ? { outcome: OUTCOMES[s.outcome] ?? s.outcome } : {}),
      ...(quality.length ? { quality } : {}),
    };
  }

  async getTurns(sessionId: string): Promise<TurnRecord[]> {
    return (await this.store.getTurns(sessionId)).flatMap(speakerTurns);
  }

  async updateTurnText(sessionId: string, seq: number, text: string): Promise<void> {
    const at = storeTurnOf(seq);
    if (!this.turnText) {
      throw new Error(
        `post-call store: the ${this.store.kind} conversation store cannot rewrite turn text (no updateTurnText); turn ${at.seq} of ${sessionId} still holds PII`,
      );
    }
    await this.turnText.updateTurnText(sessionId, at.seq, at.field, text);
  }

  async getPostCall(sessionId: string): Promise<PostCallRecord> {
    const s = await this.store.getSession(sessionId);
    if (!s) return {};
    const summary = readSummary(s.summary);
    const analytics = isObject(s.analytics) && isObject(s.analytics.call) ? (s.analytics.call as unknown as CallAnalytics) : undefined;
    const retention = readMarks(isObject(s.analytics) ? s.analytics.retention : undefined);
    return { ...(summary ? { summary } : {}), ...(analytics ? { analytics } : {}), ...(retention ? { retention } : {}) };
  }

  async setSummary(sessionId: string, summary: CallSummary): Promise<void> {
    const stored: PostCallSessionSummary = {
      text: summary.text,
      at: this.now(),
      ...(summary.source === 'model' ? { model: this.opts.summaryModel ?? 'dialogue-model' } : {}),
      sentences: [...summary.sentences],
      source: summary.source,
    };
    await this.store.setSessionSummary(sessionId, stored);
  }

  async setAnalytics(sessionId: string, analytics: CallAnalytics): Promise<void> {
    await this.updateAnalytics(sessionId, 'setAnalytics', { call: analytics as unknown as JsonObject });
  }

  async markRetention(sessionId: string, marks: RetentionMarks): Promise<void> {
    if (!this.expiry) {
      throw new Error(`post-call store: the ${this.store.kind} conversation store cannot set the expiry of a session's records (no setSessionExpiry)`);
    }
    const expiresAt = this.expiriesOf(marks);
    // the expiries first: a retry after a failure in between sets them again (the marks say what was done)
    if (Object.keys(expiresAt).length) await this.expiry.setSessionExpiry(sessionId, expiresAt);
    await this.updateAnalytics(sessionId, 'markRetention', { retention: marks });
  }

  /** the expiresAt per store collection of the marks: the latest mark that covers it; the session outlives all */
  expiriesOf(marks: RetentionMarks): Partial<Record<CollectionName, number>> {
    const out: Partial<Record<CollectionName, number>> = {};
    for (const [name, mark] of Object.entries(marks)) {
      const covered = this.collections[name] ?? ((COLLECTIONS as readonly string[]).includes(name) ? [name as CollectionName] : []);
      for (const c of covered) out[c] = later(out[c], mark === null ? NEVER_EXPIRES : mark);
    }
    if (out.sessions !== undefined) {
      for (const v of Object.values(out)) out.sessions = Math.max(out.sessions, v);
    }
    return out;
  }

  /** writes some fields of the session's analytics object, keeping the others */
  private async updateAnalytics(sessionId: string, op: string, fields: JsonObject): Promise<void> {
    const s = await this.store.getSession(sessionId);
    if (!s) throw new StoreNotFoundError(op, `no session ${sessionId}`);
    await this.store.setSessionAnalytics(sessionId, { ...(isObject(s.analytics) ? s.analytics : {}), ...fields });
  }
}
