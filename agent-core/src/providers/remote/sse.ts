/**
 * Incremental Server-Sent Events parser: feed bytes as they arrive, get the `data` payload of every complete
 * event. Handles \n, \r\n and \r line ends split anywhere (even inside a multi-byte character), comment lines,
 * `data:` with or without the space, and multi-line data (joined with \n). Other fields (event, id, retry) are
 * ignored: the chat-completions stream does not use them.
 */
export class SseParser {
  private readonly decoder = new TextDecoder();
  private buffer = '';
  private data: string[] = [];
  private sawCr = false;

  /** Returns the data of each event completed by `bytes`. */
  push(bytes: Uint8Array): string[] {
    return this.feed(this.decoder.decode(bytes, { stream: true }));
  }

  /** End of stream: a last event without its blank line is still delivered (servers that omit it exist). */
  end(): string[] {
    const out = this.feed(this.decoder.decode());
    if (this.buffer.length > 0) {
      this.line(this.buffer, out);
      this.buffer = '';
    }
    if (this.data.length > 0) {
      out.push(this.data.join('\n'));
      this.data = [];
    }
    return out;
  }

  private feed(text: string): string[] {
    const out: string[] = [];
    let s = text;
    if (this.sawCr && s.startsWith('\n')) s = s.slice(1);
    this.sawCr = false;
    this.buffer += s;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line(this.buffer.slice(start, i), out);
      if (c === 13) {
        if (i + 1 < this.buffer.length) {
          if (this.buffer.charCodeAt(i + 1) === 10) i++;
        } else {
          this.sawCr = true;
        }
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string, out: string[]): void {
    if (line === '') {
      if (this.data.length > 0) out.push(this.data.join('\n'));
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    if (field !== 'data') return;
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    this.data.push(value);
  }
}
