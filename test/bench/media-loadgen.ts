/**
 * The load generator of the `media` bench part, forked by `media.ts` into its own process (pinned to another
 * CPU than the bridge). One UDP socket per call on 127.0.0.1, like a phone each: it sends real 20 ms PCMU
 * packets to the call's bridge port and times what the bridge sends back.
 *
 * Calls' send phases are spread over the 20 ms period (call i sends at offset i mod 20 ms) by a 1 ms wheel
 * keyed to absolute deadlines, so lateness of the timer never becomes drift.
 *
 * Intervals read while the loadgen itself had stalled (its 1 ms wheel overdue by > 2 ms, or just caught up)
 * are left out and counted: on a shared machine they measure the loadgen's CPU, not the bridge.
 *
 * Modes per call:
 *  - `cycle` (capacity): 2 s of espeak-ng speech then 2 s of quiet line noise (about −54 dBFS RMS: just above
 *    the VAD's −55 dBFS energy gate, so the model runs on every window), looped, each call
 *    starting at its own place in the loop. Every packet the bridge sends back is timed: inter-arrival
 *    interval, RTP sequence gaps, RTP timestamp jumps (a paced tick that sent nothing).
 *  - `bargein`: quiet line noise until the agent's audio has played without a silent frame for 500 ms plus a
 *    random 0–600 ms, then 1.5 s of speech (starting at its first voiced sample), then noise again. Latency =
 *    arrival of the last non-silent packet (a payload of anything but μ-law zero) before 300 ms of silent
 *    packets, minus the send time of the first speech packet; both read with performance.now() here.
 *  - `listen`: sends nothing, times what arrives (the driver's floor measurement against a bare pacer).
 *
 * All requests come over the IPC channel; it exits when the channel closes.
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { g711, seededUniform } from '@callgate/media-bridge';
import { cpusAllowed } from './cpus.js';

/** What the driver sends; every request carries an id that the answer repeats. */
export type LoadgenRequest =
  /** `avoid`: the port range the wire capture attributes to the bridge; the caller sockets stay out of it */
  | { id: number; op: 'open'; count: number; avoid: { min: number; max: number } }
  | { id: number; op: 'start'; mode: 'cycle' | 'bargein' | 'listen'; calls: Array<{ index: number; bridgePort: number }> }
  | { id: number; op: 'reset' }
  /** `end` closes the window; `collect` then works out its figures */
  | { id: number; op: 'end' }
  | { id: number; op: 'collect' }
  | { id: number; op: 'bargein'; minTrials: number; limitMs: number }
  | { id: number; op: 'release'; indices: number[] };

/** What the outbound (bridge → caller) stream looked like over a measurement window. */
export interface WindowResult {
  calls: number;
  /** intervals measured (over all calls) */
  intervals: number;
  /** % of intervals left out because the loadgen itself had stalled (its own 1 ms wheel ran > 2 ms late) */
  taintedPct: number;
  /** p50 / p99 / max over all calls' intervals of |interval − 20 ms| */
  devP50Ms: number;
  devP99Ms: number;
  devMaxMs: number;
  /** max over calls of |p99 of the call's intervals − 20 ms| */
  perCallP99DevMaxMs: number;
  /** packets received from the bridge */
  rxPackets: number;
  /** packets the bridge sent per call per second (50 expected) */
  rxPps: number;
  /** RTP sequence numbers that never arrived */
  seqGaps: number;
  /** paced periods the bridge skipped (RTP timestamp jumped by more than one frame between consecutive packets) */
  tsSkips: number;
  reorders: number;
  /** calls that received nothing in the window */
  silentCalls: number;
  /** packets this process sent */
  txPackets: number;
  /** the loadgen's own health: CPU % of one core, event-loop delay p99 and the worst send lateness */
  loadgenCpuPct: number;
  loadgenLoopP99Ms: number;
  sendLateMaxMs: number;
  wallMs: number;
}

export interface BargeInResult {
  /** ms, one per valid trial */
  latencies: number[];
  /** trials where the agent's audio did not stop within 2 s */
  notStopped: number;
  /** trials where the audio had already stopped before the speech was sent */
  invalid: number;
}

export type LoadgenReply =
  | { id: number; ok: true; ports?: number[]; indices?: number[]; window?: WindowResult; bargein?: BargeInResult }
  | { id: number; ok: false; error: string };

export interface LoadgenReady {
  ready: true;
  cpusAllowed: string;
  pid: number;
}

