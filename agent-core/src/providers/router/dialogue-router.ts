/**
 * A DialogueModel that routes each request over an ordered list of dialogue models (LLM adapters, the flow
 * engine): the first healthy one serves; retryable failures and first-output timeouts are retried on the same
 * provider before its first chunk, then the next provider is tried. See stream-router.ts for the policy.
 */
import type { DialogueChunk, DialogueModel, DialogueRequest } from '../ports.js';
import type { BreakerState } from './circuit-breaker.js';
import { ProviderPool, type RouterCommonOptions } from './pool.js';
import { routeStream, type StreamRouteConfig } from './stream-router.js';

export interface DialogueRouterOptions extends RouterCommonOptions {
  /** in order of preference */
  providers: DialogueModel[];
  /** an attempt that yields nothing within this is aborted and counts as a retryable failure (default 4000) */
  firstOutputTimeoutMs?: number;
  /**
   * cap on the whole request, retries and streaming included (default: none). Past it the request fails:
   * AllProvidersFailedError before any output, StageFailedAfterOutputError after.
   */
  totalTimeoutMs?: number;
  /** after the first chunk, the longest wait for the next one before the stream counts as failed (default: none) */
  idleTimeoutMs?: number;
}

export const DIALOGUE_FIRST_OUTPUT_TIMEOUT_MS = 4_000;

/** any chunk counts as output except empty text: a tool call or a state, once delivered, must not be repeated */
export function isDialogueOutput(chunk: DialogueChunk): boolean {
  return chunk.type !== 'text' || chunk.text.length > 0;
}

export class DialogueRouter implements DialogueModel {
  readonly id: string;
  private readonly pool: ProviderPool<DialogueModel>;
  private readonly cfg: Omit<StreamRouteConfig<DialogueModel, DialogueChunk>, 'open'>;

  constructor(opts: DialogueRouterOptions) {
    this.id = opts.id;
    this.pool = new ProviderPool('dialogue', opts.id, opts.providers, opts);
    this.cfg = {
      pool: this.pool,
      firstOutputTimeoutMs: opts.firstOutputTimeoutMs ?? DIALOGUE_FIRST_OUTPUT_TIMEOUT_MS,
      totalTimeoutMs: opts.totalTimeoutMs,
      idleTimeoutMs: opts.idleTimeoutMs,
      isOutput: isDialogueOutput,
    };
  }

  generate(request: DialogueRequest, signal: AbortSignal): AsyncIterable<DialogueChunk> {
    return routeStream({ ...this.cfg, open: (provider, attemptSignal) => provider.generate(request, attemptSignal) }, signal);
  }

  /** each provider's breaker state, in order */
  providerStates(): { provider: string; state: BreakerState }[] {
    return this.pool.states();
  }

  /** removes this router's providers from the health registry (when the router is replaced) */
  dispose(): void {
    this.pool.dispose();
  }
}
