/**
 * A SpeechToText that routes over an ordered list of recognisers.
 *
 * start(): opens a stream on the first healthy provider, with the same retry/fallback policy as the other
 * stages (a start that does not resolve within `startTimeoutMs` is aborted and counts as a retryable failure).
 *
 * The stream it returns is a wrapper the session keeps for the whole call:
 * - failover: when the underlying stream reports `error` (or its push/flush throws), the failure is counted
 *   against that provider, a stream is opened on another healthy provider (the other providers in configured
 *   order, then the failed one again as a last resort; breakers skip the unhealthy ones, start retries and
 *   timeouts apply) and the session's audio keeps flowing. The audio since the last final (at most `replayMs`, which
 *   includes what is pushed while switching) is replayed to the new stream, and a pending flush() is repeated,
 *   so the utterance in progress is not lost. Only when no provider can take over does the session see one
 *   `error` event; the stream is then dead (push/flush are ignored).
 * - stall: when no final arrives within `finalTimeoutMs` of flush(), the wrapper emits `{ type: 'final',
 *   text: '' }` itself (and a 'stall' RouterEvent) so the session can reprompt. A final that the provider
 *   sends later is still passed on as it is.
 * Exceptions thrown by the session's listeners are swallowed.
 *
 * Breaker accounting per stream: a start failure or a mid-call error is a failure; the stream's first final
 * is a success; closing or aborting before any final records nothing.
 */
import type { SpeechToText, SttEvent, SttStartOptions, SttStream } from '../ports.js';
import type { BreakerState } from './circuit-breaker.js';
import { toError } from './errors.js';
import { acquire, ProviderPool, RequestScope, type Acquired, type RouterCommonOptions } from './pool.js';
import { abortError } from './retry.js';
import { follow, raceAbort } from './signals.js';

export interface SttRouterOptions extends RouterCommonOptions {
  /** in order of preference */
  providers: SpeechToText[];
  /** a start() that has not resolved within this is aborted and counts as a retryable failure (default 3000) */
  startTimeoutMs?: number;
  /** after flush(), how long to wait for a final before emitting an empty one (default 3000; 0 turns it off) */
  finalTimeoutMs?: number;
  /** most audio kept for replay after a failover, in ms of 8 kHz audio (default 2000; 0 keeps none) */
  replayMs?: number;
}

export const STT_START_TIMEOUT_MS = 3_000;
export const STT_FINAL_TIMEOUT_MS = 3_000;
export const STT_REPLAY_MS = 2_000;
const SAMPLES_PER_MS = 8;
/** events kept for a session that has not subscribed yet */
const MAX_QUEUED_EVENTS = 256;

interface StreamConfig {
  pool: ProviderPool<SpeechToText>;
  startTimeoutMs: number;
  finalTimeoutMs: number;
  replaySamples: number;
}

export class SttRouter implements SpeechToText {
  readonly id: string;
  private readonly pool: ProviderPool<SpeechToText>;
  private readonly cfg: StreamConfig;

  constructor(opts: SttRouterOptions) {
    this.id = opts.id;
    this.pool = new ProviderPool('stt', opts.id, opts.providers, opts);
    this.cfg = {
      pool: this.pool,
      startTimeoutMs: opts.startTimeoutMs ?? STT_START_TIMEOUT_MS,
      finalTimeoutMs: opts.finalTimeoutMs ?? STT_FINAL_TIMEOUT_MS,
      replaySamples: Math.max(0, Math.floor((opts.replayMs ?? STT_REPLAY_MS) * SAMPLES_PER_MS)),
    };
  }

