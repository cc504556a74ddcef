/**
 * The barge-in decision, made at the edge: the caller starting to talk while the agent speaks pauses the
 * playout at once (the next pacer tick sends no agent audio); speech that lasts the configured minimum turns
 * the pause into a barge-in (the queued audio is flushed and agent-core is told how much of the reply was
 * heard); speech that stops before the minimum (a cough, a click) is a false interruption, after which the reply
 * resumes where it stopped or is dropped, as the policy says. DTMF can count as barge-in too. A short guard at
 * the start of each item keeps the caller's tail of speech, or a line click, from killing a reply at birth.
 */
import type { BargeInConfig } from '@callgate/contracts';
import type { Playout } from '../playout/playout.js';

/** A confirmed interruption: what was playing and how much of it the caller heard. */
export interface BargeIn {
  itemId: string;
  kind: 'prompt' | 'reply';
  /** ms of the item sent before the pause */
  heardMs: number;
  /** media ms when the caller's speech began (or the key was pressed) */
  onsetMs: number;
  /** media ms of the decision */
  atMs: number;
  cause: 'speech' | 'dtmf';
}

/** A pause that did not become a barge-in. */
export interface FalseInterruption {
  itemId: string;
  onsetMs: number;
  atMs: number;
  action: 'resumed' | 'discarded';
  heardMs: number;
}

export interface BargeInHandlers {
  onPause?(atMs: number): void;
  onBargeIn(b: BargeIn): void;
  onFalseInterruption(f: FalseInterruption): void;
}

type PlayoutView = Pick<Playout, 'active' | 'current' | 'pause' | 'resume' | 'flush' | 'paused'>;

/** One call's barge-in policy over its playout. Feed it the VAD's onset/confirm/abandon and DTMF. */
export class BargeInController {
  private itemId: string | undefined;
  private itemStartMs = 0;
  /** set while we hold the playout paused on a tentative interruption */
  private hold: { onsetMs: number; itemId: string; heardMs: number } | undefined;

  constructor(
    private readonly playout: PlayoutView,
    private readonly config: BargeInConfig,
    private readonly handlers: BargeInHandlers,
  ) {}

  /** The endpoint sent the first frame of an item: the guard window starts. */
  itemStarted(itemId: string, atMs: number): void {
    this.itemId = itemId;
    this.itemStartMs = atMs;
  }

  /** true while a tentative interruption holds the playout */
  get holding(): boolean {
    return this.hold !== undefined;
  }

  /** The caller may be starting to talk: pause what plays (unless off, idle, or inside the guard). */
  speechOnset(onsetMs: number, atMs: number): void {
    if (!this.config.enabled || this.hold || !this.interruptible(atMs)) return;
    const current = this.playout.current!;
    this.playout.pause();
    this.hold = { onsetMs, itemId: current.id, heardMs: current.playedMs };
    this.handlers.onPause?.(atMs);
  }

  /** Speech lasted the minimum: a barge-in when we hold the playout, or when it still plays past the guard. */
  speechConfirmed(onsetMs: number, atMs: number): void {
    if (!this.config.enabled) return;
    if (!this.hold) {
      if (!this.interruptible(atMs)) return;
      const current = this.playout.current!;
      this.hold = { onsetMs, itemId: current.id, heardMs: current.playedMs };
    }
    this.confirm('speech', atMs);
  }

  /** The speech stopped short of the minimum: a false interruption. */
  speechAbandoned(atMs: number): void {
    const hold = this.hold;
    if (!hold) return;
    this.hold = undefined;
    if (this.config.afterFalseInterruption === 'resume') this.playout.resume();
    else this.playout.flush();
    this.handlers.onFalseInterruption({
      itemId: hold.itemId,
      onsetMs: hold.onsetMs,
      atMs,
      heardMs: hold.heardMs,
      action: this.config.afterFalseInterruption === 'resume' ? 'resumed' : 'discarded',
    });
  }

  /** A key press while the agent speaks interrupts it when the policy says DTMF counts. */
  dtmf(atMs: number): void {
    if (!this.config.enabled || !this.config.dtmf) return;
    if (!this.hold) {
      if (!this.interruptible(atMs)) return;
      const current = this.playout.current!;
      this.hold = { onsetMs: atMs, itemId: current.id, heardMs: current.playedMs };
    }
    this.confirm('dtmf', atMs);
  }

  private interruptible(atMs: number): boolean {
    const current = this.playout.current;
    if (!this.playout.active || !current || this.playout.paused) return false;
    // inside the guard of the item now playing (an item not yet started has no audio out to interrupt)
    if (current.playedMs === 0) return false;
    return !(this.itemId === current.id && atMs - this.itemStartMs < this.config.guardMs);
  }

  private confirm(cause: BargeIn['cause'], atMs: number): void {
    const hold = this.hold!;
    this.hold = undefined;
    const current = this.playout.current;
    this.playout.flush();
    this.handlers.onBargeIn({
      itemId: hold.itemId,
      kind: current?.kind ?? 'reply',
      heardMs: hold.heardMs,
      onsetMs: hold.onsetMs,
      atMs,
      cause,
    });
  }
}
