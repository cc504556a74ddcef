/**
 * What one call plays, as PCM16 at 8 kHz: prompts (whole, optionally looping) and agent replies (streamed in
 * chunks as TTS produces them, closed by `endReply`). The endpoint takes one 20 ms frame per pacer tick and
 * encodes it for the call's codec. Barge-in pauses the playout at once (nothing more is handed out), then either
 * flushes it (a real interruption) or resumes it where it stopped (a cough). Each item counts the audio handed
 * out, so the bridge can tell agent-core how much of a reply the caller heard.
 */
import { SAMPLES_PER_FRAME } from '../audio/g711.js';

export type PlayKind = 'prompt' | 'reply';

/** One frame handed out, with the item it belongs to. */
export interface PlayFrame {
  pcm: Int16Array;
  itemId: string;
  kind: PlayKind;
  /** the first frame of this item */
  first: boolean;
}

/** An item that finished or was dropped, and how much of it was played. */
export interface PlayedItem {
  id: string;
  kind: PlayKind;
  playedMs: number;
  /** every sample was handed out (false when flushed or still streaming) */
  complete: boolean;
}

interface Item {
  id: string;
  kind: PlayKind;
  loop: boolean;
  chunks: Int16Array[];
  /** samples received so far */
  total: number;
  /** chunk index and offset of the next sample */
  chunk: number;
  offset: number;
  played: number;
  /** no more audio will be appended */
  ended: boolean;
}

/** A hard cap on queued agent audio: beyond it `appendReply` refuses (an agent-core bug, not a network hiccup). */
export const MAX_QUEUED_SECONDS = 300;

/** The outbound audio queue of one call. */
export class Playout {
  private readonly items: Item[] = [];
  private pausedFlag = false;
  private queuedSamples = 0;

  /**
   * @param onDone called when an item has been handed out completely
   * @param sampleRate samples per second (8000)
   */
  constructor(
    private readonly onDone: (item: PlayedItem) => void = () => {},
    private readonly sampleRate = 8000,
  ) {}

  /** Queues a whole prompt; a looping prompt repeats until something is queued behind it or it is flushed. */
  enqueuePrompt(id: string, pcm: Int16Array, loop = false): void {
    if (pcm.length === 0) return this.onDone({ id, kind: 'prompt', playedMs: 0, complete: true });
    this.items.push({ id, kind: 'prompt', loop, chunks: [pcm], total: pcm.length, chunk: 0, offset: 0, played: 0, ended: true });
    this.queuedSamples += pcm.length;
  }

  /**
   * Appends streamed reply audio (a new `replyId` starts a new item behind what is queued). Returns false, and
   * keeps nothing, when the reply was already ended or flushed, or when the queue is over its cap.
   */
  appendReply(replyId: string, pcm: Int16Array): boolean {
    let item = this.items.find((i) => i.id === replyId && i.kind === 'reply');
    if (item?.ended) return false;
    if (this.queuedSamples + pcm.length > MAX_QUEUED_SECONDS * this.sampleRate) return false;
    if (!item) {
      if (this.closedReplies.has(replyId)) return false; // finished or flushed
      item = { id: replyId, kind: 'reply', loop: false, chunks: [], total: 0, chunk: 0, offset: 0, played: 0, ended: false };
      this.items.push(item);
    }
    if (pcm.length > 0) {
      item.chunks.push(pcm);
      item.total += pcm.length;
      this.queuedSamples += pcm.length;
    }
    return true;
  }

  /** No more audio for this reply: it finishes when what was received is played. */
  endReply(replyId: string): void {
    const item = this.items.find((i) => i.id === replyId && i.kind === 'reply');
    if (!item) return;
    item.ended = true;
    if (item === this.items[0] && this.remaining(item) === 0) this.finishHead();
  }

  /** Stops handing out frames (barge-in onset); the queue is kept. */
  pause(): void {
    this.pausedFlag = true;
  }

  resume(): void {
    this.pausedFlag = false;
  }

  get paused(): boolean {
    return this.pausedFlag;
  }

  /** Drops everything queued; returns what was dropped (the playing item first) with how much of it played. */
  flush(): PlayedItem[] {
    const dropped = this.items.map((i) => ({ id: i.id, kind: i.kind, playedMs: this.ms(i.played), complete: false }));
    for (const i of this.items) if (i.kind === 'reply') this.rememberClosed(i.id);
    this.items.length = 0;
    this.queuedSamples = 0;
    this.pausedFlag = false;
    return dropped;
  }

