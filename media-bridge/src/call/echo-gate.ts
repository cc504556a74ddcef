/**
 * Telephone lines echo: the hybrid and the handset send part of what we play back to us, tens to a few hundred
 * ms later and some dB quieter. While the agent speaks, inbound audio that is quieter than what we played in
 * the recent echo window by more than `marginDb` is taken for our own echo, not the caller barging in. The
 * VAD's threshold is raised at the same time (the session does that); this gate is the level-based half.
 */

/** Tracks the level of recent outbound frames and judges inbound windows against it. */
export class EchoGate {
  private readonly played: Float64Array;
  private next = 0;

  /**
   * @param marginDb inbound this far below the loudest recent outbound frame is echo
   * @param windowFrames how many recent 20 ms frames an echo can come from (default 20 = 400 ms)
   */
  constructor(
    private readonly marginDb: number,
    windowFrames = 20,
  ) {
    this.played = new Float64Array(windowFrames).fill(-Infinity);
  }

  /** Records the level of the frame sent on this tick (-Infinity when nothing was sent). */
  sent(levelDbfs: number): void {
    this.played[this.next] = levelDbfs;
    this.next = (this.next + 1) % this.played.length;
  }

  /** the loudest outbound level in the echo window */
  get recentPeakDbfs(): number {
    const played = this.played;
    let max = -Infinity;
    for (let i = 0; i < played.length; i++) if (played[i]! > max) max = played[i]!;
    return max;
  }

  /** true when inbound audio at `levelDbfs` is explained by our own recent output */
  isEcho(levelDbfs: number): boolean {
    const peak = this.recentPeakDbfs;
    return peak !== -Infinity && levelDbfs < peak - this.marginDb;
  }
}