  /** rejects with an AbortError when `signal` aborts, AllProvidersFailedError when no provider could start */
  async start(opts: SttStartOptions, signal: AbortSignal): Promise<SttStream> {
    if (signal.aborted) throw abortError(signal);
    const stream = new RoutedSttStream(this.cfg, opts, signal);
    await stream.open();
    return stream;
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

interface Active {
  acq: Acquired<SpeechToText, SttStream>;
  gotFinal: boolean;
}

class RoutedSttStream implements SttStream {
  /** aborted by the session's signal or by close(): ends everything, a failover in progress included */
  private readonly life = new AbortController();
  private readonly unlinkOuter: () => void;
  private readonly scope: RequestScope;
  private active: Active | undefined;
  private ended = false;
  private readonly listeners: ((event: SttEvent) => void)[] = [];
  private queued: SttEvent[] = [];
  private replay: Int16Array[] = [];
  private replayed = 0;
  private awaitingFinal = false;
  private stallTimer: ReturnType<typeof setTimeout> | undefined;
  private lastProvider: string;

  constructor(
    private readonly cfg: StreamConfig,
    private readonly opts: SttStartOptions,
    outer: AbortSignal,
  ) {
    this.scope = new RequestScope(this.life.signal);
    this.unlinkOuter = follow(outer, this.life);
    this.life.signal.addEventListener('abort', () => void this.shutdown(false), { once: true });
    this.lastProvider = cfg.pool.entries[0]?.provider.id ?? '';
  }

  async open(): Promise<void> {
    try {
      this.attach(await acquire(this.cfg.pool, this.scope, { firstOutputTimeoutMs: this.cfg.startTimeoutMs }, this.startOn));
    } catch (err) {
      await this.shutdown(false);
      throw err;
    }
  }

  push(pcm: Int16Array): void {
    if (this.ended) return;
    this.remember(pcm);
    const a = this.active;
    if (!a) return; // switching: the audio is in the replay buffer
    try {
      a.acq.result.push(pcm);
    } catch (err) {
      void this.failover(a, err);
    }
  }

  flush(): void {
    if (this.ended) return;
    this.awaitingFinal = true;
    if (this.stallTimer === undefined && this.cfg.finalTimeoutMs > 0) {
      this.stallTimer = setTimeout(() => this.onStall(), this.cfg.finalTimeoutMs);
    }
    const a = this.active;
    if (!a) return; // switching: the new stream is flushed once the replay is in
    try {
      a.acq.result.flush();
    } catch (err) {
      void this.failover(a, err);
    }
  }

  onEvent(listener: (event: SttEvent) => void): void {
    this.listeners.push(listener);
    if (this.listeners.length === 1 && this.queued.length > 0) {
      const queued = this.queued;
      this.queued = [];
      for (const event of queued) this.deliver(event);
    }
  }

  close(): Promise<void> {
    return this.shutdown(true);
  }

  private readonly startOn = async (provider: SpeechToText, signal: AbortSignal): Promise<SttStream> => {
    const pending = provider.start(this.opts, signal);
    try {
      return await raceAbort(pending, signal);
    } catch (err) {
      // a start that completes after we gave up on it must not leak its stream
      if (signal.aborted) pending.then((late) => void closeQuietly(late), () => {});
      throw err;
    }
  };

  private attach(acq: Acquired<SpeechToText, SttStream>): void {
    const a: Active = { acq, gotFinal: false };
    this.active = a;
    this.lastProvider = acq.entry.provider.id;
    acq.result.onEvent((event) => this.onProviderEvent(a, event));
    try {
      for (const chunk of this.replay) acq.result.push(chunk);
      if (this.awaitingFinal) acq.result.flush();
    } catch (err) {
      void this.failover(a, err);
    }
  }

  private onProviderEvent(a: Active, event: SttEvent): void {
    if (this.ended || a !== this.active) return; // a retired stream's late words are not the session's
    switch (event.type) {
      case 'partial':
        this.deliver(event);
        return;
      case 'final':
        if (!a.gotFinal) {
          a.gotFinal = true;
          void a.acq.ticket.success();
        }
        this.clearReplay();
        this.awaitingFinal = false;
        this.clearStall();
        this.deliver(event);
        return;
      case 'error':
        void this.failover(a, event.error);
        return;
    }
  }

  private async failover(a: Active, cause: unknown): Promise<void> {
    if (this.ended || a !== this.active) return;
    this.active = undefined;
    const error = toError(cause);
    void a.acq.ticket.failure();
    retire(a, false);
    // the other providers in configured order, then the failed one again (a dropped connection often just
    // needs a new one); breakers keep a provider that keeps failing out of the rotation
    const failed = a.acq.index;
    const order = [...this.cfg.pool.entries.keys()].filter((i) => i !== failed).concat(failed);
    let next: Acquired<SpeechToText, SttStream>;
    try {
      next = await acquire(this.cfg.pool, this.scope, { firstOutputTimeoutMs: this.cfg.startTimeoutMs, order }, this.startOn);
    } catch (err) {
      if (this.ended) return; // closed or aborted meanwhile
      this.deliver({ type: 'error', error: toError(err) });
      await this.shutdown(true);
      return;
    }
    if (this.ended) {
      void next.ticket.release();
      retire({ acq: next, gotFinal: false }, false);
      return;
    }
    this.cfg.pool.emit({
      type: 'failover',
      provider: a.acq.entry.provider.id,
      next: next.entry.provider.id,
      error,
      replayedMs: this.replayed / SAMPLES_PER_MS,
    });
    this.attach(next);
  }

  private onStall(): void {
    this.stallTimer = undefined;
    if (this.ended || !this.awaitingFinal) return;
    this.awaitingFinal = false;
    // the stalled utterance is closed: its audio must not be recognised again after a failover
    this.clearReplay();
    this.cfg.pool.emit({ type: 'stall', provider: this.lastProvider, finalTimeoutMs: this.cfg.finalTimeoutMs });
    this.deliver({ type: 'final', text: '' });
  }

  private deliver(event: SttEvent): void {
    if (this.listeners.length === 0) {
      if (this.queued.length < MAX_QUEUED_EVENTS) this.queued.push(event);
      return;
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // a faulty listener must not break recognition (or reach the provider that emitted the event)
      }
    }
  }

  private remember(pcm: Int16Array): void {
    const max = this.cfg.replaySamples;
    if (max <= 0 || pcm.length === 0) return;
    this.replay.push(pcm.slice()); // the session may reuse its buffer
    this.replayed += pcm.length;
    while (this.replayed > max) {
      const first = this.replay[0]!;
      const excess = this.replayed - max;
      if (first.length <= excess) {
        this.replay.shift();
        this.replayed -= first.length;
      } else {
        this.replay[0] = first.subarray(excess);
        this.replayed -= excess;
      }
    }
  }

  private clearReplay(): void {
    this.replay = [];
    this.replayed = 0;
  }

  private clearStall(): void {
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }

  /** graceful: close the provider's stream and wait for it; otherwise (abort) stop it and do not wait */
  private async shutdown(graceful: boolean): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.clearStall();
    this.clearReplay();
    const a = this.active;
    this.active = undefined;
    if (a) {
      void a.acq.ticket.release(); // no-op after its first final (already a success)
      a.acq.unlink(); // a graceful close reaches the provider as close(), not as an abort
    }
    // stops a failover in progress (its acquire rejects with AbortError, which is not a provider failure)
    if (!this.life.signal.aborted) this.life.abort();
    this.scope.dispose();
    this.unlinkOuter();
    if (a) await retire(a, graceful);
  }
}

/** stops using a provider's stream: unlinks and aborts its signal, closes it; never throws */
async function retire(a: Active, graceful: boolean): Promise<void> {
  a.acq.unlink();
  if (!graceful) a.acq.control.abort();
  await closeQuietly(a.acq.result);
  a.acq.control.abort();
}

async function closeQuietly(stream: SttStream): Promise<void> {
  try {
    await stream.close();
  } catch {
    // a broken stream may fail to close; nothing more to do with it
  }
}
