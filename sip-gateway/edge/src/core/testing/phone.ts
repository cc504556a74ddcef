/**
 * A scriptable SIP phone for the edge integration tests: one UDP socket or one TCP connection to the edge,
 * every message it receives parsed and kept in an inbox, and helpers that write the requests and responses a
 * simple user agent sends. Test support only.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { parseMessage } from '../../sip/parser.js';
import { serializeMessage } from '../../sip/serialize.js';
import { buildResponse } from '../../sip/response-builder.js';
import { SipStreamFramer } from '../../sip/stream-framer.js';
import { parseCSeq } from '../../sip/headers/cseq.js';
import { getTag } from '../../sip/headers/name-addr.js';
import type { SipHeader, SipMessage } from '../../sip/message.js';

export type PhoneTransport = 'udp' | 'tcp';

export const DEFAULT_SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=sendrecv\r\n';

export interface PhoneRequestOptions {
  callId: string;
  /** default: a fresh magic-cookie branch */
  branch?: string;
  cseq?: number;
  uri?: string;
  /** From tag (default caller1) */
  fromTag?: string;
  /** the whole To value, e.g. the To of a 200 (tag included); default `<uri>` */
  to?: string;
  /** extra header lines, `Name: value`, inserted after Max-Forwards */
  headers?: string[];
  body?: string;
  contentType?: string;
}

