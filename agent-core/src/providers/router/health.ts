/**
 * The health of every routed provider: one entry per (stage, router, provider) with its circuit breaker's state,
 * for the metrics exporter and the supervisor dashboard. Routers register their breakers here when they are
 * given a registry (option `health`) and report each state change.
 *
 * An open breaker turns half-open lazily, when it is next consulted; `list()` consults every breaker, so a
 * periodic `list()` (a metrics scrape, a dashboard poll) also surfaces those changes to subscribers.
 */
import type { BreakerState, CircuitBreaker } from './circuit-breaker.js';
import type { Stage } from './events.js';

export interface ProviderHealthEntry {
  stage: Stage;
  router: string;
  provider: string;
  state: BreakerState;
}

export interface ProviderHealthChange extends ProviderHealthEntry {
  previous: BreakerState;
}

export type ProviderHealthListener = (change: ProviderHealthChange) => void;

interface Registered {
  stage: Stage;
  router: string;
  provider: string;
  breaker: CircuitBreaker;
}

export class ProviderHealth {
  private readonly entries = new Map<string, Registered>();
  private readonly listeners = new Set<ProviderHealthListener>();

  /**
   * Adds a provider's breaker (routers do this). Throws when the same stage/router/provider is already
   * registered (two routers configured with one id). Returns a function that removes the entry.
   */
  register(stage: Stage, router: string, provider: string, breaker: CircuitBreaker): () => void {
    const key = keyOf(stage, router, provider);
    if (this.entries.has(key)) throw new Error(`provider health: ${stage}/${router}/${provider} is already registered`);
    const entry: Registered = { stage, router, provider, breaker };
    this.entries.set(key, entry);
    return () => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    };
  }

  /** routers call this from their breakers' onStateChange; tells every subscriber */
  report(change: ProviderHealthChange): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch {
        // a faulty subscriber must not break routing or the other subscribers
      }
    }
  }

  /** every registered provider with its breaker's current state, in registration order */
  list(): ProviderHealthEntry[] {
    return [...this.entries.values()].map((e) => ({ stage: e.stage, router: e.router, provider: e.provider, state: e.breaker.state }));
  }

  /** calls `listener` on every state change; returns the unsubscribe function */
  subscribe(listener: ProviderHealthListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}

function keyOf(stage: Stage, router: string, provider: string): string {
  return `${stage}\u0000${router}\u0000${provider}`;
}
