/**
 * Our side's session description across a call: the o= line keeps one session id and its version is
 * incremented only when the description changes (RFC 3264 §8: a description sent again unchanged, e.g. in
 * answer to a session refresh, keeps its version).
 */
import { randomInt } from 'node:crypto';

export class LocalDescription {
  private version: number;
  private lastBody: string | undefined;
  private lastText: string | undefined;
  readonly sessionId: string;

  constructor(
    private readonly address: string,
    opts: { sessionId?: string; version?: number } = {},
  ) {
    this.sessionId = opts.sessionId ?? String(randomInt(1, 2 ** 47));
    this.version = opts.version ?? Number(this.sessionId) % 1_000_000;
  }

  /** renders `v=`, `o=` and the given lines; a change of lines bumps the version */
  render(lines: readonly string[]): string {
    const body = lines.join('\r\n') + '\r\n';
    if (this.lastBody !== undefined && body !== this.lastBody) this.version++;
    if (body !== this.lastBody || this.lastText === undefined) {
      const type = this.address.includes(':') ? 'IP6' : 'IP4';
      this.lastText = `v=0\r\no=callgate ${this.sessionId} ${this.version} IN ${type} ${this.address}\r\n${body}`;
      this.lastBody = body;
    }
    return this.lastText;
  }

  /** the last description rendered */
  get current(): string | undefined {
    return this.lastText;
  }
}
