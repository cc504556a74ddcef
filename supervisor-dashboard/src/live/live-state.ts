/**
 * The live picture of every call, folded from the live events agent-core publishes (already redacted): one row
 * per call for the list, and per call the transcript, turn timings, tools, barge-ins and quality samples for the
 * detail view. Bounded everywhere (calls, lines per call, samples per call). Each call carries a version that
 * rises on every change, and the list one of its own, so the WebSocket hub sends only what changed.
 *
 * A call whose `call_started` was missed (the dashboard started mid-call) still gets a row from its other events.
 */
import type { LiveEvent } from '@callgate/contracts';
import type { CallDetail, CallState, LiveCallRow, ToolRow, TranscriptLine } from '../api/types.js';

export interface LiveStateLimits {
  maxCalls: number;
  maxLinesPerCall: number;
  maxSamplesPerCall: number;
  /** ended calls stay listed this long */
  endedLingerMs: number;
}

export const DEFAULT_LIMITS: LiveStateLimits = { maxCalls: 5000, maxLinesPerCall: 400, maxSamplesPerCall: 720, endedLingerMs: 30_000 };

/** one call: its detail, the version the hub compares, the last event sequence number applied */
interface Entry extends CallDetail {
  version: number;
  lastSeq: number;
}

export class LiveState {
  private readonly calls = new Map<string, Entry>();
  /** rises whenever the list of rows changes */
  listVersion = 0;
  /** events refused as duplicates (same or older seq) */
  duplicates = 0;

