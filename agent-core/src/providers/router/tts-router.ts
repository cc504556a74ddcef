/**
 * A TextToSpeech that routes each utterance over an ordered list of TTS engines, with the same policy as the
 * dialogue router (stream-router.ts): the first output is the first non-empty audio piece; once the caller may
 * have heard audio, a failure is not retried elsewhere (the utterance would start over) but surfaces as
 * StageFailedAfterOutputError.
 */
import type { TextToSpeech, TtsOptions } from '../ports.js';
import type { BreakerState } from './circuit-breaker.js';
import { ProviderPool, type RouterCommonOptions } from './pool.js';
import { routeStream, type StreamRouteConfig } from './stream-router.js';

export interface TtsRouterOptions extends RouterCommonOptions {
  /** in order of preference */
  providers: TextToSpeech[];
  /** an attempt that yields no audio within this is aborted and counts as a retryable failure (default 2000) */
  firstOutputTimeoutMs?: number;
  /** cap on the whole utterance, retries and streaming included, consumer's pace too (default: none) */
  totalTimeoutMs?: number;
  /** after the first audio, the longest wait for the next piece before the stream counts as failed (default: none) */
  idleTimeoutMs?: number;
}

export const TTS_FIRST_OUTPUT_TIMEOUT_MS = 2_000;

export class TtsRouter implements TextToSpeech {
  readonly id: string;
  private readonly pool: ProviderPool<TextToSpeech>;
  private readonly cfg: Omit<StreamRouteConfig<TextToSpeech, Int16Array>, 'open'>;

  constructor(opts: TtsRouterOptions) {
    this.id = opts.id;
    this.pool = new ProviderPool('tts', opts.id, opts.providers, opts);
    this.cfg = {
      pool: this.pool,
      firstOutputTimeoutMs: opts.firstOutputTimeoutMs ?? TTS_FIRST_OUTPUT_TIMEOUT_MS,
      totalTimeoutMs: opts.totalTimeoutMs,
      idleTimeoutMs: opts.idleTimeoutMs,
      isOutput: (pcm) => pcm.length > 0,
    };
  }

  synthesize(text: string, opts: TtsOptions, signal: AbortSignal): AsyncIterable<Int16Array> {
    return routeStream({ ...this.cfg, open: (provider, attemptSignal) => provider.synthesize(text, opts, attemptSignal) }, signal);
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
