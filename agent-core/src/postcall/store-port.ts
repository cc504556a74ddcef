/**
 * The narrow slice of the call store the post-call flow needs: read one ended call (session and turns), rewrite
 * a turn's text, and write the call's summary, analytics and retention marks. The real store is adapted to this
 * port; `MemoryPostCallStore` implements it for tests.
 *
 * Times are epoch milliseconds. Every write is an overwrite of the whole value (never an append), and
 * `getPostCall` returns what was written, so a step that is retried (after a crash, a Redis restart or a failed
 * attempt) can see its own earlier write and skip it.
 */

export type Speaker = 'caller' | 'agent';

/** per-turn stage latencies, ms after the caller's speech ended (what the session's turn report carries) */
export interface TurnTimings {
  sttFinalMs?: number | null;
  firstTokenMs?: number | null;
  firstAudioMs?: number | null;
  firstRtpOutMs?: number | null;
  /** the caller spoke over this reply this long after their previous speech ended */
  bargeInMs?: number | null;
}

/** one tool call made during a turn */
export interface ToolCallRecord {
  tool: string;
  ok: boolean;
  /** how long the call took */
  ms: number;
  /** the tool's result when it succeeded (e.g. `{reference: 'A-1001', day: 'tuesday', time: '10:00'}`) */
  result?: unknown;
  /** the failure code when it failed (`timeout`, `http_error`, ...) */
  errorCode?: string;
}

export interface TurnRecord {
  sessionId: string;
  /** order of the turn within the call (unique per session) */
  seq: number;
  turnId: string;
  speaker: Speaker;
  /** redacted at ingestion; the post-call redact step checks it again */
  text: string;
  /** an agent turn the caller spoke over */
  interrupted?: boolean;
  /** when the speaker started and stopped speaking */
  startedAt?: number;
  endedAt?: number;
  timings?: TurnTimings;
  toolCalls?: ToolCallRecord[];
}

/** one call-quality estimate published by the media bridge */
export interface QualitySample {
  at: number;
  mos: number;
  jitterMs: number;
  lossPct: number;
}

/**
 * How the call ended. Known values: 'caller_hangup', 'agent_hangup' (the agent ended it), 'transferred',
 * 'failed' (an error ended it), 'timeout' (no answer / silence); others are kept as they are.
 */
export type CallOutcome = 'caller_hangup' | 'agent_hangup' | 'transferred' | 'failed' | 'timeout' | (string & {});

export interface SessionRecord {
  sessionId: string;
  callId: string;
  /** the agent's name */
  agent: string;
  startedAt: number;
  endedAt?: number;
  outcome?: CallOutcome;
  quality?: QualitySample[];
}

export interface CallSummary {
  /** the sentences joined with spaces */
  text: string;
  sentences: string[];
  /** 'model' when the dialogue model wrote it, 'extractive' otherwise */
  source: 'extractive' | 'model';
}

/** p50/p95/max of one stage over a call's turns (nearest-rank percentiles) */
export interface LatencyStats {
  count: number;
  p50: number;
  p95: number;
  max: number;
}

export interface CallAnalytics {
  turnCount: number;
  callerTurns: number;
  agentTurns: number;
  /** endedAt − startedAt of the session (null while unknown) */
  durationMs: number | null;
  /** summed speaking time of each side, from turns that have both startedAt and endedAt */
  callerSpeakingMs: number;
  agentSpeakingMs: number;
  /** caller speaking time / agent speaking time (null when the agent never spoke) */
  talkListenRatio: number | null;
  /** exchanges the caller spoke over (distinct turn ids with `interrupted` or a barge-in timing) */
  interruptions: number;
  latency: {
    sttFinalMs: LatencyStats | null;
    firstTokenMs: LatencyStats | null;
    firstAudioMs: LatencyStats | null;
    firstRtpOutMs: LatencyStats | null;
  };
  tools: { calls: number; ok: number; failed: number; successRate: number | null };
  mos: { samples: number; min: number; mean: number; last: number } | null;
  outcome: string;
}

/**
 * How long each collection of a call is kept after the call ended, in ms (`null`: no expiry). Collections are
 * the store's names, e.g. `{ turns: 30 days, audio: 1 day, events: 7 days, summary: null }`.
 */
export type RetentionPolicy = Readonly<Record<string, number | null>>;

/** per collection, when its records of the call expire (epoch ms; `null`: never) */
export type RetentionMarks = Record<string, number | null>;

/** what the post-call flow has written for a call so far */
export interface PostCallRecord {
  summary?: CallSummary;
  analytics?: CallAnalytics;
  retention?: RetentionMarks;
}

/** The store as the post-call steps use it. */
export interface PostCallStore {
  getSession(sessionId: string): Promise<SessionRecord | undefined>;
  /** the call's turns, in any order (the steps sort by seq) */
  getTurns(sessionId: string): Promise<TurnRecord[]>;
  updateTurnText(sessionId: string, seq: number, text: string): Promise<void>;
  /** what earlier post-call steps wrote for the call (an empty object when nothing yet) */
  getPostCall(sessionId: string): Promise<PostCallRecord>;
  setSummary(sessionId: string, summary: CallSummary): Promise<void>;
  setAnalytics(sessionId: string, analytics: CallAnalytics): Promise<void>;
  /** sets expiresAt of the call's records in each named collection */
  markRetention(sessionId: string, marks: RetentionMarks): Promise<void>;
}