  constructor(
    private readonly limits: LiveStateLimits = DEFAULT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  apply(e: LiveEvent): void {
    const entry = this.entry(e.sessionId, e.at);
    if (!entry) return;
    if (e.seq <= entry.lastSeq) {
      this.duplicates += 1;
      return;
    }
    entry.lastSeq = e.seq;
    const row = entry.row;
    switch (e.type) {
      case 'call_started':
        row.agent = e.agent;
        row.caller = e.from ?? row.caller;
        row.dialed = e.to ? dialedOf(e.to) : row.dialed;
        row.startedAt = e.at;
        break;
      case 'transcript':
        this.transcript(entry, e);
        if (e.speaker === 'caller') row.state = e.final ? 'listening' : 'caller-speaking';
        else if (e.final && row.state === 'agent-speaking') row.state = 'listening';
        break;
      case 'turn_timing':
        push(entry.turns, { turnId: e.turnId, at: e.at, sttFirstPartialMs: e.sttFirstPartialMs, sttFinalMs: e.sttFinalMs, firstTokenMs: e.firstTokenMs, firstAudioMs: e.firstAudioMs, firstRtpOutMs: e.firstRtpOutMs, bargeInMs: e.bargeInMs, playbackStoppedMs: e.playbackStoppedMs, filler: e.filler }, this.limits.maxLinesPerCall);
        if (e.firstRtpOutMs !== null) row.lastV2vMs = Math.round(e.firstRtpOutMs);
        row.turns += 1;
        break;
      case 'barge_in':
        push(entry.bargeIns, { turnId: e.turnId, heardMs: e.heardMs, at: e.at }, this.limits.maxLinesPerCall);
        row.state = 'caller-speaking';
        break;
      case 'tool': {
        const existing = entry.tools.find((t) => t.turnId === e.turnId && t.tool === e.tool && t.status === 'started');
        const tool: ToolRow = { turnId: e.turnId, tool: e.tool, status: e.status, ms: e.ms ?? null, error: e.error ?? null, at: e.at };
        if (existing && e.status !== 'started') Object.assign(existing, tool);
        else push(entry.tools, tool, this.limits.maxLinesPerCall);
        row.state = e.status === 'started' ? 'tool' : 'listening';
        break;
      }
      case 'quality':
        push(entry.quality, { at: e.at, mos: e.mos, jitterMs: e.jitterMs, loss: e.lossPct / 100 }, this.limits.maxSamplesPerCall);
        row.mos = e.mos;
        row.jitterMs = e.jitterMs;
        row.loss = e.lossPct / 100;
        break;
      case 'provider':
        break;
      case 'call_ended':
        row.state = 'ended';
        row.endedAt = e.at;
        row.endReason = e.reason;
        break;
    }
    if (e.type === 'turn_timing' && e.firstRtpOutMs !== null && row.state !== 'ended' && row.state !== 'caller-speaking') row.state = 'agent-speaking';
    entry.version += 1;
    this.listVersion += 1;
  }

  /** drops ended calls after their linger time; returns how many went */
  sweep(): number {
    const t = this.now();
    let n = 0;
    for (const [id, e] of this.calls) {
      if (e.row.endedAt !== null && t - e.row.endedAt >= this.limits.endedLingerMs) {
        this.calls.delete(id);
        n += 1;
      }
    }
    if (n) this.listVersion += 1;
    return n;
  }

  rows(): LiveCallRow[] {
    return [...this.calls.values()].map((e) => ({ ...e.row })).sort((a, b) => b.startedAt - a.startedAt || a.sessionId.localeCompare(b.sessionId));
  }

  activeCalls(): number {
    let n = 0;
    for (const e of this.calls.values()) if (e.row.endedAt === null) n += 1;
    return n;
  }

  detail(sessionId: string): CallDetail | undefined {
    const e = this.calls.get(sessionId);
    if (!e) return undefined;
    return { row: { ...e.row }, transcript: e.transcript.map((l) => ({ ...l })), turns: [...e.turns], tools: e.tools.map((t) => ({ ...t })), quality: [...e.quality], bargeIns: [...e.bargeIns] };
  }

  version(sessionId: string): number | undefined {
    return this.calls.get(sessionId)?.version;
  }

  has(sessionId: string): boolean {
    return this.calls.has(sessionId);
  }

  private entry(sessionId: string, at: number): Entry | undefined {
    let e = this.calls.get(sessionId);
    if (e) return e;
    if (this.calls.size >= this.limits.maxCalls) {
      // full: make room by dropping the oldest ended call; with none ended, the newest call is not tracked
      const ended = [...this.calls.values()].filter((c) => c.row.endedAt !== null).sort((a, b) => a.row.endedAt! - b.row.endedAt!)[0];
      if (!ended) return undefined;
      this.calls.delete(ended.row.sessionId);
    }
    e = {
      row: { sessionId, caller: 'unknown', dialed: '', agent: '', state: 'listening', startedAt: at, endedAt: null, endReason: null, turns: 0, mos: null, jitterMs: null, loss: null, lastV2vMs: null },
      transcript: [],
      turns: [],
      tools: [],
      quality: [],
      bargeIns: [],
      version: 0,
      lastSeq: 0,
    };
    this.calls.set(sessionId, e);
    return e;
  }

  private transcript(entry: Entry, e: Extract<LiveEvent, { type: 'transcript' }>): void {
    const line: TranscriptLine = { turnId: e.turnId, speaker: e.speaker, text: e.text, final: e.final, interrupted: e.interrupted ?? false, dtmf: e.dtmf ?? false, at: e.at };
    // a partial is replaced by the next partial or the final of the same turn and speaker
    const last = findLast(entry.transcript, (l) => l.turnId === e.turnId && l.speaker === e.speaker && !l.final);
    if (last) Object.assign(last, line);
    else push(entry.transcript, line, this.limits.maxLinesPerCall);
  }
}

function push<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

function findLast<T>(list: T[], pred: (x: T) => boolean): T | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (pred(list[i]!)) return list[i];
  return undefined;
}

/** the user part of the dialed URI (`sip:1000@host` → `1000`) */
export function dialedOf(uri: string): string {
  return uri.replace(/^.*?(sips?|tel):/i, '').replace(/[@;].*$/, '');
}

export type { CallState };
