/**
 * The call's signalling: SIPp runs `conversation.xml` (INVITE → 200 → ACK, then waits for the appliance's BYE,
 * answers a REFER, or hangs up when told). We set the Call-ID (`-cid_str`) so live events can be matched to
 * the call, follow SIPp's <log> lines as they are written, and tell SIPp to hang up by sending it an in-dialog
 * `CGHANGUP` request (same Call-ID) on its own SIP port. SIPp runs in its own process group, so a Ctrl-C in
 * the terminal reaches only the caller, which then hangs up properly.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenariosDir, sippBinary } from '../harness/paths.js';
import { collectSippResult, type SippResult } from '../harness/sipp.js';

export interface AnsweredMedia {
  address: string;
  port: number;
  /** the answer's first payload type (0 PCMU, 8 PCMA) */
  pt: number;
  /** telephone-event payload type, if the answer has one */
  dtmfPt: number | undefined;
}

/** What SIPp's log says happened, line by line (parsed). */
export type SipLogEvent =
  | { type: 'answered'; media: AnsweredMedia }
  | { type: 'rejected'; code: number }
  | { type: 'refer'; referTo: string }
  | { type: 'bye-received' }
  | { type: 'caller-hangup' }
  | { type: 'bye-answered' }
  | { type: 'over' }
  | { type: 'other'; line: string };

/** one line of SIPp's actions.log from conversation.xml */
export function parseSipLogLine(line: string): SipLogEvent {
  const l = line.trim();
  const a = /^answered media=([^:\s]+):(\d+) pt=(\d+) te=(\S*)/.exec(l);
  if (a) {
    const te = /rtpmap:(\d+)/.exec(l);
    return { type: 'answered', media: { address: a[1]!, port: Number(a[2]), pt: Number(a[3]), dtmfPt: te ? Number(te[1]) : undefined } };
  }
  const r = /^rejected (\d+)/.exec(l);
  if (r) return { type: 'rejected', code: Number(r[1]) };
  const f = /^refer received\s*(.*)$/.exec(l);
  if (f) return { type: 'refer', referTo: f[1]!.trim() };
  if (l === 'bye received') return { type: 'bye-received' };
  if (l === 'caller hangs up') return { type: 'caller-hangup' };
  if (l === 'bye answered') return { type: 'bye-answered' };
  if (l === 'call over') return { type: 'over' };
  return { type: 'other', line: l };
}

export interface ConversationSipOptions {
  target: { host: string; port: number };
  transport: 'udp' | 'tcp';
  number: string;
  /** the caller's RTP address for the SDP offer */
  rtp: { address: string; port: number };
  /** SIPp's SIP port (0/undefined: a free one) */
  sipPort?: number;
  /** SIPp's own media port (-mp; SIPp binds it though the audio comes from our socket) */
  mediaPort?: number;
  /** bound on the whole SIPp run, seconds */
  timeoutS: number;
  /** wait for responses (200 to the INVITE and the BYE), ms */
  recvTimeoutMs?: number;
  scenario?: string;
  /** the Call-ID to use (from `newCallId()`), so live events can be subscribed to before the call starts */
  callId?: string;
}

export interface ConversationSip {
  readonly callId: string;
  readonly sipPort: number;
  /** SIPp's working directory (traces) */
  readonly dir: string;
  kill(): void;
  /** every log event so far */
  readonly events: SipLogEvent[];
  /** resolves with the media answer, or undefined if the call was not answered (rejected, SIPp ended) */
  readonly answered: Promise<AnsweredMedia | undefined>;
  /** resolves when the call is over (BYE either way, rejection, SIPp gone) */
  readonly ended: Promise<void>;
  /** resolves when SIPp exits */
  readonly done: Promise<SippResult>;
  onEvent(listener: (e: SipLogEvent) => void): void;
  /** asks SIPp to send BYE (no-op when the call is already over) */
  hangup(): Promise<void>;
}

