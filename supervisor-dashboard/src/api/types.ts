/**
 * The dashboard's HTTP and WebSocket API, version 1: what the server sends and the page reads. Every text in
 * here is PII-redacted at ingestion (agent-core); callers' numbers are masked by the server before they leave it.
 *
 * HTTP (JSON; cookie `cg_session`; state-changing requests carry the header `x-csrf-token` from /api/me or login):
 *   POST /api/login {username,password} → 200 Me | 401 | 429 (Retry-After)
 *   POST /api/logout → 204
 *   GET  /api/me → Me | 401
 *   GET  /api/calls → { calls: LiveCallRow[] }
 *   GET  /api/calls/:sessionId → CallDetail (writes an audit record: transcript opened)
 *   GET  /api/system → SystemStatus
 *   GET  /api/history?from=ISO&to=ISO&number=digits&outcome=text&limit=N → { calls: HistoryRow[] }
 *   GET  /api/history/:sessionId → HistoryDetail (writes an audit record)
 *   GET  /api/admin/audit?limit=N → { records: AuditRow[] }   (admin only; 403 for supervisors)
 *   GET  /api/admin/users → { users: { username, role }[] }    (admin only)
 * WebSocket /api/live (same cookie; refused without it): the client sends ClientMessage, the server ServerMessage.
 * Updates are state snapshots, coalesced: at most one per topic per flush interval, none while the socket is
 * backed up (then a fresh snapshot once it drains).
 */

export const DASHBOARD_API_VERSION = 1 as const;

export type Role = 'admin' | 'supervisor';

export interface Me {
  username: string;
  role: Role;
  /** echo in `x-csrf-token` on POST/PUT/DELETE */
  csrf: string;
}

export type CallState = 'ringing' | 'listening' | 'caller-speaking' | 'agent-speaking' | 'tool' | 'ended';

/** one row of the live calls list */
export interface LiveCallRow {
  sessionId: string;
  /** masked caller, e.g. "+1 212 ••• ••98" or "sip:••••@example.com" */
  caller: string;
  /** the dialed number */
  dialed: string;
  agent: string;
  state: CallState;
  /** epoch ms */
  startedAt: number;
  endedAt: number | null;
  endReason: string | null;
  turns: number;
  /** last quality sample from the media bridge */
  mos: number | null;
  jitterMs: number | null;
  /** fraction 0..1 */
  loss: number | null;
  /** the last completed turn's voice-to-voice latency (speech end → first agent RTP), ms */
  lastV2vMs: number | null;
}

export interface TranscriptLine {
  turnId: string;
  speaker: 'caller' | 'agent';
  /** redacted */
  text: string;
  /** partial lines are replaced by the final one of the same turn and speaker */
  final: boolean;
  interrupted: boolean;
  dtmf: boolean;
  at: number;
}

/** one turn's waterfall, ms after the caller's speech ended */
export interface TurnTimingRow {
  turnId: string;
  at: number;
  sttFirstPartialMs: number | null;
  sttFinalMs: number | null;
  firstTokenMs: number | null;
  firstAudioMs: number | null;
  firstRtpOutMs: number | null;
  bargeInMs: number | null;
  playbackStoppedMs: number | null;
  filler: boolean;
}

export interface ToolRow {
  turnId: string;
  tool: string;
  status: 'started' | 'ok' | 'failed';
  ms: number | null;
  error: string | null;
  at: number;
}

export interface QualityPoint {
  at: number;
  mos: number;
  jitterMs: number;
  loss: number;
}

export interface CallDetail {
  row: LiveCallRow;
  transcript: TranscriptLine[];
  turns: TurnTimingRow[];
  tools: ToolRow[];
  quality: QualityPoint[];
  bargeIns: { turnId: string; heardMs: number; at: number }[];
}

export interface SloStatus {
  /** turn_latency | barge_in | stt_first_partial | first_token | first_audio */
  name: string;
  label: string;
  targetMs: number;
  /** p95 over the window; null with too few samples */
  p95Ms: number | null;
  samples: number;
  /** over target now */
  over: boolean;
  /** over target for at least the hold time: shown red, exported as callgate_slo_breached */
  breached: boolean;
  /** epoch ms when it went over, while over */
  overSince: number | null;
}

export interface QueueStatus {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  /** age of the oldest waiting job, ms */
  lagMs: number;
  /** batch only: paused or slowed because live load is high */
  yielding?: boolean;
}

export interface ProviderHealth {
  stage: 'stt' | 'dialogue' | 'tts';
  provider: string;
  /** circuit-breaker state or the last event: closed | open | half-open | fallback | ... */
  state: string;
  detail: string | null;
  at: number;
}

export interface RecentError {
  at: number;
  source: string;
  message: string;
  sessionId: string | null;
}

export interface SystemStatus {
  activeCalls: number;
  slo: SloStatus[];
  queues: QueueStatus[];
  providers: ProviderHealth[];
  errors: RecentError[];
  /** epoch ms of this snapshot */
  at: number;
}

export interface HistoryRow {
  sessionId: string;
  caller: string;
  dialed: string;
  agent: string;
  startedAt: number;
  endedAt: number | null;
  /** e.g. completed, transferred, caller-hangup, failed */
  outcome: string | null;
  turns: number;
  durationMs: number | null;
}

export interface HistoryDetail {
  call: HistoryRow;
  transcript: TranscriptLine[];
  /** the post-call summary (redacted), null until the post-call flow made it */
  summary: string | null;
  /** the post-call analytics object (talk/listen ratio, interruptions, latency statistics, tool success, MOS) */
  analytics: Record<string, unknown> | null;
}

export interface AuditRow {
  at: number;
  actor: string;
  action: string;
  target: string;
}

export type ClientMessage =
  | { type: 'subscribe'; topic: 'calls' }
  | { type: 'subscribe'; topic: 'system' }
  | { type: 'subscribe'; topic: 'call'; sessionId: string }
  | { type: 'unsubscribe'; topic: 'calls' | 'system' | 'call'; sessionId?: string };

export type ServerMessage =
  | { v: 1; type: 'calls'; calls: LiveCallRow[] }
  | { v: 1; type: 'system'; system: SystemStatus }
  | { v: 1; type: 'call'; detail: CallDetail }
  | { v: 1; type: 'error'; message: string };
