/**
 * The outbox relay: reads pending outbox entries in order, hands each to `publish`, and marks it published only
 * once `publish` resolved. Delivery is at least once:
 *   - a crash between the turn's write and the publish loses nothing (the entry is still pending);
 *   - a crash (or a failed mark) between publish and mark publishes the entry again later, with the same `id`,
 *     which consumers dedupe (`IdempotentConsumer`).
 * Order is kept per session: when an entry fails, the later entries of its session wait for the next pass (other
 * sessions go on), and the next pass comes after an exponential backoff.
 */
import { describeError } from './errors.js';
import type { ConversationStore, OutboxEntry } from './port.js';

export type OutboxStore = Pick<ConversationStore, 'listPendingOutbox' | 'markOutboxPublished' | 'recordOutboxFailure'>;

export interface OutboxRelayOptions {
  publish: (entry: OutboxEntry) => Promise<void>;
  /** entries read per pass (default 100) */
  batchSize?: number;
  /** wait between passes when there was nothing to publish (default 500 ms) */
  pollIntervalMs?: number;
  /** first retry delay after a failed pass (default 200 ms); doubles up to `maxBackoffMs` (default 30 s) */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** a publish that has not settled by then counts as failed (default 30 s) */
  publishTimeoutMs?: number;
  now?: () => number;
  /** a failed publish or store step (the relay goes on) */
  onError?: (err: unknown, entry?: OutboxEntry) => void;
}

export interface RelayPass {
  published: number;
  failed: number;
  /** entries left for a later pass: after a failure of their session, or because the batch was full */
  deferred: number;
}

export class OutboxRelay {
  private readonly o: Required<Omit<OutboxRelayOptions, 'onError'>> & Pick<OutboxRelayOptions, 'onError'>;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private failures = 0;

  constructor(
    private readonly store: OutboxStore,
    options: OutboxRelayOptions,
  ) {
    this.o = {
      batchSize: 100,
      pollIntervalMs: 500,
      initialBackoffMs: 200,
      maxBackoffMs: 30_000,
      publishTimeoutMs: 30_000,
      now: Date.now,
      ...options,
    };
  }

  /**
   * One pass over at most `batchSize` pending entries, in order. Rejects only when the store cannot be read or
   * written (then nothing after that point was marked).
   */
  async runOnce(): Promise<RelayPass> {
    const entries = await this.store.listPendingOutbox(this.o.batchSize);
    const blocked = new Set<string>();
    const pass: RelayPass = { published: 0, failed: 0, deferred: 0 };
    for (const entry of entries) {
      if (this.stopping) {
        pass.deferred++;
        continue;
      }
      if (blocked.has(entry.sessionId)) {
        pass.deferred++;
        continue;
      }
      try {
        await this.publishWithTimeout(entry);
      } catch (err) {
        pass.failed++;
        blocked.add(entry.sessionId);
        this.o.onError?.(err, entry);
        await this.store.recordOutboxFailure(entry.id, describeError(err), this.o.now());
        continue;
      }
      await this.store.markOutboxPublished(entry.id, this.o.now());
      pass.published++;
    }
    return pass;
  }

  /** Publishes everything pending now (passes until one finds nothing or fails); for shutdown and tests. */
  async drain(): Promise<RelayPass> {
    const total: RelayPass = { published: 0, failed: 0, deferred: 0 };
    for (;;) {
      const pass = await this.runOnce();
      total.published += pass.published;
      total.failed += pass.failed;
      total.deferred = pass.deferred;
      if (pass.failed > 0 || pass.published === 0) return total;
    }
  }

  /** Starts the background loop (idempotent). */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.runLoop();
  }

  /** Lets an idle loop look at the outbox now (e.g. right after appendTurn). */
  poke(): void {
    this.wake?.();
  }

  /** Stops the loop after the entry in flight; resolves once it has stopped. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  /** the delay before the next pass after `failures` failed passes in a row */
  backoffMs(failures: number): number {
    if (failures <= 0) return 0;
    const base = Math.min(this.o.maxBackoffMs, this.o.initialBackoffMs * 2 ** Math.min(failures - 1, 30));
    // full jitter on the upper half, so many relays do not retry in step
    return Math.round(base / 2 + (Math.random() * base) / 2);
  }

  private async runLoop(): Promise<void> {
    while (!this.stopping) {
      let wait: number;
      try {
        const pass = await this.runOnce();
        this.failures = pass.failed > 0 ? this.failures + 1 : 0;
        wait = pass.failed > 0 ? this.backoffMs(this.failures) : pass.published > 0 ? 0 : this.o.pollIntervalMs;
      } catch (err) {
        this.failures++;
        this.o.onError?.(err);
        wait = this.backoffMs(this.failures);
      }
      if (wait > 0 && !this.stopping) await this.sleep(wait);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }

  private publishWithTimeout(entry: OutboxEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`publish of ${entry.id} did not settle within ${this.o.publishTimeoutMs} ms`)), this.o.publishTimeoutMs);
      let p: Promise<void>;
      try {
        p = Promise.resolve(this.o.publish(entry));
      } catch (err) {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      p.then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }
}
