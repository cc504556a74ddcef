/**
 * Turn-taking on the caller's side of the wire: after the caller's turn, has the agent answered and finished?
 * The agent "has spoken" once it sent at least `minSpeechMs` of voiced frames (a click or a blip does not
 * count); it "went quiet" when nothing voiced arrived for `quietMs` since. Frames are fed in arrival order with
 * their arrival time; `check(now)` also runs from a timer, so a stream that stops altogether still ends a turn.
 */
import { FRAME_MS } from './audio.js';

export interface ReplyDetectorOptions {
  /** quiet after speech that ends the agent's turn (default 900 ms) */
  quietMs?: number;
  /** voiced audio needed before it counts as an answer (default 100 ms) */
  minSpeechMs?: number;
  /** frame duration (default 20 ms) */
  frameMs?: number;
}

export type ReplyState = 'waiting' | 'speaking' | 'done';

export class ReplyDetector {
  readonly quietMs: number;
  readonly minSpeechMs: number;
  private readonly frameMs: number;
  /** first voiced frame of the speech that counted (arrival time), once it counted */
  onsetAt: number | undefined;
  /** the last voiced frame (arrival time) */
  lastVoicedAt: number | undefined;
  /** voiced audio since the onset, in ms */
  voicedMs = 0;
  private candidateAt: number | undefined;
  private candidateMs = 0;
  private doneAt: number | undefined;

  /** `since`: frames that arrived before this are not part of the answer (e.g. the caller's speech end) */
  constructor(
    readonly since: number,
    o: ReplyDetectorOptions = {},
  ) {
    this.quietMs = o.quietMs ?? 900;
    this.minSpeechMs = o.minSpeechMs ?? 100;
    this.frameMs = o.frameMs ?? FRAME_MS;
  }

  /** one received frame */
  push(voiced: boolean, at: number): ReplyState {
    if (at < this.since || this.doneAt !== undefined) return this.check(at);
    if (voiced) {
      if (this.onsetAt === undefined) {
        // an isolated blip long before real speech starts over
        if (this.candidateAt === undefined || (this.lastVoicedAt !== undefined && at - this.lastVoicedAt >= this.quietMs)) {
          this.candidateAt = at;
          this.candidateMs = 0;
        }
        this.candidateMs += this.frameMs;
        if (this.candidateMs >= this.minSpeechMs) {
          this.onsetAt = this.candidateAt;
          this.voicedMs = this.candidateMs;
        }
      } else this.voicedMs += this.frameMs;
      this.lastVoicedAt = at;
    }
    return this.check(at);
  }

  /** the state at `now` (call from a timer too) */
  check(now: number): ReplyState {
    if (this.doneAt !== undefined) return 'done';
    if (this.onsetAt === undefined) return 'waiting';
    if (now - this.lastVoicedAt! >= this.quietMs) {
      this.doneAt = now;
      return 'done';
    }
    return 'speaking';
  }

  get state(): ReplyState {
    return this.doneAt !== undefined ? 'done' : this.onsetAt === undefined ? 'waiting' : 'speaking';
  }

  get started(): boolean {
    return this.onsetAt !== undefined;
  }

  /** when the quiet was confirmed */
  get finishedAt(): number | undefined {
    return this.doneAt;
  }
}
