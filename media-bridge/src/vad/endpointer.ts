/**
 * Turns a call's stream of window probabilities into speech decisions: a pure, synchronous state machine with
 * hysteresis (a positive threshold to enter speech, a lower negative one to stay in it).
 *
 *   silence ──p ≥ pos──▶ onset ──lasted ≥ minSpeechMs──▶ speech ──hangoverMs of p < neg──▶ silence
 *                          └──── p < neg (too short: a cough) ────▶ silence
 *
 * Events and their times (ms of media time; a window covers [windowEndMs − 32, windowEndMs]):
 *   speech_onset      tentative, at the first window with p ≥ pos: onsetMs = the start of that window
 *   speech_start      once lastSpeechMs − onsetMs ≥ minSpeechMs (speech still going), with the same onsetMs
 *   speech_end        at the first window where decidedMs − lastSpeechMs ≥ hangoverMs, all windows since
 *                     lastSpeechMs below neg; lastSpeechMs = the end of the last window with p ≥ neg
 *   speech_abandoned  a window with p < neg while still in onset: speech stopped before minSpeechMs
 * `quietThrough` decides speech_end between windows: when the audio after the last analysed window is below the
 * VAD's energy gate (it would score 0 without inference), the end is decided as soon as that quiet audio reaches
 * lastSpeechMs + hangoverMs, instead of waiting for the window that covers it to be batched and inferred
 * (up to a 32 ms window plus a tick later).
 * `setThresholdBoost` raises the positive threshold (e.g. while our own prompt plays, against its echo); it
 * affects only entering speech, not staying in it.
 */
import { VAD_WINDOW_MS } from './silero-model.js';

/** Endpointer settings; every field has a default. */
export interface EndpointerConfig {
  /** probability that opens speech (default 0.5) */
  positiveThreshold?: number;
  /** probability below which a window counts as silence once in speech (default 0.35; ≤ positiveThreshold) */
  negativeThreshold?: number;
  /** speech must last this long after onset to be started (default 100) */
  minSpeechMs?: number;
  /** silence that ends speech, the endpointing window (default 500) */
  hangoverMs?: number;
}

export type EndpointState = 'silence' | 'onset' | 'speech';

export type EndpointEventType = 'speech_onset' | 'speech_start' | 'speech_end' | 'speech_abandoned';

/** One decision. `lastSpeechMs` is set on speech_end and speech_abandoned. */
export interface EndpointEvent {
  type: EndpointEventType;
  /** start of the window that opened this utterance */
  onsetMs: number;
  /** end of the window whose probability made the decision */
  decidedMs: number;
  /** end of the utterance's last window with p ≥ negativeThreshold */
  lastSpeechMs?: number;
}

/** When each decision of the current (or last) utterance was made; cleared at each new onset. */
export interface EndpointTimes {
  onsetMs?: number;
  onsetDecidedMs?: number;
  startDecidedMs?: number;
  lastSpeechMs?: number;
  endDecidedMs?: number;
  abandonedDecidedMs?: number;
}

function check(field: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`endpointer: ${field} must be a number in [${min}, ${max}] (got ${value})`);
  }
  return value;
}

/** One call's endpointer. Feed it every window's probability in order. */
export class Endpointer {
  readonly positiveThreshold: number;
  readonly negativeThreshold: number;
  readonly minSpeechMs: number;
  readonly hangoverMs: number;
  private current: EndpointState = 'silence';
  private boost = 0;
  private lastEndMs = -Infinity;
  private t: EndpointTimes = {};

  constructor(config: EndpointerConfig = {}) {
    this.positiveThreshold = check('positiveThreshold', config.positiveThreshold ?? 0.5, 0, 1);
    this.negativeThreshold = check('negativeThreshold', config.negativeThreshold ?? 0.35, 0, this.positiveThreshold);
    this.minSpeechMs = check('minSpeechMs', config.minSpeechMs ?? 100, 0, Number.MAX_SAFE_INTEGER);
    this.hangoverMs = check('hangoverMs', config.hangoverMs ?? 500, 0, Number.MAX_SAFE_INTEGER);
  }

  get state(): EndpointState {
    return this.current;
  }

  /** the times of the current (or last) utterance's decisions */
  get times(): Readonly<EndpointTimes> {
    return { ...this.t };
  }

