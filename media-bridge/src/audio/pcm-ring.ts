const INITIAL_SAMPLES = 8000;

/**
 * A fixed-size ring of PCM16 samples: keeps the most recent `capacity` samples and overwrites the oldest.
 * The endpoint records what it hears into one, bounded whatever the call length. Memory grows with use
 * (doubling from one second) up to the capacity, so short calls do not pay for a full minute.
 */
export class PcmRing {
  private buf: Int16Array;
  private writePos = 0;
  private stored = 0;
  private total = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError('PcmRing capacity must be a positive integer');
    this.buf = new Int16Array(Math.min(capacity, INITIAL_SAMPLES));
  }

  /** Appends samples, dropping the oldest when full. */
  write(samples: Int16Array): void {
    this.total += samples.length;
    let src = samples;
    if (src.length > this.capacity) src = src.subarray(src.length - this.capacity);
    this.grow(this.stored + src.length);
    const size = this.buf.length;
    const firstPart = Math.min(src.length, size - this.writePos);
    this.buf.set(src.subarray(0, firstPart), this.writePos);
    this.buf.set(src.subarray(firstPart), 0);
    this.writePos = (this.writePos + src.length) % size;
    this.stored = Math.min(size, this.stored + src.length);
  }

  /** Before the ring first fills (so its content is not yet wrapped), enlarge it towards `needed` samples. */
  private grow(needed: number): void {
    if (needed <= this.buf.length || this.buf.length === this.capacity) return;
    let size = this.buf.length;
    while (size < needed && size < this.capacity) size *= 2;
    const next = new Int16Array(Math.min(size, this.capacity));
    next.set(this.buf.subarray(0, this.stored));
    this.buf = next;
    this.writePos = this.stored; // a write that exactly filled the old buffer wrapped writePos to 0
  }

  /** samples currently held (≤ capacity) */
  get length(): number {
    return this.stored;
  }

  /** samples ever written, including those overwritten */
  get totalWritten(): number {
    return this.total;
  }

  /** A copy of the held samples, oldest first. */
  read(): Int16Array {
    const size = this.buf.length;
    const out = new Int16Array(this.stored);
    const start = (this.writePos - this.stored + size) % size;
    const firstPart = Math.min(this.stored, size - start);
    out.set(this.buf.subarray(start, start + firstPart), 0);
    out.set(this.buf.subarray(0, this.stored - firstPart), firstPart);
    return out;
  }

  /** Forgets everything held. */
  clear(): void {
    this.writePos = 0;
    this.stored = 0;
  }
}