const FRAME_MS = 20;
const FRAME_SAMPLES = 160;
const PACKET_BYTES = 12 + FRAME_SAMPLES;
const mulaw = g711('PCMU');


/** `text` spoken by espeak-ng, as 8 kHz 16-bit mono PCM (sox resamples). */
function espeak(text: string): Int16Array {
  const dir = mkdtempSync(join(tmpdir(), 'callgate-bench-'));
  try {
    const wav = join(dir, 'speech.wav');
    const raw = join(dir, 'speech.raw');
    for (const [cmd, args] of [
      ['espeak-ng', ['-v', 'en-us', '-s', '150', '-w', wav, text]],
      ['sox', [wav, '-r', '8000', '-b', '16', '-c', '1', '-e', 'signed-integer', '-L', raw]],
    ] as const) {
      const r = spawnSync(cmd, args, { encoding: 'utf8' });
      if (r.error || r.status !== 0) throw new Error(`${cmd} failed (the media bench needs espeak-ng and sox): ${r.error?.message ?? r.stderr}`);
    }
    const bytes = readFileSync(raw);
    const pcm = new Int16Array(bytes.length >> 1);
    for (let i = 0; i < pcm.length; i++) pcm[i] = bytes.readInt16LE(2 * i);
    return pcm;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `ms` of speech starting at the first voiced sample (|x| > 1000), as μ-law 20 ms frames */
function speechFrames(pcm: Int16Array, ms: number): Buffer[] {
  const first = pcm.findIndex((s) => Math.abs(s) > 1000);
  if (first < 0) throw new Error('espeak-ng produced no voiced audio');
  const frames: Buffer[] = [];
  for (let i = 0; i < ms / FRAME_MS; i++) {
    const frame = new Int16Array(FRAME_SAMPLES);
    frame.set(pcm.subarray(Math.min(pcm.length, first + i * FRAME_SAMPLES), Math.min(pcm.length, first + (i + 1) * FRAME_SAMPLES)));
    frames.push(Buffer.from(mulaw.encode(frame)));
  }
  return frames;
}

/** quiet line noise (uniform ±114: about −54 dBFS RMS), seeded, as μ-law 20 ms frames */
function noiseFrames(count: number, seed: number): Buffer[] {
  const next = seededUniform(seed);
  return Array.from({ length: count }, () => Buffer.from(mulaw.encode(Int16Array.from({ length: FRAME_SAMPLES }, () => Math.round(next() * 114)))));
}

/** true when every byte is μ-law zero (0xFF, or its negative twin 0x7F): the bridge's silence frame */
function silentPayload(msg: Buffer): boolean {
  for (let i = 12; i < msg.length; i++) {
    const b = msg[i]!;
    if (b !== 0xff && b !== 0x7f) return false;
  }
  return true;
}

interface BargeState {
  phase: 'waiting' | 'speaking';
  /** wait this long into an unbroken run of agent audio before speaking */
  waitMs: number;
  /** start of the current run of non-silent agent packets */
  runStart: number | undefined;
  /** send time of the first speech packet */
  t0: number;
  /** index of the next speech frame (speechFrames.length: done) */
  speechPos: number;
  lastAudioAt: number | undefined;
  silentRun: number;
}

interface Call {
  index: number;
  socket: dgram.Socket;
  port: number;
  bridgePort: number;
  /** listen: receive and time only (the null pacer) */
  mode: 'cycle' | 'bargein' | 'listen' | 'idle';
  ssrc: number;
  seq: number;
  ts: number;
  /** position in the capacity cycle */
  pos: number;
  first: boolean;
  // outbound measurement
  lastArrival: number | undefined;
  /** the last arrival was read during a loadgen stall */
  lastStalled: boolean;
  /** intervals left out because the loadgen had stalled */
  tainted: number;
  lastSeq: number;
  lastTs: number;
  intervals: number[];
  rx: number;
  gaps: number;
  tsSkips: number;
  reorders: number;
  barge?: BargeState;
}

const speech = espeak('hello, I would like to book an appointment for tomorrow morning, please, at ten');
const cycleSpeech = speechFrames(speech, 2000);
const bargeSpeech = speechFrames(speech, 1500);
const noise = noiseFrames(97, 7);
const cycleFrames = [...cycleSpeech, ...Array.from({ length: 100 }, (_, i) => noise[i % noise.length]!)];

const calls: Call[] = [];
/** the send wheel: bucket b holds the calls that send at ms b of each 20 ms period */
const wheel: Set<Call>[] = Array.from({ length: FRAME_MS }, () => new Set<Call>());
let measuring = false;
let win = { start: 0, cpu: process.cpuUsage(), tx: 0, lateMax: 0 };
let txPackets = 0;
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
const trials: BargeInResult = { latencies: [], notStopped: 0, invalid: 0 };
const BARGE_RUN_MS = 500;
const BARGE_STOP_SILENT_PACKETS = 15;
const BARGE_GIVE_UP_MS = 2000;

function packet(call: Call, payload: Buffer): Buffer {
  const b = Buffer.allocUnsafe(PACKET_BYTES);
  b[0] = 0x80;
  b[1] = call.first ? 0x80 : 0x00;
  b.writeUInt16BE(call.seq, 2);
  b.writeUInt32BE(call.ts >>> 0, 4);
  b.writeUInt32BE(call.ssrc, 8);
  payload.copy(b, 12);
  call.first = false;
  call.seq = (call.seq + 1) & 0xffff;
  call.ts = (call.ts + FRAME_SAMPLES) >>> 0;
  return b;
}

function sendOne(call: Call, now: number): void {
  let payload: Buffer;
  if (call.mode === 'cycle') {
    payload = cycleFrames[call.pos]!;
    call.pos = (call.pos + 1) % cycleFrames.length;
  } else {
    const b = call.barge!;
    if (b.phase === 'waiting' && b.runStart !== undefined && now - b.runStart >= BARGE_RUN_MS + b.waitMs) {
      b.phase = 'speaking';
      b.speechPos = 0;
      b.lastAudioAt = undefined;
      b.silentRun = 0;
      b.t0 = performance.now();
    }
    if (b.phase === 'speaking' && b.speechPos < bargeSpeech.length) payload = bargeSpeech[b.speechPos++]!;
    else {
      payload = noise[call.pos % noise.length]!;
      call.pos++;
    }
    if (b.phase === 'speaking' && now - b.t0 > BARGE_GIVE_UP_MS) {
      trials.notStopped++;
      nextTrial(b);
    }
  }
  call.socket.send(packet(call, payload), call.bridgePort, '127.0.0.1');
  txPackets++;
}

function nextTrial(b: BargeState): void {
  b.phase = 'waiting';
  b.runStart = undefined;
  b.waitMs = Math.random() * 600;
}

/** the wheel: absolute 1 ms deadlines from `t0`, every bucket due by now runs (no drift, no skipped packets) */
let wheelT0 = 0;
let wheelK = 0;
let wheelTimer: NodeJS.Timeout | undefined;
/** when the wheel last caught up after running more than STALL_MS late (the loadgen itself had stalled) */
let stallEndedAt = -Infinity;
const STALL_MS = 2;
function runWheel(): void {
  wheelTimer = undefined;
  const now = performance.now();
  if (now - (wheelT0 + wheelK) > STALL_MS) stallEndedAt = now;
  while (wheelT0 + wheelK <= now) {
    const late = now - (wheelT0 + wheelK);
    if (measuring && late > win.lateMax) win.lateMax = late;
    for (const call of wheel[wheelK % FRAME_MS]!) sendOne(call, now);
    wheelK++;
  }
  scheduleWheel();
}
function scheduleWheel(): void {
  if (wheelTimer || !calls.some((c) => c.mode !== 'idle')) return;
  wheelTimer = setTimeout(runWheel, Math.max(0, wheelT0 + wheelK - performance.now()));
}

/**
 * true while this process's own timing cannot be trusted: its 1 ms wheel is overdue by more than STALL_MS (the
 * process was not running), or caught up from such a stall less than 1 ms ago. A packet read then may have
 * waited in the socket for the loadgen, not for the bridge.
 */
function loadgenStalled(now: number): boolean {
  return now - (wheelT0 + wheelK) > STALL_MS || now - stallEndedAt < 1;
}

function onRtp(call: Call, msg: Buffer, from: dgram.RemoteInfo): void {
  const now = performance.now();
  if (from.port !== call.bridgePort || msg.length < 12 || (msg[1]! & 0x7f) !== 0) return; // RTCP or strays
  const seq = msg.readUInt16BE(2);
  const ts = msg.readUInt32BE(4);
  if (call.barge) onBargeAudio(call.barge, msg, now);
  const stalled = loadgenStalled(now);
  if (call.lastArrival !== undefined) {
    const d = (seq - call.lastSeq) & 0xffff;
    if (d === 0 || d > 0x8000) {
      call.reorders++;
      return;
    }
    if (measuring) {
      // an interval that starts or ends at a reading delayed by the loadgen's own stall says nothing of the bridge
      if (stalled || call.lastStalled) call.tainted++;
      else call.intervals.push(now - call.lastArrival);
      call.rx++;
      call.gaps += d - 1;
      const frames = ((ts - call.lastTs) >>> 0) / FRAME_SAMPLES;
      if (frames > d) call.tsSkips += Math.round(frames - d);
    }
  }
  call.lastArrival = now;
  call.lastStalled = stalled;
  call.lastSeq = seq;
  call.lastTs = ts;
}

function onBargeAudio(b: BargeState, msg: Buffer, now: number): void {
  const silent = silentPayload(msg);
  if (b.phase === 'waiting') {
    if (silent) b.runStart = undefined;
    else b.runStart ??= now;
    return;
  }
  if (!silent) {
    b.lastAudioAt = now;
    b.silentRun = 0;
    return;
  }
  if (++b.silentRun < BARGE_STOP_SILENT_PACKETS) return;
  if (b.lastAudioAt === undefined) trials.invalid++;
  else trials.latencies.push(b.lastAudioAt - b.t0);
  nextTrial(b);
}

/** the window's end, taken by `end` (cheap: the sends go on) for `collect` to read */
let ended: { wallMs: number; cpu: NodeJS.CpuUsage; tx: number } | undefined;

/** Ends the window: the counters stop and its length, CPU and sends are kept. Costs nothing the sends would feel. */
function end(): void {
  measuring = false;
  ended = { wallMs: performance.now() - win.start, cpu: process.cpuUsage(win.cpu), tx: txPackets - win.tx };
}

/** the p-th percentile of a sorted typed array */
function percentileOf(sorted: Float64Array, p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * The window's figures. The intervals are sorted as typed arrays (a native numeric sort): this runs on the
 * loadgen's only thread while its calls keep sending, and a comparator sort of ~100k numbers held the sends up
 * for ~100 ms, a stall the bridge then saw as a burst of late packets.
 */
function collect(): WindowResult {
  if (!ended) end();
  const { wallMs, cpu, tx } = ended!;
  ended = undefined;
  const active = calls.filter((c) => c.mode !== 'idle');
  const devs = new Float64Array(active.reduce((n, c) => n + c.intervals.length, 0));
  let filled = 0;
  let perCallP99DevMaxMs = 0;
  const r = { rx: 0, gaps: 0, tsSkips: 0, reorders: 0, silent: 0, tainted: 0 };
  for (const c of active) {
    if (c.rx === 0) r.silent++;
    for (const iv of c.intervals) devs[filled++] = Math.abs(iv - FRAME_MS);
    const sorted = Float64Array.from(c.intervals).sort();
    if (sorted.length) perCallP99DevMaxMs = Math.max(perCallP99DevMaxMs, Math.abs(percentileOf(sorted, 99) - FRAME_MS));
    r.rx += c.rx;
    r.gaps += c.gaps;
    r.tsSkips += c.tsSkips;
    r.reorders += c.reorders;
    r.tainted += c.tainted;
  }
  devs.sort();
  return {
    calls: active.length,
    intervals: devs.length,
    taintedPct: (100 * r.tainted) / Math.max(1, r.tainted + devs.length),
    devP50Ms: percentileOf(devs, 50),
    devP99Ms: percentileOf(devs, 99),
    devMaxMs: devs.length ? devs[devs.length - 1]! : NaN,
    perCallP99DevMaxMs,
    rxPackets: r.rx,
    rxPps: active.length ? r.rx / active.length / (wallMs / 1000) : 0,
    seqGaps: r.gaps,
    tsSkips: r.tsSkips,
    reorders: r.reorders,
    silentCalls: r.silent,
    txPackets: tx,
    loadgenCpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
    loadgenLoopP99Ms: loopDelay.percentile(99) / 1e6,
    sendLateMaxMs: win.lateMax,
    wallMs,
  };
}

function reset(): void {
  for (const c of calls) {
    c.intervals = [];
    c.rx = c.gaps = c.tsSkips = c.reorders = c.tainted = 0;
  }
  loopDelay.reset();
  win = { start: performance.now(), cpu: process.cpuUsage(), tx: txPackets, lateMax: 0 };
  measuring = true;
}

/**
 * A socket on a port the kernel picks outside `avoid`: its ephemeral range overlaps the bridge's RTP ports, and a
 * caller socket there would be counted as the bridge by the wire capture, which tells the two apart by port.
 */
async function bindOutside(avoid: { min: number; max: number }): Promise<dgram.Socket> {
  const parked: dgram.Socket[] = [];
  try {
    for (let tries = 0; tries < 1000; tries++) {
      const socket = dgram.createSocket('udp4');
      socket.bind(0, '127.0.0.1');
      await once(socket, 'listening');
      const port = socket.address().port;
      if (port < avoid.min || port > avoid.max) return socket;
      parked.push(socket); // held until the end, so the kernel does not offer it again
    }
    throw new Error(`no free port outside ${avoid.min}-${avoid.max}`);
  } finally {
    for (const s of parked) s.close();
  }
}

async function open(count: number, avoid: { min: number; max: number }): Promise<{ ports: number[]; indices: number[] }> {
  const ports: number[] = [];
  const indices: number[] = [];
  for (let i = 0; i < count; i++) {
    const socket = await bindOutside(avoid);
    const index = calls.length;
    const call: Call = {
      index,
      socket,
      port: socket.address().port,
      bridgePort: 0,
      mode: 'idle',
      ssrc: (0x10000 + index * 7919) >>> 0,
      seq: (index * 1013) & 0xffff,
      ts: (index * 160_001) >>> 0,
      pos: (index * 53) % cycleFrames.length,
      first: true,
      lastArrival: undefined,
      lastStalled: false,
      tainted: 0,
      lastSeq: 0,
      lastTs: 0,
      intervals: [],
      rx: 0,
      gaps: 0,
      tsSkips: 0,
      reorders: 0,
    };
    socket.on('message', (msg, from) => onRtp(call, msg, from));
    calls.push(call);
    ports.push(call.port);
    indices.push(index);
  }
  return { ports, indices };
}

function start(mode: 'cycle' | 'bargein' | 'listen', list: Array<{ index: number; bridgePort: number }>): void {
  if (!calls.some((c) => c.mode !== 'idle')) {
    wheelT0 = performance.now();
    wheelK = 0;
  }
  for (const { index, bridgePort } of list) {
    const call = calls[index]!;
    call.bridgePort = bridgePort;
    call.mode = mode;
    if (mode === 'bargein') call.barge = { phase: 'waiting', waitMs: Math.random() * 600, runStart: undefined, t0: 0, speechPos: 0, lastAudioAt: undefined, silentRun: 0 };
    if (mode !== 'listen') wheel[index % FRAME_MS]!.add(call);
  }
  scheduleWheel();
}

function release(indices: number[]): void {
  for (const i of indices) {
    const call = calls[i];
    if (!call || call.mode === 'idle') continue;
    call.mode = 'idle';
    wheel[i % FRAME_MS]!.delete(call);
    call.socket.close();
  }
}

async function bargein(minTrials: number, limitMs: number): Promise<BargeInResult> {
  trials.latencies = [];
  trials.notStopped = 0;
  trials.invalid = 0;
  const deadline = performance.now() + limitMs;
  while (trials.latencies.length + trials.notStopped < minTrials && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return { latencies: [...trials.latencies], notStopped: trials.notStopped, invalid: trials.invalid };
}

async function handle(req: LoadgenRequest): Promise<LoadgenReply> {
  switch (req.op) {
    case 'open':
      return { id: req.id, ok: true, ...(await open(req.count, req.avoid)) };
    case 'start':
      start(req.mode, req.calls);
      return { id: req.id, ok: true };
    case 'reset':
      reset();
      return { id: req.id, ok: true };
    case 'end':
      end();
      return { id: req.id, ok: true };
    case 'collect':
      return { id: req.id, ok: true, window: collect() };
    case 'bargein':
      return { id: req.id, ok: true, bargein: await bargein(req.minTrials, req.limitMs) };
    case 'release':
      release(req.indices);
      return { id: req.id, ok: true };
  }
}

if (!process.send) throw new Error('media-loadgen: run me with child_process.fork (an IPC channel is needed)');
process.on('message', (msg: LoadgenRequest) => {
  handle(msg).then(
    (reply) => process.send?.(reply),
    (err: unknown) => process.send?.({ id: msg.id, ok: false, error: (err as Error).message ?? String(err) } satisfies LoadgenReply),
  );
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true, cpusAllowed: cpusAllowed(), pid: process.pid } satisfies LoadgenReady);
