/**
 * A consumer-side guard for at-least-once delivery: runs the handler once per entry id and answers
 * 'duplicate' for an id it has already handled. It remembers the last `maxRemembered` ids in memory (oldest
 * forgotten first); the relay's redeliveries come soon after the original, so a bound of a few thousand covers
 * them. An id whose handler failed is not remembered, so its redelivery runs the handler again.
 */

export interface IdempotentConsumerOptions {
  /** default 10 000 */
  maxRemembered?: number;
}

export type ConsumeOutcome = 'handled' | 'duplicate';

export class IdempotentConsumer<E extends { id: string }> {
  private readonly seen = new Map<string, true>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly max: number;

  constructor(
    private readonly handler: (entry: E) => Promise<void> | void,
    options: IdempotentConsumerOptions = {},
  ) {
    this.max = options.maxRemembered ?? 10_000;
    if (!Number.isSafeInteger(this.max) || this.max < 1) throw new Error('IdempotentConsumer: maxRemembered must be a positive integer');
  }

  /** Rejects with the handler's error (then the id stays unhandled). */
  async handle(entry: E): Promise<ConsumeOutcome> {
    if (this.seen.has(entry.id)) return 'duplicate';
    const running = this.inFlight.get(entry.id);
    if (running) {
      // the same id delivered twice at once: the second waits for the first
      const ok = await running.then(
        () => true,
        () => false,
      );
      if (ok) return 'duplicate';
      return this.handle(entry);
    }
    const run = (async () => this.handler(entry))();
    this.inFlight.set(entry.id, run);
    try {
      await run;
    } finally {
      this.inFlight.delete(entry.id);
    }
    this.remember(entry.id);
    return 'handled';
  }

  has(id: string): boolean {
    return this.seen.has(id);
  }

  get size(): number {
    return this.seen.size;
  }

  private remember(id: string): void {
    this.seen.set(id, true);
    while (this.seen.size > this.max) {
      const oldest = this.seen.keys().next();
      if (oldest.done) break;
      this.seen.delete(oldest.value);
    }
  }
}
