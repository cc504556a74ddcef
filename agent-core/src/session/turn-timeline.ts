/**
 * The timestamps of one turn, each taken where it happens: speech end and first RTP out come from the media
 * bridge (media clock), the rest from agent-core's own clock; `MediaClock` maps between the two. Everything is
 * reported relative to the end of the caller's speech, so a waterfall reads directly.
 */

/** Maps the bridge's media-clock ms to this process's performance.now() ms (learned from caller audio). */
export class MediaClock {
  private offset: number | undefined;

  /** a caller audio frame stamped `mediaMs` arrived now: the smallest lag seen is the best estimate */
  observe(mediaMs: number, localNow = performance.now()): void {
    const o = localNow - mediaMs;
    if (this.offset === undefined || o < this.offset) this.offset = o;
  }

  toLocal(mediaMs: number): number {
    return mediaMs + (this.offset ?? performance.now() - mediaMs);
  }
}

export interface TurnTimes {
  /** the caller's speech began (bridge speech_start) and the recogniser's first partial for it */
  speechStart?: number;
  firstPartial?: number;
  speechEnd?: number;
  sttFinal?: number;
  firstToken?: number;
  firstAudio?: number;
  firstRtpOut?: number;
  bargeIn?: number;
  playbackStopped?: number;
  filler: boolean;
}

/** A turn's stage boundaries on the local clock. */
export class TurnTimeline {
  readonly times: TurnTimes = { filler: false };

  mark(stage: Exclude<keyof TurnTimes, 'filler'>, at = performance.now()): void {
    if (this.times[stage] === undefined) this.times[stage] = at;
  }

  /** ms from the caller's speech onset to the recogniser's first partial (null when unknown) */
  firstPartialMs(): number | null {
    const { speechStart, firstPartial } = this.times;
    if (speechStart === undefined || firstPartial === undefined) return null;
    return Math.max(0, Math.round(firstPartial - speechStart));
  }

  /** ms after speech end (null when either is unknown) */
  sinceSpeechEnd(stage: Exclude<keyof TurnTimes, 'filler'>): number | null {
    const zero = this.times.speechEnd;
    const at = this.times[stage];
    if (zero === undefined || at === undefined) return null;
    return Math.max(0, Math.round(at - zero));
  }
}
