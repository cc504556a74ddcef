/**
 * Live events for the calls the built-in demo agent answers. Those calls never reach agent-core, which publishes
 * the live events of every other call, so the media bridge tells the live views (the supervisor dashboard) about
 * them itself: the call's start (caller masked), its quality estimates and its end. The demo agent has no
 * transcript to publish.
 */
import { LIVE_EVENTS_VERSION, maskCaller, type CallInfo, type LiveEvent, type LiveEventBody } from '@callgate/contracts';

export class DemoLiveEvents {
  /** session id → the last sequence number published */
  private readonly seq = new Map<string, number>();

  constructor(private readonly publish: (event: LiveEvent) => void) {}

  started(sessionId: string, call: CallInfo): void {
    if (this.seq.has(sessionId)) return;
    this.seq.set(sessionId, 0);
    this.emit(sessionId, {
      type: 'call_started',
      agent: 'demo',
      callId: call.callId ?? sessionId,
      ...(call.from ? { from: maskCaller(call.from) } : {}),
      ...(call.to ? { to: call.to } : {}),
    });
  }

  quality(sessionId: string, q: { mos: number; jitterMs: number; lossPct: number }): void {
    if (!this.seq.has(sessionId)) return;
    this.emit(sessionId, { type: 'quality', mos: Math.min(5, Math.max(1, q.mos)), jitterMs: Math.max(0, q.jitterMs), lossPct: Math.min(100, Math.max(0, q.lossPct)) });
  }

  ended(sessionId: string, reason: string): void {
    if (!this.seq.has(sessionId)) return;
    this.emit(sessionId, { type: 'call_ended', reason: reason.slice(0, 200), turns: 0 });
    this.seq.delete(sessionId);
  }

  private emit(sessionId: string, body: LiveEventBody): void {
    const seq = (this.seq.get(sessionId) ?? 0) + 1;
    this.seq.set(sessionId, seq);
    this.publish({ ...body, v: LIVE_EVENTS_VERSION, sessionId, seq, at: Date.now() } as LiveEvent);
  }
}
