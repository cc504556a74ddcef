/**
 * Retention: how long each collection keeps its records, and the periodic purge.
 *
 * A record's `expiresAt` is its own time (`at`, `startedAt`, an ended session's `endedAt`, an outbox entry's
 * publish time) plus the retention of its collection. `purgeExpired(now)` deletes what is past it; on MongoDB a
 * TTL index on `expiresAt` is the backstop should the purge job not run. Outbox entries still pending are never
 * purged (they would be lost events): they expire only once published.
 */
import type { CollectionName, ConversationStore, PurgeCounts } from './port.js';
import { COLLECTIONS } from './port.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

export const days = (n: number): number => n * DAY_MS;

export type RetentionConfig = Record<CollectionName, number> & {
  /** the encrypted raw text of a turn (the turn itself stays for `turns`) */
  turn_raw_text: number;
};

/** Defaults, in ms. Short for the bulky, most personal data (fragments, tokens, audio, raw text). */
export const DEFAULT_RETENTION: Readonly<RetentionConfig> = Object.freeze({
  sessions: days(90),
  turns: days(90),
  transcript_fragments: days(1),
  llm_tokens: days(1),
  tool_results: days(30),
  annotations: days(90),
  audio_chunks: days(1),
  outbox: days(7),
  audit: days(365),
  turn_raw_text: days(1),
});

const PER_SESSION = ['turns', 'transcript_fragments', 'llm_tokens', 'tool_results', 'annotations', 'audio_chunks', 'outbox', 'turn_raw_text'] as const;

/** Fills the defaults in and refuses a value that is not a positive number of ms. */
export function resolveRetention(overrides: Partial<RetentionConfig> = {}): RetentionConfig {
  const out = { ...DEFAULT_RETENTION, ...overrides } as RetentionConfig;
  for (const key of [...COLLECTIONS, 'turn_raw_text'] as const) {
    const v = out[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new Error(`store retention: ${key} must be a positive number of ms, got ${String(v)}`);
    }
  }
  for (const key of Object.keys(overrides)) {
    if (!(key in DEFAULT_RETENTION)) throw new Error(`store retention: unknown collection "${key}"`);
  }
  // deleteCaller finds a caller's records through their sessions: a session must outlive its records
  for (const key of PER_SESSION) {
    if (out[key] > out.sessions) throw new Error(`store retention: ${key} (${out[key]} ms) must not outlast sessions (${out.sessions} ms)`);
  }
  return out;
}

export function emptyPurgeCounts(): PurgeCounts {
  const counts = { turn_raw_text: 0 } as PurgeCounts;
  for (const c of COLLECTIONS) counts[c] = 0;
  return counts;
}

export interface PurgeJobOptions {
  /** default 1 h */
  intervalMs?: number;
  now?: () => number;
  onPurged?: (counts: PurgeCounts) => void;
  /** a failed purge is retried at the next interval */
  onError?: (err: unknown) => void;
}

export interface PurgeJob {
  /** runs one purge now (also what the timer runs) */
  runOnce(): Promise<PurgeCounts>;
  stop(): Promise<void>;
}

/** Runs `purgeExpired` every interval (the timer does not keep the process alive). */
export function startPurgeJob(store: ConversationStore, options: PurgeJobOptions = {}): PurgeJob {
  const intervalMs = options.intervalMs ?? 60 * 60 * 1000;
  const now = options.now ?? Date.now;
  let running: Promise<PurgeCounts> | null = null;
  let stopped = false;
  const runOnce = (): Promise<PurgeCounts> => {
    if (running) return running;
    running = store.purgeExpired(now()).finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => {
    if (stopped) return;
    runOnce().then(
      (counts) => options.onPurged?.(counts),
      (err: unknown) => options.onError?.(err),
    );
  }, intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (running) await running.catch(() => undefined);
    },
  };
}
