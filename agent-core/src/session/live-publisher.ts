/**
 * Where a session's live events go (Redis pub/sub in the appliance, memory in tests). The session stamps each
 * event with its version, session id, sequence number and time; every text in it is already redacted.
 */
import type { LiveEvent, LiveEventBody } from '@callgate/contracts';

export interface LiveSink {
  publish(event: LiveEvent): void;
}

/** Stamps one session's events in order. */
export class LiveStamper {
  private seq = 0;

  constructor(
    private readonly sessionId: string,
    private readonly sink: LiveSink,
  ) {}

  publish(body: LiveEventBody): void {
    this.seq += 1;
    this.sink.publish({ v: 1, sessionId: this.sessionId, seq: this.seq, at: Date.now(), ...body } as LiveEvent);
  }
}

/** Keeps events in memory (tests, `npm run call` in-process). */
export class MemoryLiveSink implements LiveSink {
  readonly events: LiveEvent[] = [];
  private readonly listeners = new Set<(e: LiveEvent) => void>();

  publish(event: LiveEvent): void {
    this.events.push(event);
    for (const l of this.listeners) l(event);
  }

  subscribe(listener: (e: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