  /** the threshold that opens speech now: positiveThreshold + boost (above 1, nothing opens speech) */
  get effectivePositiveThreshold(): number {
    return this.positiveThreshold + this.boost;
  }

  /** Raises the positive threshold by `delta` (≥ 0) until changed again; 0 removes the boost. */
  setThresholdBoost(delta: number): void {
    this.boost = check('threshold boost', delta, 0, 1);
  }

  /** Feeds one window (in order, windowEndMs never going back); returns the decisions it caused (0–2). */
  feed(probability: number, windowEndMs: number): EndpointEvent[] {
    check('probability', probability, 0, 1);
    if (!Number.isFinite(windowEndMs) || windowEndMs < this.lastEndMs) {
      throw new RangeError(`endpointer: windowEndMs must be finite and not go back (got ${windowEndMs} after ${this.lastEndMs})`);
    }
    this.lastEndMs = windowEndMs;
    const events: EndpointEvent[] = [];
    const speechy = probability >= this.negativeThreshold;
    if (this.current === 'silence') {
      if (probability < this.effectivePositiveThreshold) return events;
      const onsetMs = windowEndMs - VAD_WINDOW_MS;
      this.t = { onsetMs, onsetDecidedMs: windowEndMs, lastSpeechMs: windowEndMs };
      this.current = 'onset';
      events.push({ type: 'speech_onset', onsetMs, decidedMs: windowEndMs });
      this.maybeStart(windowEndMs, events);
      return events;
    }
    const onsetMs = this.t.onsetMs!;
    if (speechy) {
      this.t.lastSpeechMs = windowEndMs;
      if (this.current === 'onset') this.maybeStart(windowEndMs, events);
      return events;
    }
    const lastSpeechMs = this.t.lastSpeechMs!;
    if (this.current === 'onset') {
      this.t.abandonedDecidedMs = windowEndMs;
      this.current = 'silence';
      events.push({ type: 'speech_abandoned', onsetMs, decidedMs: windowEndMs, lastSpeechMs });
    } else if (windowEndMs - lastSpeechMs >= this.hangoverMs) {
      this.t.endDecidedMs = windowEndMs;
      this.current = 'silence';
      events.push({ type: 'speech_end', onsetMs, decidedMs: windowEndMs, lastSpeechMs });
    }
    return events;
  }

  /**
   * The call's audio up to `untilMs` has been pushed, and none of it after `lastLoudMs` reached the energy gate.
   * In speech, once `untilMs` ≥ lastSpeechMs + hangoverMs and nothing loud came after the last window fed
   * (so no window still being analysed could hold speech), the end is decided now, at `untilMs`. When the last
   * loud frame ends inside the last speech window, lastSpeechMs is that frame's end (the window's remainder was
   * below the gate, i.e. not speech), so the hang-over counts from the sound's end, not the window's. Returns the
   * decision (0 or 1 events); the windows fed afterwards find the endpointer in silence.
   */
  quietThrough(untilMs: number, lastLoudMs: number): EndpointEvent[] {
    if (this.current !== 'speech' || !Number.isFinite(untilMs) || lastLoudMs > this.lastEndMs) return [];
    // the last speech window's sound may stop inside it: then the speech ended with its last loud frame
    const windowEndMs = this.t.lastSpeechMs!;
    const lastSpeechMs = lastLoudMs > windowEndMs - VAD_WINDOW_MS && lastLoudMs < windowEndMs ? lastLoudMs : windowEndMs;
    if (untilMs - lastSpeechMs < this.hangoverMs) return [];
    this.t.lastSpeechMs = lastSpeechMs;
    this.t.endDecidedMs = untilMs;
    this.current = 'silence';
    return [{ type: 'speech_end', onsetMs: this.t.onsetMs!, decidedMs: untilMs, lastSpeechMs }];
  }

  /** Back to silence with no times (the boost stays), e.g. when the call's media restarts. */
  reset(): void {
    this.current = 'silence';
    this.lastEndMs = -Infinity;
    this.t = {};
  }

  private maybeStart(windowEndMs: number, events: EndpointEvent[]): void {
    const onsetMs = this.t.onsetMs!;
    if (windowEndMs - onsetMs < this.minSpeechMs) return;
    this.t.startDecidedMs = windowEndMs;
    this.current = 'speech';
    events.push({ type: 'speech_start', onsetMs, decidedMs: windowEndMs });
  }
}
