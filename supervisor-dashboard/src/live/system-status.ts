/**
 * What the system panel shows besides the SLOs: provider health as the live events report it, recent errors
 * (tool and provider failures, calls that ended on a failure), and the realtime/batch queue depths and lag,
 * read from BullMQ every few seconds (not per request).
 */
import type { LiveEvent } from '@callgate/contracts';
import type { ProviderHealth, QueueStatus, RecentError } from '../api/types.js';

const MAX_ERRORS = 50;
const BAD_PROVIDER_STATES = /open|fail|error|timeout|down|fallback/i;

export class SystemEvents {
  private readonly providers = new Map<string, ProviderHealth>();
  private readonly errors: RecentError[] = [];
  version = 0;

  apply(e: LiveEvent): void {
    if (e.type === 'provider') {
      this.providers.set(`${e.stage}/${e.provider}`, { stage: e.stage, provider: e.provider, state: e.state, detail: e.detail ?? null, at: e.at });
      if (BAD_PROVIDER_STATES.test(e.state)) this.error({ at: e.at, source: `${e.stage} ${e.provider}`, message: `${e.state}${e.detail ? `: ${e.detail}` : ''}`, sessionId: e.sessionId });
      this.version += 1;
    } else if (e.type === 'tool' && e.status === 'failed') {
      this.error({ at: e.at, source: `tool ${e.tool}`, message: e.error ?? 'failed', sessionId: e.sessionId });
    } else if (e.type === 'call_ended' && /fail|error/i.test(e.reason)) {
      this.error({ at: e.at, source: 'call', message: e.reason, sessionId: e.sessionId });
    }
  }

  /** an error from the dashboard itself (Redis down, a queue unreadable) */
  error(err: RecentError): void {
    this.errors.unshift(err);
    if (this.errors.length > MAX_ERRORS) this.errors.length = MAX_ERRORS;
    this.version += 1;
  }

  providerHealth(): ProviderHealth[] {
    return [...this.providers.values()].sort((a, b) => a.stage.localeCompare(b.stage) || a.provider.localeCompare(b.provider));
  }

  recentErrors(): RecentError[] {
    return [...this.errors];
  }
}

/** the part of BullMQ's Queue the panel reads */
export interface QueueReader {
  readonly name: string;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
  getWaiting(start?: number, end?: number): Promise<Array<{ timestamp: number } | undefined>>;
}

export async function readQueue(label: string, q: QueueReader, now: number): Promise<QueueStatus> {
  const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
  // getWaiting is newest first: the oldest waiting job is the last one
  const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
  const oldest = waiting > 0 ? (await q.getWaiting(waiting - 1, waiting - 1))[0] : undefined;
  return {
    name: label,
    waiting,
    active: counts.active ?? 0,
    delayed: counts.delayed ?? 0,
    failed: counts.failed ?? 0,
    lagMs: oldest ? Math.max(0, now - oldest.timestamp) : 0,
  };
}
