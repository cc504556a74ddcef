/** Parses SIPp's -trace_msg file and raw SIP messages into something tests can assert on. */

export interface SipMessage {
  firstLine: string;
  /** requests */
  method?: string;
  /** responses */
  status?: number;
  reason?: string;
  headers: Array<[string, string]>;
  body: string;
  raw: string;
}

export interface TracedMessage extends SipMessage {
  direction: 'sent' | 'received';
  transport: string;
  /** milliseconds since the epoch, from SIPp's timestamp (local time) */
  at: number;
}

const compact: Record<string, string> = {
  i: 'call-id', m: 'contact', e: 'content-encoding', l: 'content-length', c: 'content-type', f: 'from',
  s: 'subject', k: 'supported', t: 'to', v: 'via', r: 'refer-to', b: 'referred-by', o: 'event', u: 'allow-events',
};

export function canonicalHeader(name: string): string {
  const lower = name.trim().toLowerCase();
  return compact[lower] ?? lower;
}

export function parseSipMessage(raw: string): SipMessage {
  const norm = raw.replace(/^\s+/, '');
  const split = norm.search(/\r?\n\r?\n/);
  const head = split >= 0 ? norm.slice(0, split) : norm;
  const body = split >= 0 ? norm.slice(split).replace(/^\r?\n\r?\n/, '') : '';
  const lines = head.split(/\r?\n/);
  const firstLine = lines.shift() ?? '';
  const headers: Array<[string, string]> = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && headers.length) {
      const last = headers[headers.length - 1]!;
      last[1] += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([canonicalHeader(line.slice(0, colon)), line.slice(colon + 1).trim()]);
  }
  const msg: SipMessage = { firstLine, headers, body, raw };
  const resp = /^SIP\/2\.0\s+(\d{3})\s*(.*)$/.exec(firstLine);
  if (resp) {
    msg.status = Number(resp[1]);
    msg.reason = resp[2];
  } else {
    msg.method = firstLine.split(' ')[0];
  }
  return msg;
}

export function header(msg: SipMessage, name: string): string | undefined {
  const want = canonicalHeader(name);
  return msg.headers.find(([n]) => n === want)?.[1];
}

export function headers(msg: SipMessage, name: string): string[] {
  const want = canonicalHeader(name);
  return msg.headers.filter(([n]) => n === want).map(([, v]) => v);
}

/** CSeq method of a message ("INVITE" for responses to INVITE) */
export function cseqMethod(msg: SipMessage): string | undefined {
  return header(msg, 'cseq')?.split(/\s+/)[1]?.toUpperCase();
}

export function parseSippMessages(text: string): TracedMessage[] {
  const out: TracedMessage[] = [];
  const chunks = text.split(/^-{10,} (\d{4}-\d{2}-\d{2}[ \t]\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*$/m);
  // chunks: [preamble, ts1, body1, ts2, body2, ...]
  for (let i = 1; i + 1 < chunks.length; i += 2) {
    const ts = chunks[i]!.replace(/[ \t]/, 'T');
    const body = chunks[i + 1]!;
    const m = /^\s*(\S+) message (sent|received)[^\n]*\n/.exec(body);
    if (!m) continue;
    const sip = body.slice(m[0].length).replace(/^\r?\n/, '').replace(/\n$/, '');
    if (!sip.trim()) continue;
    const [whole, frac = '0'] = ts.split('.');
    const at = new Date(whole!).getTime() + Number(`0.${frac}`) * 1000;
    out.push({ ...parseSipMessage(sip), direction: m[2] as 'sent' | 'received', transport: m[1]!, at });
  }
  return out;
}

export function received(msgs: TracedMessage[]): TracedMessage[] {
  return msgs.filter((m) => m.direction === 'received');
}
