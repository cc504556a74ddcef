/**
 * Cut SIP messages out of a byte stream (TCP, RFC 3261 §18.3): the header section ends at the first
 * empty line and Content-Length, mandatory on streams, gives the body length. CRLFs between messages
 * are skipped; a double CRLF is an RFC 5626 keep-alive ping (answer with a single CRLF pong).
 * Buffered bytes never exceed one message of maxMessageBytes plus the chunk being processed; any
 * framing error is final (the caller answers 400 where it can and closes the connection).
 */
import { normalizeHeaderName } from './message.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from './parser.js';

export interface StreamFramerOptions {
  /** largest message (headers + body) accepted, default 64 KiB */
  maxMessageBytes?: number;
}

type MessageHandler = (message: Buffer) => void;
type PingHandler = () => void;
/** `partial` holds the bytes of the message being framed (headers at least), for a best-effort 400 */
type ErrorHandler = (error: string, partial?: Buffer) => void;

const CR = 0x0d;
const LF = 0x0a;

export class SipStreamFramer {
  private readonly maxMessageBytes: number;
  private buf: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;
  /** where the search for the end of the header section resumes */
  private scanFrom = 0;
  /** absolute length (header section + body) of the message being framed, once known */
  private needed = -1;
  private failed = false;
  private messageHandler: MessageHandler = () => undefined;
  private pingHandler: PingHandler = () => undefined;
  private errorHandler: ErrorHandler = () => undefined;

  constructor(options: StreamFramerOptions = {}) {
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_SIZE;
  }

  onMessage(handler: MessageHandler): void {
    this.messageHandler = handler;
  }

  onPing(handler: PingHandler): void {
    this.pingHandler = handler;
  }

  onError(handler: ErrorHandler): void {
    this.errorHandler = handler;
  }

  /** bytes held, waiting for the rest of a message */
  get bufferedBytes(): number {
    return this.end - this.start;
  }

  /** true once a framing error was reported; further input is ignored */
  get hasFailed(): boolean {
    return this.failed;
  }

  push(chunk: Buffer): void {
    if (this.failed || chunk.length === 0) return;
    this.append(chunk);
    this.drain();
  }

  /** drop everything buffered and forget a previous error */
  reset(): void {
    this.buf = Buffer.alloc(0);
    this.start = this.end = this.scanFrom = 0;
    this.needed = -1;
    this.failed = false;
  }

  private append(chunk: Buffer): void {
    const used = this.end - this.start;
    if (this.end + chunk.length > this.buf.length) {
      if (used + chunk.length <= this.buf.length && this.start > 0) {
        this.buf.copy(this.buf, 0, this.start, this.end);
      } else {
        const next = Buffer.allocUnsafe(Math.max(used + chunk.length, Math.min(this.buf.length * 2, used + chunk.length + this.maxMessageBytes), 4096));
        this.buf.copy(next, 0, this.start, this.end);
        this.buf = next;
      }
      this.scanFrom -= this.start;
      this.start = 0;
      this.end = used;
    }
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
  }

  private drain(): void {
    while (!this.failed && this.end > this.start) {
      if (this.needed < 0) {
        if (!this.skipKeepAlives()) return;
        const headerEnd = this.findHeaderEnd();
        if (headerEnd < 0) {
          if (this.end - this.start > this.maxMessageBytes) this.fail('header section exceeds the message size limit');
          return;
        }
        const length = this.contentLength(headerEnd);
        if (length === undefined) return;
        this.needed = headerEnd - this.start + length;
        if (this.needed > this.maxMessageBytes) return this.fail('message exceeds the message size limit', headerEnd);
      }
      if (this.end - this.start < this.needed) return;
      const message = Buffer.from(this.buf.subarray(this.start, this.start + this.needed));
      this.start += this.needed;
      this.scanFrom = this.start;
      this.needed = -1;
      if (this.start === this.end) this.start = this.end = this.scanFrom = 0;
      this.messageHandler(message);
    }
  }

  /** consume CRLFs before a message; false when more bytes are needed to decide */
  private skipKeepAlives(): boolean {
    while (this.start < this.end) {
      const b = this.buf[this.start];
      if (b !== CR && b !== LF) {
        this.scanFrom = Math.max(this.scanFrom, this.start);
        return true;
      }
      const avail = this.end - this.start;
      const at = (k: number): number | undefined => (k < avail ? this.buf[this.start + k] : undefined);
      if (b === CR && at(1) === LF && at(2) === CR && at(3) === LF) {
        this.start += 4;
        this.pingHandler();
        if (this.failed) return false;
        continue;
      }
      // a CRLF or CRLFCR that may still grow into a ping: wait for the next bytes
      if (b === CR && (avail === 1 || (at(1) === LF && (avail === 2 || (avail === 3 && at(2) === CR))))) {
        return false;
      }
      this.start += b === CR && at(1) === LF ? 2 : 1;
    }
    this.start = this.end = this.scanFrom = 0;
    return false;
  }

  /** absolute index just past the empty line ending the header section, or -1 */
  private findHeaderEnd(): number {
    for (let i = Math.max(this.scanFrom, this.start); i < this.end; i++) {
      if (this.buf[i] !== LF) continue;
      const n1 = this.buf[i + 1];
      if (i + 1 >= this.end) {
        this.scanFrom = i;
        return -1;
      }
      if (n1 === LF) return i + 2;
      if (n1 === CR) {
        if (i + 2 >= this.end) {
          this.scanFrom = i;
          return -1;
        }
        if (this.buf[i + 2] === LF) return i + 3;
      }
    }
    this.scanFrom = this.end;
    return -1;
  }

  /** the Content-Length of the header section ending at headerEnd; reports an error when unusable */
  private contentLength(headerEnd: number): number | undefined {
    const text = this.buf.toString('latin1', this.start, headerEnd).replace(/\r?\n[ \t]+/g, ' ');
    let found: number | undefined;
    for (const line of text.split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon <= 0 || normalizeHeaderName(line.slice(0, colon).trim()) !== 'content-length') continue;
      const value = line.slice(colon + 1).trim();
      if (!/^[0-9]{1,10}$/.test(value)) return this.fail('invalid Content-Length', headerEnd);
      const n = Number(value);
      if (found !== undefined && found !== n) return this.fail('conflicting Content-Length headers', headerEnd);
      found = n;
    }
    if (found === undefined) return this.fail('missing Content-Length on a stream transport', headerEnd);
    return found;
  }

  private fail(error: string, headerEnd?: number): undefined {
    const partial = headerEnd !== undefined ? Buffer.from(this.buf.subarray(this.start, headerEnd)) : undefined;
    this.failed = true;
    this.buf = Buffer.alloc(0);
    this.start = this.end = this.scanFrom = 0;
    this.needed = -1;
    this.errorHandler(error, partial);
    return undefined;
  }
}
