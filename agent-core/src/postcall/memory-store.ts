/**
 * An in-memory `PostCallStore` for tests and demos. Values are copied in and out (a caller cannot change what is
 * stored by mutating what it got), and every write is logged so tests can count them. A `before` hook runs
 * before each operation: await in it to make the store slow, throw in it to make the operation fail.
 */
import type {
  CallAnalytics,
  CallSummary,
  PostCallRecord,
  PostCallStore,
  RetentionMarks,
  SessionRecord,
  TurnRecord,
} from './store-port.js';

export type StoreOp =
  | 'getSession'
  | 'getTurns'
  | 'updateTurnText'
  | 'getPostCall'
  | 'setSummary'
  | 'setAnalytics'
  | 'markRetention';

export type StoreWriteOp = 'updateTurnText' | 'setSummary' | 'setAnalytics' | 'markRetention';

export interface StoreWrite {
  op: StoreWriteOp;
  sessionId: string;
  /** the turn, for updateTurnText */
  seq?: number;
}

export interface MemoryPostCallStoreOptions {
  /** runs before every operation (await to slow it, throw to fail it) */
  before?: (op: StoreOp, sessionId: string) => void | Promise<void>;
}

export class MemoryPostCallStore implements PostCallStore {
  /** every write, in order */
  readonly writes: StoreWrite[] = [];
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly turnsBySession = new Map<string, Map<number, TurnRecord>>();
  private readonly results = new Map<string, PostCallRecord>();

  constructor(private readonly opts: MemoryPostCallStoreOptions = {}) {}

  /** stores a session and its turns (replacing what was there) */
  put(session: SessionRecord, turns: TurnRecord[] = []): void {
    this.sessions.set(session.sessionId, structuredClone(session));
    const bySeq = new Map<number, TurnRecord>();
    for (const t of turns) {
      if (t.sessionId !== session.sessionId) throw new Error(`turn ${t.seq} belongs to ${t.sessionId}, not ${session.sessionId}`);
      bySeq.set(t.seq, structuredClone(t));
    }
    this.turnsBySession.set(session.sessionId, bySeq);
  }

  /** the stored turns of a session, by seq (copies) */
  turns(sessionId: string): TurnRecord[] {
    return [...(this.turnsBySession.get(sessionId)?.values() ?? [])].sort((a, b) => a.seq - b.seq).map((t) => structuredClone(t));
  }

  /** what the post-call flow wrote for a session (a copy) */
  postCall(sessionId: string): PostCallRecord {
    return structuredClone(this.results.get(sessionId) ?? {});
  }

  /** how many writes of a kind were made (for one session, or all) */
  writeCount(op: StoreWriteOp, sessionId?: string): number {
    return this.writes.filter((w) => w.op === op && (sessionId === undefined || w.sessionId === sessionId)).length;
  }

  async getSession(sessionId: string): Promise<SessionRecord | undefined> {
    await this.opts.before?.('getSession', sessionId);
    const s = this.sessions.get(sessionId);
    return s ? structuredClone(s) : undefined;
  }

  async getTurns(sessionId: string): Promise<TurnRecord[]> {
    await this.opts.before?.('getTurns', sessionId);
    return this.turns(sessionId);
  }

  async updateTurnText(sessionId: string, seq: number, text: string): Promise<void> {
    await this.opts.before?.('updateTurnText', sessionId);
    const turn = this.turnsBySession.get(sessionId)?.get(seq);
    if (!turn) throw new Error(`memory store: no turn ${seq} in session ${sessionId}`);
    turn.text = text;
    this.writes.push({ op: 'updateTurnText', sessionId, seq });
  }

  async getPostCall(sessionId: string): Promise<PostCallRecord> {
    await this.opts.before?.('getPostCall', sessionId);
    return this.postCall(sessionId);
  }

  async setSummary(sessionId: string, summary: CallSummary): Promise<void> {
    await this.opts.before?.('setSummary', sessionId);
    this.result(sessionId).summary = structuredClone(summary);
    this.writes.push({ op: 'setSummary', sessionId });
  }

  async setAnalytics(sessionId: string, analytics: CallAnalytics): Promise<void> {
    await this.opts.before?.('setAnalytics', sessionId);
    this.result(sessionId).analytics = structuredClone(analytics);
    this.writes.push({ op: 'setAnalytics', sessionId });
  }

  async markRetention(sessionId: string, marks: RetentionMarks): Promise<void> {
    await this.opts.before?.('markRetention', sessionId);
    this.result(sessionId).retention = structuredClone(marks);
    this.writes.push({ op: 'markRetention', sessionId });
  }

  private result(sessionId: string): PostCallRecord {
    if (!this.sessions.has(sessionId)) throw new Error(`memory store: no session ${sessionId}`);
    let r = this.results.get(sessionId);
    if (!r) {
      r = {};
      this.results.set(sessionId, r);
    }
    return r;
  }
}
