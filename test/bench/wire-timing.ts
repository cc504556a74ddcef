/**
 * Wire timing for the `media` bench: tcpdump captures the RTP on the loopback interface and the intervals are read
 * from the kernel's timestamps instead of a receiver's event loop. On loopback the kernel stamps a packet inside
 * the sender's sendto(), so the outbound intervals are the bridge's own pacing, free of the delay with which the
 * load generator's event loop happens to read its sockets; the inbound intervals show how evenly the load
 * generator really sent (a burst there explains late packets at the bridge).
 *
 * Only Node built-ins; tcpdump is a Debian package (scripts/setup.sh installs it). Without it the bench says so
 * and judges by the load generator's reading alone.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile } from './sip.js';

/** One captured RTP audio packet. */
export interface WirePacket {
  /** kernel timestamp, ns */
  tNs: bigint;
  srcPort: number;
  dstPort: number;
  seq: number;
  ts: number;
  /** the RTP marker bit: the first packet of a talkspurt */
  marker: boolean;
}

/** Interval statistics of one direction over a capture. */
export interface WireStats {
  packets: number;
  flows: number;
  intervals: number;
  /** over every interval of every flow: |interval − 20 ms| */
  devP50Ms: number;
  devP99Ms: number;
  devMaxMs: number;
  /** the longest interval seen, ms */
  maxIntervalMs: number;
  /** intervals ending at a talkspurt's first packet (marker bit), of which `talkspurtShifts` were off by > 2 ms */
  talkspurtStarts: number;
  talkspurtShifts: number;
  /** unmarked intervals off by more than 2 ms */
  offIntervals: number;
  /** RTP sequence numbers missing inside a flow */
  seqGaps: number;
  /** periods skipped: the RTP timestamp advanced more frames than the sequence number */
  tsSkips: number;
}

const FRAME_MS = 20;
const FRAME_SAMPLES = 160;
/** longer than libpcap's one-second block timeout */
const FLUSH_MS = 1200;

/**
 * Reads a classic pcap file (µs or ns timestamps, either byte order; Ethernet, Linux cooked v1/v2 link types) and
 * returns its IPv4/UDP RTP packets of payload type 0 or 8. A truncated last record is ignored.
 */
export function parsePcap(buf: Buffer): WirePacket[] {
  if (buf.length < 24) return [];
  const magicLE = buf.readUInt32LE(0);
  const le = magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d;
  const magic = le ? magicLE : buf.readUInt32BE(0);
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error('not a pcap file');
  const nano = magic === 0xa1b23c4d;
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20);
  const linkHeader = linkType === 1 ? 14 : linkType === 113 ? 16 : linkType === 276 ? 20 : -1;
  if (linkHeader < 0) throw new Error(`pcap link type ${linkType} not handled`);
  const out: WirePacket[] = [];
  for (let o = 24; o + 16 <= buf.length; ) {
    const sec = u32(o);
    const frac = u32(o + 4);
    const incl = u32(o + 8);
    const data = o + 16;
    o = data + incl;
    if (o > buf.length) break;
    const ip = data + linkHeader;
    if (ip + 20 > data + incl || buf[ip]! >> 4 !== 4 || buf[ip + 9] !== 17) continue;
    const udp = ip + (buf[ip]! & 0x0f) * 4;
    const rtp = udp + 8;
    if (rtp + 12 > data + incl || buf[rtp]! >> 6 !== 2) continue;
    const pt = buf[rtp + 1]! & 0x7f;
    if (pt !== 0 && pt !== 8) continue;
    out.push({
      tNs: BigInt(sec) * 1_000_000_000n + BigInt(frac) * (nano ? 1n : 1000n),
      srcPort: buf.readUInt16BE(udp),
      dstPort: buf.readUInt16BE(udp + 2),
      seq: buf.readUInt16BE(rtp + 2),
      ts: buf.readUInt32BE(rtp + 4),
      marker: (buf[rtp + 1]! & 0x80) !== 0,
    });
  }
  return out;
}

