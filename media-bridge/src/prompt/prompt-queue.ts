/**
 * The outbound audio queue of one endpoint: prompts already encoded in the call's codec, cut into 20 ms
 * frames on demand. A looping prompt repeats until something else is queued behind it; it then finishes its
 * current pass and yields, so a real prompt takes over from the demo loop without a cut mid-frame.
 */
import { SAMPLES_PER_FRAME } from '../audio/g711.js';

/** Audio to play, already encoded for the endpoint's codec. */
export interface Prompt {
  id: string;
  /** G.711 bytes (one byte per sample) */
  payload: Uint8Array;
  /** repeat until another prompt is queued or the queue is cleared */
  loop?: boolean;
}

/** FIFO of prompts that yields one frame (160 bytes = 20 ms by default) per call. */
export class PromptQueue {
  private readonly items: Prompt[] = [];
  private offset = 0;

  /**
   * @param silenceByte pads the last frame of a prompt whose length is not a multiple of the frame size
   * @param frameBytes bytes per frame (G.711: samples per pacer tick)
   * @param onDone called when a prompt has been fully handed out (not for prompts that are cleared)
   */
  constructor(
    private readonly silenceByte: number,
    private readonly frameBytes: number = SAMPLES_PER_FRAME,
    private readonly onDone: (promptId: string) => void = () => {},
  ) {}

  enqueue(prompt: Prompt): void {
    if (prompt.payload.length === 0) {
      this.onDone(prompt.id);
      return;
    }
    this.items.push(prompt);
  }

  /** Drops everything queued (barge-in); returns the ids dropped, the playing one first. */
  clear(): string[] {
    const ids = this.items.map((p) => p.id);
    this.items.length = 0;
    this.offset = 0;
    return ids;
  }

  get isEmpty(): boolean {
    return this.items.length === 0;
  }

  /** id of the prompt now playing, if any */
  get current(): string | undefined {
    return this.items[0]?.id;
  }

  /** The next 20 ms frame, or undefined when nothing is queued. */
  nextFrame(): Buffer | undefined {
    const prompt = this.items[0];
    if (!prompt) return undefined;
    const frame = Buffer.alloc(this.frameBytes, this.silenceByte);
    const end = Math.min(prompt.payload.length, this.offset + this.frameBytes);
    frame.set(prompt.payload.subarray(this.offset, end));
    this.offset = end;
    if (this.offset >= prompt.payload.length) {
      this.offset = 0;
      if (!prompt.loop || this.items.length > 1) {
        this.items.shift();
        this.onDone(prompt.id);
      }
    }
    return frame;
  }
}