function lines(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

export class Phone {
  readonly inbox: SipMessage[] = [];
  /** every message received, raw, parseable or not */
  readonly received: Buffer[] = [];
  /** local port the edge sees the phone on */
  port = 0;
  private udp?: dgram.Socket;
  private tcp?: net.Socket;
  private waiters: Array<{ pred: (m: SipMessage) => boolean; resolve: (m: SipMessage) => void }> = [];

  private constructor(
    readonly transport: PhoneTransport,
    /** the edge's SIP port for this transport */
    readonly edgePort: number,
  ) {}

  /** a phone on a UDP socket bound to 127.0.0.1 */
  static async udp(edgePort: number): Promise<Phone> {
    const phone = new Phone('udp', edgePort);
    const socket = dgram.createSocket('udp4');
    phone.udp = socket;
    socket.on('message', (buf) => phone.receive(buf, false));
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    phone.port = socket.address().port;
    return phone;
  }

  /** a phone with one TCP connection to the edge, used for everything it sends and receives */
  static async tcp(edgePort: number): Promise<Phone> {
    const phone = new Phone('tcp', edgePort);
    const socket = net.createConnection({ host: '127.0.0.1', port: edgePort });
    phone.tcp = socket;
    const framer = new SipStreamFramer();
    framer.onMessage((buf) => phone.receive(buf, true));
    socket.on('data', (chunk: Buffer) => framer.push(chunk));
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    phone.port = socket.localPort ?? 0;
    return phone;
  }

  /** resolves when the edge closed the TCP connection */
  async closedByEdge(): Promise<void> {
    const s = this.tcp;
    if (!s || s.readableEnded || s.destroyed) return;
    await once(s, 'end');
  }

  /** `SIP/2.0/UDP 127.0.0.1:<port>;branch=<branch>;rport` */
  via(branch: string): string {
    return `SIP/2.0/${this.transport.toUpperCase()} 127.0.0.1:${this.port};branch=${branch};rport`;
  }

  get contact(): string {
    return `<sip:caller@127.0.0.1:${this.port}${this.transport === 'tcp' ? ';transport=tcp' : ''}>`;
  }

  /** send SIP text (bare LF line ends are turned into CRLF) */
  send(text: string): void {
    this.sendRaw(Buffer.from(lines(text)));
  }

  sendRaw(data: Buffer): void {
    if (this.udp) this.udp.send(data, this.edgePort, '127.0.0.1');
    else this.tcp?.write(data);
  }

  sendMessage(msg: SipMessage): void {
    this.sendRaw(serializeMessage(msg));
  }

  /** send a request from this phone; returns its text */
  request(method: string, o: PhoneRequestOptions): string {
    const text = this.requestText(method, o);
    this.send(text);
    return text;
  }

  /** send an INVITE with an SDP offer; returns its text */
  invite(o: PhoneRequestOptions): string {
    const text = this.inviteText(o);
    this.send(text);
    return text;
  }

  inviteText(o: PhoneRequestOptions): string {
    return this.requestText('INVITE', { contentType: 'application/sdp', body: DEFAULT_SDP, ...o });
  }

  /** the text of a request from this phone (not sent) */
  requestText(method: string, o: PhoneRequestOptions): string {
    const uri = o.uri ?? 'sip:1000@127.0.0.1';
    const body = o.body === undefined ? '' : lines(o.body);
    const extra = (o.headers ?? []).map((h) => `${h}\r\n`).join('');
    const type = body && o.contentType !== undefined ? `Content-Type: ${o.contentType}\r\n` : '';
    return (
      `${method} ${uri} SIP/2.0\r\n` +
      `Via: ${this.via(o.branch ?? newBranch())}\r\n` +
      'Max-Forwards: 70\r\n' +
      extra +
      `From: <sip:caller@127.0.0.1>;tag=${o.fromTag ?? 'caller1'}\r\n` +
      `To: ${o.to ?? `<${uri}>`}\r\n` +
      `Call-ID: ${o.callId}\r\n` +
      `CSeq: ${o.cseq ?? 1} ${method}\r\n` +
      `Contact: ${this.contact}\r\n` +
      type +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
      body
    );
  }

  /** the ACK for a 2xx (new branch, To of the 2xx) or, with `branch` = the INVITE's, for a non-2xx */
  ack(res: SipMessage, o: { branch?: string; uri?: string } = {}): void {
    const seq = parseCSeq(res.get('cseq') ?? '')?.seq ?? 1;
    this.send(
      `ACK ${o.uri ?? 'sip:1000@127.0.0.1'} SIP/2.0\r\n` +
        `Via: ${this.via(o.branch ?? newBranch())}\r\n` +
        'Max-Forwards: 70\r\n' +
        `From: ${res.get('from') ?? ''}\r\n` +
        `To: ${res.get('to') ?? ''}\r\n` +
        `Call-ID: ${res.get('call-id') ?? ''}\r\n` +
        `CSeq: ${seq} ACK\r\n` +
        'Content-Length: 0\r\n\r\n',
    );
  }

  /** answer a request the edge sent (Via/From/To/Call-ID/CSeq copied; To tag added when missing) */
  reply(req: SipMessage, status: number, o: { toTag?: string; headers?: SipHeader[]; body?: string } = {}): SipMessage {
    const headers: SipHeader[] = [...(o.headers ?? [])];
    if (o.body !== undefined && !headers.some((h) => h.name.toLowerCase() === 'content-type')) headers.push({ name: 'Content-Type', value: 'application/sdp' });
    const res = buildResponse(req, status, undefined, {
      toTag: o.toTag ?? 'callee1',
      headers,
      ...(o.body !== undefined ? { body: Buffer.from(lines(o.body)) } : {}),
    });
    this.sendMessage(res);
    return res;
  }

  /** take (remove from the inbox) the first message matching pred, waiting for it when none has arrived */
  wait(pred: (m: SipMessage) => boolean, ms = 3000): Promise<SipMessage> {
    const found = this.inbox.find(pred);
    if (found) {
      this.inbox.splice(this.inbox.indexOf(found), 1);
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error('timed out waiting for a SIP message'));
      }, ms);
      const waiter = {
        pred,
        resolve: (m: SipMessage) => {
          clearTimeout(t);
          this.inbox.splice(this.inbox.indexOf(m), 1);
          resolve(m);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** the response to the request with this Call-ID and CSeq method, with status matching `status` (default: final) */
  waitResponse(callId: string, method: string, status: (s: number) => boolean = (s) => s >= 200, ms?: number): Promise<SipMessage> {
    return this.wait((m) => m.isResponse && m.get('call-id') === callId && cseqMethod(m) === method && status(m.status), ms);
  }

  waitRequest(method: string, callId?: string, ms?: number): Promise<SipMessage> {
    return this.wait((m) => m.isRequest && m.method === method && (callId === undefined || m.get('call-id') === callId), ms);
  }

  /** messages in the inbox matching pred (not taken) */
  peek(pred: (m: SipMessage) => boolean): SipMessage[] {
    return this.inbox.filter(pred);
  }

  async close(): Promise<void> {
    for (const w of this.waiters) w.resolve = () => undefined;
    this.waiters = [];
    if (this.udp) {
      const s = this.udp;
      this.udp = undefined;
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
    if (this.tcp) {
      const s = this.tcp;
      this.tcp = undefined;
      if (!s.destroyed) {
        const closed = once(s, 'close');
        s.destroy();
        await closed;
      }
    }
  }

  /**
   * the text of the first received message (parseable or not, e.g. a 400 echoing a broken header) matching
   * pred, waiting for it when none has arrived; not taken from the inbox
   */
  async waitRaw(pred: (text: string) => boolean, ms = 3000): Promise<string> {
    const until = Date.now() + ms;
    for (;;) {
      const hit = this.received.map((b) => b.toString('utf8')).find(pred);
      if (hit !== undefined) return hit;
      if (Date.now() > until) throw new Error('timed out waiting for a SIP message');
      await delay(5);
    }
  }

  private receive(buf: Buffer, stream: boolean): void {
    this.received.push(buf);
    const p = parseMessage(buf, { stream });
    if (!p.ok) return;
    const msg = p.message;
    this.inbox.push(msg);
    const w = this.waiters.find((x) => x.pred(msg));
    if (w) {
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve(msg);
    }
  }
}

export function newBranch(): string {
  return `z9hG4bK${randomBytes(6).toString('hex')}`;
}

export function cseqMethod(m: SipMessage): string {
  return parseCSeq(m.get('cseq') ?? '')?.method ?? '';
}

export function cseqNumber(m: SipMessage): number {
  return parseCSeq(m.get('cseq') ?? '')?.seq ?? -1;
}

/** the tag parameter of a From/To value, or '' */
export function tagOf(value: string | undefined): string {
  return value === undefined ? '' : (getTag(value) ?? '');
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** poll until `get` returns something other than undefined (state that settles asynchronously) */
export async function waitFor<T>(get: () => T | undefined, ms = 3000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out waiting for a condition');
    await delay(5);
  }
}

/** `p`, or a rejection naming `what` when it does not settle within `ms` */
export function within<T>(p: Promise<T>, what: string, ms = 3000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