/** a UDP port (and, for SIPp's media port, the one two above it) nobody is bound to right now */
export async function freeUdpPort(alsoPlus2 = false): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const a = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve, reject) => {
      a.once('error', reject);
      a.bind(0, '127.0.0.1', () => resolve(a.address().port));
    });
    if (!alsoPlus2) {
      a.close();
      return port;
    }
    const b = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      b.once('error', () => resolve(false));
      b.bind(port + 2, '127.0.0.1', () => resolve(true));
    });
    a.close();
    b.close();
    if (ok && port + 2 <= 65535) return port;
  }
  throw new Error('no free UDP port found');
}

/** tails SIPp's actions.log (polling: SIPp writes it line by line) */
function tailLines(path: string, onLine: (line: string) => void): { poll(): void; stop(): void } {
  let offset = 0;
  let partial = '';
  const buf = Buffer.alloc(64 * 1024);
  const poll = (): void => {
    if (!existsSync(path)) return;
    let fd: number | undefined;
    try {
      fd = openSync(path, 'r');
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, offset);
        if (n <= 0) break;
        offset += n;
        partial += buf.subarray(0, n).toString('latin1');
      }
    } catch {
      return;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) onLine(l);
  };
  const timer = setInterval(poll, 25);
  return {
    poll,
    stop: () => {
      clearInterval(timer);
      poll();
      if (partial.trim()) onLine(partial);
      partial = '';
    },
  };
}

/** a fresh Call-ID for one call: SIPp writes it from `-cid_str callgate-call-TOKEN-%u` (%u = call number 1) */
export function newCallId(): string {
  return `callgate-call-${randomBytes(6).toString('hex')}-1`;
}

export async function startConversationSip(o: ConversationSipOptions): Promise<ConversationSip> {
  const callId = o.callId ?? newCallId();
  const m = /^(.*)-1$/.exec(callId);
  if (!m || /[%\s]/.test(callId)) throw new Error(`Call-ID ${callId}: expected one ending in -1, without % or spaces`);
  const pattern = `${m[1]}-%u`;
  const sipPort = o.sipPort || (o.transport === 'udp' ? await freeUdpPort() : await freeTcpPort());
  const mediaPort = o.mediaPort || (await freeUdpPort(true));
  const run = runSipp({
    scenario: o.scenario ?? 'conversation.xml',
    target: o.target,
    transport: o.transport,
    number: o.number,
    sipPort,
    mediaPort,
    timeoutS: o.timeoutS,
    recvTimeoutMs: o.recvTimeoutMs ?? 15_000,
    keys: { rtp_ip: o.rtp.address, rtp_port: o.rtp.port },
    callIdPattern: pattern,
  });
  const events: SipLogEvent[] = [];
  const listeners: Array<(e: SipLogEvent) => void> = [];
  let resolveAnswered!: (m: AnsweredMedia | undefined) => void;
  const answered = new Promise<AnsweredMedia | undefined>((r) => (resolveAnswered = r));
  let resolveEnded!: () => void;
  const ended = new Promise<void>((r) => (resolveEnded = r));
  let over = false;
  const emit = (e: SipLogEvent): void => {
    events.push(e);
    if (e.type === 'answered') resolveAnswered(e.media);
    if (e.type === 'rejected' || e.type === 'over') resolveAnswered(undefined);
    if (e.type === 'bye-received' || e.type === 'bye-answered' || e.type === 'rejected' || e.type === 'over') {
      over = true;
      resolveEnded();
    }
    for (const l of listeners) l(e);
  };
  const tail = tailLines(join(run.dir, 'actions.log'), (line) => emit(parseSipLogLine(line)));
  const done = run.done.finally(() => {
    tail.stop();
    over = true;
    resolveAnswered(undefined);
    resolveEnded();
  });
  // a SIPp that cannot start rejects `done`: the call is simply over
  done.catch(() => {});

  const hangup = async (): Promise<void> => {
    if (over) return;
    const msg = hangupRequest(callId, o.transport, sipPort);
    try {
      if (o.transport === 'udp') await sendUdp(msg, sipPort);
      else await sendTcp(msg, sipPort);
    } catch {
      // SIPp gone: nothing to hang up
    }
  };

  return {
    callId,
    sipPort,
    dir: run.dir,
    kill: run.kill,
    events,
    answered,
    ended,
    done,
    onEvent: (l) => listeners.push(l),
    hangup,
  };
}

