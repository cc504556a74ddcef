/**
 * drachtio wire framing: every message is `<byte length>#<payload>` over a TCP stream, the length in decimal
 * counting the UTF-8 bytes of the payload. The decoder accepts messages split anywhere and several per chunk,
 * and refuses a bad length specifier (the connection is then closed by its owner).
 */
const MAX_LENGTH_DIGITS = 9;

export class WireFrameError extends Error {}

export class WireDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly maxMessageBytes = 4 * 1024 * 1024) {}

  /** feed bytes; returns every complete payload; throws WireFrameError on a malformed length specifier */
  push(chunk: Buffer): string[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const out: string[] = [];
    while (this.buffer.length > 0) {
      const hash = this.buffer.indexOf(0x23 /* # */);
      if (hash < 0) {
        if (this.buffer.length > MAX_LENGTH_DIGITS || !/^\d*$/.test(this.buffer.toString('latin1'))) {
          throw new WireFrameError('invalid message length specifier');
        }
        break;
      }
      const spec = this.buffer.toString('latin1', 0, hash);
      if (!/^\d{1,9}$/.test(spec)) throw new WireFrameError(`invalid message length specifier '${spec.slice(0, 20)}'`);
      const length = Number(spec);
      if (length <= 0 || length > this.maxMessageBytes) throw new WireFrameError(`message length ${length} out of range`);
      const end = hash + 1 + length;
      if (this.buffer.length < end) break;
      out.push(this.buffer.toString('utf8', hash + 1, end));
      this.buffer = this.buffer.subarray(end);
    }
    return out;
  }

  get buffered(): number {
    return this.buffer.length;
  }
}

export function encodeFrame(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}#`, 'latin1'), body]);
}
