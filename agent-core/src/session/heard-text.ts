/**
 * What the caller actually heard of a reply. The session records each spoken chunk with the audio it became
 * (its offset and length within the reply); when the media bridge reports a barge-in after `heardMs` of the
 * reply, the heard text is every chunk that finished plus the words of the interrupted chunk in proportion
 * to how much of its audio went out. That text, not the whole reply, goes into the dialogue history.
 */

interface SpokenChunk {
  text: string;
  /** which part of the reply it belongs to (the session keeps one assistant message per part; -1: not kept) */
  part: number;
  startMs: number;
  durationMs: number;
}

export class HeardText {
  private readonly chunks: SpokenChunk[] = [];
  private totalMs = 0;

  /** a chunk's audio was queued behind the previous ones */
  add(text: string, durationMs: number, part = 0): void {
    this.chunks.push({ text, part, startMs: this.totalMs, durationMs });
    this.totalMs += durationMs;
  }

  /** ms of audio queued so far */
  get queuedMs(): number {
    return this.totalMs;
  }

  /** everything queued (of one part, when given) */
  fullText(part?: number): string {
    return this.chunks
      .filter((c) => part === undefined || c.part === part)
      .map((c) => c.text)
      .join(' ');
  }

  /** the text heard (of one part, when given) after `heardMs` of the reply's audio went out */
  heard(heardMs: number, part?: number): string {
    const parts: string[] = [];
    for (const c of this.chunks) {
      if (part !== undefined && c.part !== part) {
        if (heardMs < c.startMs + c.durationMs) break;
        continue;
      }
      if (heardMs >= c.startMs + c.durationMs) {
        parts.push(c.text);
        continue;
      }
      const fraction = c.durationMs > 0 ? (heardMs - c.startMs) / c.durationMs : 0;
      if (fraction > 0) {
        const words = c.text.split(/\s+/);
        const n = Math.floor(words.length * fraction);
        if (n > 0) parts.push(words.slice(0, n).join(' '));
      }
      break;
    }
    return parts.join(' ');
  }
}
