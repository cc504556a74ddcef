/** Sends raw bytes (the malformed-message corpus) to the appliance over UDP or TCP and collects SIP responses. */
import dgram from 'node:dgram';
import net from 'node:net';
import { parseSipMessage, header, type SipMessage } from './sip-trace.js';

export interface RawResult {
  responses: SipMessage[];
  /** TCP only: the appliance closed the connection */
  closed: boolean;
}

/** splits a byte stream into SIP messages using Content-Length (TCP framing); keep-alive CRLFs are skipped */
export function splitStream(buf: Buffer): { messages: SipMessage[]; rest: Buffer } {
  const messages: SipMessage[] = [];
  let rest: Buffer = buf;
  for (;;) {
    while (rest.length && (rest[0] === 0x0d || rest[0] === 0x0a)) rest = rest.subarray(1);
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const head = rest.subarray(0, end).toString('latin1');
    const m = /^(?:content-length|l)[ \t]*:[ \t]*(\d+)/im.exec(head);
    const len = m ? Number(m[1]) : 0;
    if (rest.length < end + 4 + len) break;
    messages.push(parseSipMessage(rest.subarray(0, end + 4 + len).toString('latin1')));
    rest = rest.subarray(end + 4 + len);
  }
  return { messages, rest };
}

function isFinal(m: SipMessage): boolean {
  return m.status !== undefined && m.status >= 200;
}

/**
 * Sends one datagram and collects responses until a final response has arrived and `settleMs` passed without
 * another, or `timeoutMs` in all.
 */
export async function sendUdp(target: { host: string; port: number }, data: Buffer, timeoutMs = 2000, settleMs = 150): Promise<RawResult> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const responses: SipMessage[] = [];
  return new Promise((resolve) => {
    let settle: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearTimeout(overall);
      if (settle) clearTimeout(settle);
      socket.close();
      resolve({ responses, closed: false });
    };
    const overall = setTimeout(finish, timeoutMs);
    socket.on('message', (msg) => {
      const m = parseSipMessage(msg.toString('latin1'));
      if (m.status === undefined) return; // a request from the appliance (e.g. nothing expected here)
      responses.push(m);
      if (isFinal(m)) {
        if (settle) clearTimeout(settle);
        settle = setTimeout(finish, settleMs);
      }
    });
    socket.send(data, target.port, target.host);
  });
}

/** like sendUdp over a fresh TCP connection; also reports whether the appliance closed it */
export async function sendTcp(target: { host: string; port: number }, data: Buffer, timeoutMs = 2000, settleMs = 150): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(target.port, target.host);
    let buf: Buffer = Buffer.alloc(0);
    const responses: SipMessage[] = [];
    let closed = false;
    let settle: NodeJS.Timeout | undefined;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(overall);
      if (settle) clearTimeout(settle);
      sock.destroy();
      resolve({ responses, closed });
    };
    const overall = setTimeout(finish, timeoutMs);
    sock.once('connect', () => sock.write(data));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const { messages, rest } = splitStream(buf);
      buf = rest;
      for (const m of messages) {
        if (m.status === undefined) continue;
        responses.push(m);
        if (isFinal(m)) {
          if (settle) clearTimeout(settle);
          settle = setTimeout(finish, settleMs);
        }
      }
    });
    sock.on('close', () => {
      closed = true;
      finish();
    });
    sock.on('error', (err) => {
      if (!finished && responses.length === 0 && (err as NodeJS.ErrnoException).code === 'ECONNREFUSED') {
        finished = true;
        clearTimeout(overall);
        reject(err);
      }
    });
  });
}

/** patches a corpus message for a transport: keeps it byte-exact except Via's transport token when asked */
export function viaTransport(data: Buffer, transport: 'UDP' | 'TCP'): Buffer {
  const text = data.toString('latin1');
  return Buffer.from(text.replace(/^(Via|v)([ \t]*:[ \t]*SIP\/2\.0\/)(UDP|TCP)/gim, `$1$2${transport}`), 'latin1');
}

/**
 * Makes every RFC 3261 branch in the message unique (appends `-suffix`), so that corpus files sharing a branch
 * are not absorbed by the appliance as retransmissions of an earlier file's transaction.
 */
export function uniqueBranches(data: Buffer, suffix: string): Buffer {
  const text = data.toString('latin1');
  return Buffer.from(text.replace(/(branch[ \t]*=[ \t]*z9hG4bK[A-Za-z0-9.!%*_+`'~-]*)/gi, `$1-${suffix}`), 'latin1');
}

export { header };
