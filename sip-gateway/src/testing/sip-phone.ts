/** A bare UDP SIP peer for integration tests: sends text, waits for parsed responses/requests. */
import dgram from 'node:dgram';
import { once } from 'node:events';

export interface PhoneMessage {
  status?: number;
  method?: string;
  headers: Map<string, string>;
  body: string;
  get(name: string): string | undefined;
}

const COMPACT: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', c: 'content-type', o: 'event', r: 'refer-to', b: 'referred-by' };

export function parseSip(text: string): PhoneMessage | null {
  const split = text.indexOf('\r\n\r\n');
  if (split === -1) return null;
  const [start = '', ...lines] = text.slice(0, split).split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const raw = line.slice(0, colon).trim().toLowerCase();
    const name = COMPACT[raw] ?? raw;
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  const m = /^SIP\/2\.0 (\d{3})/.exec(start);
  const msg: PhoneMessage = { headers, body: text.slice(split + 4), get: (n) => headers.get(COMPACT[n.toLowerCase()] ?? n.toLowerCase()) };
  if (m) msg.status = Number(m[1]);
  else msg.method = start.split(' ')[0] ?? '';
  return msg;
}

export class SipPhone {
  private readonly socket = dgram.createSocket('udp4');
  private readonly inbox: PhoneMessage[] = [];
  private waiters: Array<{ pred: (m: PhoneMessage) => boolean; resolve: (m: PhoneMessage) => void }> = [];
  private branch = 0;
  port = 0;

  constructor(private readonly target: number) {}

  async open(): Promise<void> {
    this.socket.on('message', (buf) => {
      const msg = parseSip(buf.toString('utf8'));
      if (!msg) return;
      const w = this.waiters.find((x) => x.pred(msg));
      if (w) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(msg);
      } else this.inbox.push(msg);
    });
    this.socket.bind(0, '127.0.0.1');
    await once(this.socket, 'listening');
    this.port = this.socket.address().port;
  }

  send(text: string): void {
    this.socket.send(Buffer.from(text.replace(/\r?\n/g, '\r\n')), this.target, '127.0.0.1');
  }

  /** a request from this phone (`body` lines are joined with CRLF); returns its Via branch (a CANCEL reuses it) */
  request(method: string, callId: string, cseq: number, o: { uri?: string; to?: string; body?: string; type?: string; extra?: string[]; branch?: string } = {}): string {
    const branch = o.branch ?? `z9hG4bK${method}${++this.branch}`;
    const body = (o.body ?? '').replace(/\r?\n/g, '\r\n');
    const lines = [
      `${method} ${o.uri ?? 'sip:1000@127.0.0.1'} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${branch};rport`,
      'Max-Forwards: 70',
      'From: <sip:caller@127.0.0.1>;tag=caller1',
      `To: ${o.to ?? `<${o.uri ?? 'sip:1000@127.0.0.1'}>`}`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} ${method}`,
      `Contact: <sip:caller@127.0.0.1:${this.port}>`,
      ...(o.extra ?? []),
      ...(body ? [`Content-Type: ${o.type ?? 'application/sdp'}`] : []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ];
    this.send(lines.join('\r\n'));
    return branch;
  }

  /** a response to a request the phone received */
  respond(req: PhoneMessage, status: number, reason: string): void {
    const h = (n: string) => req.get(n) ?? '';
    this.send([`SIP/2.0 ${status} ${reason}`, `Via: ${h('via')}`, `From: ${h('from')}`, `To: ${h('to')}`, `Call-ID: ${h('call-id')}`, `CSeq: ${h('cseq')}`, 'Content-Length: 0', '', ''].join('\r\n'));
  }

  wait(pred: (m: PhoneMessage) => boolean, ms = 3000): Promise<PhoneMessage> {
    const found = this.inbox.find(pred);
    if (found) {
      this.inbox.splice(this.inbox.indexOf(found), 1);
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out waiting for a SIP message')), ms);
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(t);
          resolve(m);
        },
      });
    });
  }

  /** the final response to `method` in call `callId` */
  final(callId: string, method: string, ms?: number): Promise<PhoneMessage> {
    return this.wait((m) => m.status !== undefined && m.status >= 200 && m.get('call-id') === callId && (m.get('cseq') ?? '').endsWith(method), ms);
  }

  close(): void {
    this.socket.close();
  }
}