  /** Drops one reply (agent-core's `clear`); returns it with its played ms, or undefined when unknown. */
  drop(replyId: string): PlayedItem | undefined {
    const index = this.items.findIndex((i) => i.id === replyId && i.kind === 'reply');
    if (index < 0) return undefined;
    const [item] = this.items.splice(index, 1);
    this.queuedSamples -= this.remaining(item!);
    this.rememberClosed(replyId);
    return { id: replyId, kind: 'reply', playedMs: this.ms(item!.played), complete: false };
  }

  /** the item at the head (playing or about to), with the ms of it handed out so far */
  get current(): { id: string; kind: PlayKind; playedMs: number } | undefined {
    const head = this.items[0];
    return head && { id: head.id, kind: head.kind, playedMs: this.ms(head.played) };
  }

  /** true while the item `id` is queued or playing */
  holds(id: string): boolean {
    return this.items.some((i) => i.id === id);
  }

  /** true while there is something to say (even if paused or waiting for more reply audio) */
  get active(): boolean {
    return this.items.length > 0;
  }

  /** true when `nextFrame` would hand out audio now */
  get ready(): boolean {
    const item = this.items[0];
    return !this.pausedFlag && item !== undefined && (item.ended || this.remaining(item) >= SAMPLES_PER_FRAME);
  }

  /** ms of audio queued and not yet handed out */
  get bufferedMs(): number {
    return this.ms(this.queuedSamples);
  }

  /**
   * The next 20 ms frame, or undefined when paused, empty, or a streaming reply has not delivered its next
   * samples yet (an underrun: the endpoint fills it with silence). With `into` (of `frameSamples`) the samples
   * are written there instead of into a new array: the caller's buffer, valid until it passes it again.
   */
  nextFrame(frameSamples = SAMPLES_PER_FRAME, into?: Int16Array): PlayFrame | undefined {
    if (this.pausedFlag) return undefined;
    const item = this.items[0];
    if (!item) return undefined;
    const available = this.remaining(item);
    if (available < frameSamples && !item.ended) return undefined; // wait for a whole frame of a streaming reply
    const first = item.played === 0;
    const pcm = into?.length === frameSamples ? into : new Int16Array(frameSamples);
    let filled = 0;
    while (filled < frameSamples && item.chunk < item.chunks.length) {
      const chunk = item.chunks[item.chunk]!;
      const n = Math.min(frameSamples - filled, chunk.length - item.offset);
      pcm.set(chunk.subarray(item.offset, item.offset + n), filled);
      filled += n;
      item.offset += n;
      if (item.offset >= chunk.length) {
        item.chunk++;
        item.offset = 0;
      }
    }
    if (filled < frameSamples && pcm === into) pcm.fill(0, filled); // a short last frame ends in silence
    item.played += filled;
    if (!item.loop) this.queuedSamples -= filled;
    const frame: PlayFrame = { pcm, itemId: item.id, kind: item.kind, first };
    if (item.ended && this.remaining(item) === 0) {
      if (item.loop && this.items.length === 1) {
        item.chunk = 0;
        item.offset = 0;
      } else this.finishHead();
    }
    return frame;
  }

  private finishHead(): void {
    const item = this.items.shift();
    if (!item) return;
    if (item.loop) this.queuedSamples -= item.total;
    if (item.kind === 'reply') this.rememberClosed(item.id);
    this.onDone({ id: item.id, kind: item.kind, playedMs: this.ms(item.played), complete: true });
  }

  private remaining(item: Item): number {
    let n = 0;
    for (let c = item.chunk; c < item.chunks.length; c++) n += item.chunks[c]!.length;
    return n - item.offset;
  }

  private ms(samples: number): number {
    return Math.round((samples * 1000) / this.sampleRate);
  }

  /** replies finished or dropped recently: late audio for them is refused instead of starting them again */
  private readonly closedReplies = new Set<string>();

  private rememberClosed(replyId: string): void {
    this.closedReplies.add(replyId);
    if (this.closedReplies.size > 64) this.closedReplies.delete(this.closedReplies.values().next().value!);
  }
}
