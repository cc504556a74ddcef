/**
 * Past calls from the conversation store (SQLite or MongoDB; the dashboard needs only this slice of its port).
 * Everything the store holds is already redacted. A number searches the dialed number and, through the keyed
 * caller hash the store keeps instead of callers' numbers, the caller.
 */
import type { HistoryDetail, HistoryRow, TranscriptLine } from '../api/types.js';

interface StoredSession {
  id: string;
  callId: string;
  callerKey?: string;
  dialed?: string;
  agent?: string;
  startedAt: number;
  endedAt?: number;
  outcome?: string;
  summary?: { text: string };
  analytics?: Record<string, unknown>;
}

interface StoredTurn {
  seq: number;
  turnId: string;
  at: number;
  callerText?: string;
  agentText?: string;
  interrupted?: boolean;
  meta?: Record<string, unknown>;
}

export interface HistoryStore {
  listSessions(q: { fromTime?: number; toTime?: number; dialed?: string; outcome?: string; limit: number }): Promise<{ sessions: StoredSession[] }>;
  getSession(id: string): Promise<StoredSession | null>;
  getTurns(sessionId: string): Promise<StoredTurn[]>;
  recordAudit(entry: { actor: string; action: string; sessionId?: string; reason?: string }): Promise<unknown>;
  listAudit(q?: { limit?: number }): Promise<Array<{ at: number; actor: string; action: string; sessionId?: string; callerKey?: string }>>;
}

export interface HistoryQuery {
  from?: number;
  to?: number;
  number?: string;
  outcome?: string;
  limit: number;
}

export class History {
  constructor(
    private readonly store: HistoryStore,
    /** the caller key the store keeps for a number (same secret as agent-core's) */
    private readonly callerKeyOf: (number: string) => string,
  ) {}

  async search(q: HistoryQuery): Promise<HistoryRow[]> {
    const base = { ...(q.from !== undefined ? { fromTime: q.from } : {}), ...(q.to !== undefined ? { toTime: q.to } : {}), ...(q.outcome ? { outcome: q.outcome } : {}) };
    if (!q.number) return (await this.store.listSessions({ ...base, limit: q.limit })).sessions.map(toRow);
    const digits = q.number.replace(/[^0-9+*#]/g, '');
    const [dialed, recent] = await Promise.all([
      this.store.listSessions({ ...base, dialed: digits, limit: q.limit }),
      // the caller: the newest 1000 calls in the window, matched on their caller key
      this.store.listSessions({ ...base, limit: 1000 }),
    ]);
    const keys = new Set([this.callerKeyOf(digits), this.callerKeyOf(q.number.trim())]);
    const byId = new Map<string, StoredSession>();
    for (const s of [...dialed.sessions, ...recent.sessions.filter((s) => s.callerKey && keys.has(s.callerKey))]) byId.set(s.id, s);
    return [...byId.values()].sort((a, b) => b.startedAt - a.startedAt).slice(0, q.limit).map(toRow);
  }

  async detail(sessionId: string): Promise<HistoryDetail | undefined> {
    const s = await this.store.getSession(sessionId);
    if (!s) return undefined;
    const turns = await this.store.getTurns(sessionId);
    const transcript: TranscriptLine[] = [];
    for (const t of turns) {
      const dtmf = t.meta?.dtmf === true;
      if (t.callerText) transcript.push({ turnId: t.turnId, speaker: 'caller', text: t.callerText, final: true, interrupted: false, dtmf, at: t.at });
      if (t.agentText) transcript.push({ turnId: t.turnId, speaker: 'agent', text: t.agentText, final: true, interrupted: t.interrupted ?? false, dtmf: false, at: t.at });
    }
    return { call: toRow(s), transcript, summary: s.summary?.text ?? null, analytics: s.analytics ?? null };
  }
}

function toRow(s: StoredSession): HistoryRow {
  return {
    sessionId: s.id,
    caller: s.callerKey ? `caller #${s.callerKey.slice(0, 8)}` : 'anonymous',
    dialed: s.dialed ?? '',
    agent: s.agent ?? '',
    startedAt: s.startedAt,
    endedAt: s.endedAt ?? null,
    outcome: s.outcome ?? null,
    turns: 0,
    durationMs: s.endedAt !== undefined ? s.endedAt - s.startedAt : null,
  };
}