interface SippSpawn {
  scenario: string;
  target: { host: string; port: number };
  transport: 'udp' | 'tcp';
  number: string;
  sipPort: number;
  mediaPort: number;
  timeoutS: number;
  recvTimeoutMs: number;
  keys: Record<string, string | number>;
  callIdPattern: string;
}


/**
 * One SIPp run in a fresh temp directory (like the test harness' runner, which it mirrors), but detached: in
 * its own process group. Bounded by -timeout and a kill timer; killed if this process exits. The directory is
 * removed when this process exits if the call went well (set CALLGATE_KEEP_SIPP_RUNS to keep it).
 */
function runSipp(o: SippSpawn): { dir: string; done: Promise<SippResult>; kill(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'callgate-call-sipp-'));
  copyFileSync(o.scenario.startsWith('/') ? o.scenario : join(scenariosDir, o.scenario), join(dir, 'scenario.xml'));
  const args = [
    `${o.target.host}:${o.target.port}`,
    '-sf', 'scenario.xml',
    '-t', o.transport === 'tcp' ? 't1' : 'u1',
    '-i', '127.0.0.1',
    '-mi', '127.0.0.1',
    '-p', String(o.sipPort),
    '-mp', String(o.mediaPort),
    '-s', o.number,
    '-m', '1',
    '-cid_str', o.callIdPattern,
    '-timeout', `${o.timeoutS}s`,
    '-timeout_error',
    '-recv_timeout', String(o.recvTimeoutMs),
    '-nostdin',
    '-trace_err', '-error_file', 'errors.log',
    '-trace_logs', '-log_file', 'actions.log',
    '-trace_screen', '-screen_file', 'screen.log',
    '-trace_msg', '-message_file', 'messages.log',
  ];
  for (const [k, v] of Object.entries(o.keys)) args.push('-key', k, String(v));
  const started = Date.now();
  const child = spawn(sippBinary, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  const keep = (d: string): void => {
    stdout = (stdout + d).slice(-100_000);
  };
  child.stdout.setEncoding('latin1').on('data', keep);
  child.stderr.setEncoding('latin1').on('data', keep);
  const kill = (): void => {
    try {
      child.kill('SIGKILL');
    } catch {
      // gone
    }
  };
  const killer = setTimeout(kill, (o.timeoutS + 15) * 1000);
  process.once('exit', kill);
  const done = new Promise<SippResult>((resolve, reject) => {
    child.once('error', (err) => {
      clearTimeout(killer);
      process.off('exit', kill);
      reject(new Error(`cannot run ${sippBinary}: ${err.message} (SIPp is the Debian package sip-tester)`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      process.off('exit', kill);
      resolve(collectSippResult({ dir, args, stdout, startedAt: started }, code, signal));
    });
  });
  return { dir, done, kill };
}

async function freeTcpPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** the in-dialog request conversation.xml answers by hanging up */
export function hangupRequest(callId: string, transport: 'udp' | 'tcp', sippPort: number, fromPort = 9): string {
  const branch = `z9hG4bK-cg-${randomBytes(4).toString('hex')}`;
  return [
    `CGHANGUP sip:caller@127.0.0.1:${sippPort} SIP/2.0`,
    `Via: SIP/2.0/${transport.toUpperCase()} 127.0.0.1:${fromPort};branch=${branch}`,
    `From: <sip:callgate-caller@127.0.0.1>;tag=cg${randomBytes(3).toString('hex')}`,
    `To: <sip:caller@127.0.0.1:${sippPort}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 CGHANGUP',
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

function sendUdp(msg: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', (err) => {
      s.close();
      reject(err);
    });
    s.bind(0, '127.0.0.1', () => {
      const text = msg.replace(/127\.0\.0\.1:9;branch/, `127.0.0.1:${s.address().port};branch`);
      s.send(text, port, '127.0.0.1', (err) => {
        // keep the socket a moment so SIPp's 200 finds it
        setTimeout(() => s.close(), 500);
        if (err) reject(err);
        else resolve();
      });
    });
  });
}

function sendTcp(msg: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1', () => {
      c.write(msg.replace(/127\.0\.0\.1:9;branch/, `127.0.0.1:${c.localPort};branch`), () => {
        setTimeout(() => c.destroy(), 500);
        resolve();
      });
    });
    c.once('error', reject);
  });
}