/** Interval statistics of the packets `pick` selects, per (source, destination) flow. */
export function wireStats(packets: WirePacket[], pick: (p: WirePacket) => boolean): WireStats {
  const last = new Map<string, WirePacket>();
  const devs: number[] = [];
  let maxIntervalMs = 0;
  let seqGaps = 0;
  let tsSkips = 0;
  let count = 0;
  let talkspurtStarts = 0;
  let talkspurtShifts = 0;
  let offIntervals = 0;
  for (const p of packets) {
    if (!pick(p)) continue;
    count++;
    const key = `${p.srcPort}>${p.dstPort}`;
    const prev = last.get(key);
    if (prev) {
      const d = (p.seq - prev.seq) & 0xffff;
      if (d === 0 || d > 0x8000) continue; // a duplicate or a reordered packet: no interval
      const iv = Number(p.tNs - prev.tNs) / 1e6;
      devs.push(Math.abs(iv - FRAME_MS));
      if (p.marker) talkspurtStarts++;
      if (Math.abs(iv - FRAME_MS) > 2) {
        if (p.marker) talkspurtShifts++;
        else offIntervals++;
      }
      maxIntervalMs = Math.max(maxIntervalMs, iv);
      seqGaps += d - 1;
      const frames = ((p.ts - prev.ts) >>> 0) / FRAME_SAMPLES;
      if (frames > d) tsSkips += Math.round(frames - d);
    }
    last.set(key, p);
  }
  devs.sort((a, b) => a - b);
  return {
    packets: count,
    flows: last.size,
    intervals: devs.length,
    devP50Ms: percentile(devs, 50),
    devP99Ms: percentile(devs, 99),
    devMaxMs: devs.length ? devs[devs.length - 1]! : NaN,
    maxIntervalMs,
    talkspurtStarts,
    talkspurtShifts,
    offIntervals,
    seqGaps,
    tsSkips,
  };
}

/** A tcpdump capture of the UDP to and from a port range on loopback. */
export class WireCapture {
  private proc: ChildProcess | undefined;
  private stderr = '';
  private readonly dir = mkdtempSync(join(tmpdir(), 'callgate-wire-'));
  private readonly file = join(this.dir, 'rtp.pcap');

  /** tcpdump is installed and runs here (it needs root or CAP_NET_RAW to capture) */
  static available(): boolean {
    return spawnSync('tcpdump', ['--version'], { stdio: 'ignore' }).status === 0;
  }

  constructor(
    private readonly portMin: number,
    private readonly portMax: number,
    /** pin tcpdump to this CPU (the load generator's, not the bridge's) */
    private readonly cpu?: number,
  ) {}

  /** starts capturing; resolves once tcpdump listens */
  start(): Promise<void> {
    const filter = `udp and (src portrange ${this.portMin}-${this.portMax} or dst portrange ${this.portMin}-${this.portMax})`;
    const args = ['-i', 'lo', '-n', '-p', '-s', '96', '-B', '32768', '--time-stamp-precision=nano', '-w', this.file, filter];
    const [cmd, argv] = this.cpu === undefined ? ['tcpdump', args] : ['taskset', ['-c', String(this.cpu), 'tcpdump', ...args]];
    const proc = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`tcpdump did not start in 10 s: ${this.stderr.trim()}`)), 10_000);
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(err);
      };
      proc.stderr!.on('data', (d: Buffer) => {
        this.stderr += d.toString();
        if (this.stderr.includes('listening on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('error', fail);
      proc.once('exit', (code) => fail(new Error(`tcpdump exited (${code}): ${this.stderr.trim()}`)));
    });
  }

  /**
   * Ends the capture at this moment and returns its packets (those stamped until now) and the count the kernel
   * dropped (NaN when tcpdump did not say). tcpdump writes what libpcap hands it block by block, a block when full
   * or a second after it opened, and on SIGINT the open block is lost: so it runs on for FLUSH_MS first and the
   * packets after the end are cut off by their timestamps (the kernel's are on the realtime clock, like Date).
   */
  async stop(): Promise<{ packets: WirePacket[]; kernelDrops: number }> {
    const proc = this.proc;
    if (!proc) throw new Error('capture not started');
    this.proc = undefined;
    const endNs = BigInt(Date.now()) * 1_000_000n;
    if (proc.exitCode === null && proc.signalCode === null) {
      await new Promise((r) => setTimeout(r, FLUSH_MS));
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGINT');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    try {
      const drops = /(\d+) packets? dropped by kernel/.exec(this.stderr);
      const packets = parsePcap(readFileSync(this.file)).filter((p) => p.tNs <= endNs);
      return { packets, kernelDrops: drops ? Number(drops[1]) : NaN };
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** best effort, for exit paths */
  kill(): void {
    this.proc?.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
