/**
 * Where a reply's audio goes: the media bridge link, behind a seam so the reply pipeline can be held back while
 * it runs speculatively (`HeldSink`) and tested without a socket.
 */

export interface ReplySink {
  /** first audio of the reply: announce it */
  start(replyId: string): void;
  audio(replyId: string, pcm: Int16Array): void;
  end(replyId: string): void;
  /** drop what the bridge queued of this reply */
  clear(replyId: string): void;
}

/** Buffers every call until `release()`; `discard()` forgets them. */
export class HeldSink implements ReplySink {
  private pending: Array<(sink: ReplySink) => void> | undefined = [];

  constructor(private readonly target: ReplySink) {}

  get held(): boolean {
    return this.pending !== undefined;
  }

  start(replyId: string): void {
    this.route((s) => s.start(replyId));
  }
  audio(replyId: string, pcm: Int16Array): void {
    this.route((s) => s.audio(replyId, pcm));
  }
  end(replyId: string): void {
    this.route((s) => s.end(replyId));
  }
  clear(replyId: string): void {
    this.route((s) => s.clear(replyId));
  }

  release(): void {
    const pending = this.pending ?? [];
    this.pending = undefined;
    for (const call of pending) call(this.target);
  }

  discard(): void {
    this.pending = [];
  }

  private route(call: (sink: ReplySink) => void): void {
    if (this.pending) this.pending.push(call);
    else call(this.target);
  }
}
