/**
 * The measured process of the `media` bench part: a media bridge (port pool, 20 ms pacer, Silero VAD, the
 * in-process control) alone in its own process, driven over the IPC channel by `media.ts`. The driver forks it
 * pinned to one CPU (`taskset -c 1`), so its `process.cpuUsage()` (every thread, onnxruntime's included) is the
 * cost of the calls on that one core. It exits when the IPC channel closes (the driver ended or died).
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mediaSchema, silentLogger, BUILTIN_DEMO_AGENT, type MediaEvent } from '@callgate/contracts';
import { Pacer, startMediaBridge, type MediaBridge, type PacerTick } from '@callgate/media-bridge';
import { cpusAllowed, threadsCpuMs } from './cpus.js';

/** What the driver sends. Every request carries an id; the answer repeats it. */
export type BridgeRequest =
  | { id: number; op: 'allocate'; remotePorts: number[] }
  | { id: number; op: 'release'; endpointIds: string[] }
  | { id: number; op: 'snapshot' }
  | { id: number; op: 'nullpace'; remotePorts: number[]; runMs: number; port?: number }
  | { id: number; op: 'stop' };

/** Packet counters summed over the live endpoints. */
export interface BridgeCounters {
  endpoints: number;
  rxPackets: number;
  rxLost: number;
  lateDiscards: number;
  overflowDrops: number;
  concealed: number;
  txPackets: number;
  sendErrors: number;
}

/** The process's resources and counters at one moment. */
export interface BridgeSnapshot {
  /** process.hrtime in ms */
  atMs: number;
  /** user + system CPU of the whole process (all threads), µs */
  cpuUs: number;
  rssKb: number;
  heapUsedKb: number;
  counters: BridgeCounters;
  /** event-loop delay since the previous snapshot, ms */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** barge_in and speech_start events since start */
  bargeIns: number;
  speechStarts: number;
  /** CPU time per thread (Linux: /proc/self/task), ms, keyed `tid:name` */
  threadsCpuMs: Record<string, number>;
  /** page faults that had to read from disk, since start (process.resourceUsage) */
  majorFaults: number;
}

export type BridgeReply =
  | { id: number; ok: true; calls?: Array<{ endpointId: string; port: number }>; snapshot?: BridgeSnapshot; port?: number }
  | { id: number; ok: false; error: string };

/** Sent once when the bridge is up. */
export interface BridgeReady {
  ready: true;
  cpusAllowed: string;
  pid: number;
}

/** The bridge's configuration, from argv[2] (JSON): the `media` config section. */
function configFromArgv(): unknown {
  const arg = process.argv[2];
  return arg ? (JSON.parse(arg) as unknown) : {};
}


/**
 * The measurement floor: a pacer like the bridge's (its own `Pacer`, same clock and timers) that only sends a
 * 20 ms packet to each remote port per tick, with no call work at all, for `runMs`. What the loadgen sees of it
 * is the jitter this machine, Node's timers and the loadgen's own timing add to any bridge. Resolves with the
 * sending port as soon as the socket is bound; stops by itself.
 */
async function nullPace(remotePorts: number[], runMs: number, port = 0): Promise<number> {
  const socket = dgram.createSocket('udp4');
  socket.bind(port, '127.0.0.1');
  await once(socket, 'listening');
  const pacer = new Pacer(); // the bridge's clock and timers (polling the last ms, like the service's)
  let seq = 0;
  let ts = 0;
  const payload = Buffer.alloc(160, 0xff);
  const endpoint = {
    onTick(tick: PacerTick): void {
      ts = (ts + 160 * tick.periods) >>> 0;
      const header = Buffer.alloc(12);
      header[0] = 0x80;
      header.writeUInt16BE(seq, 2);
      header.writeUInt32BE(ts, 4);
      seq = (seq + 1) & 0xffff;
      const packet = Buffer.concat([header, payload]);
      for (const port of remotePorts) socket.send(packet, port, '127.0.0.1');
    },
  };
  setTimeout(() => {
    pacer.stop();
    socket.close();
  }, runMs);
  // start on the next tick: the driver gets the port first
  setImmediate(() => pacer.register(endpoint));
  return socket.address().port;
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('media-bridge-proc: run me with child_process.fork (an IPC channel is needed)');
  const config = mediaSchema.parse(configFromArgv());
  // the appliance's defaults (RTP timeout 30 s, 60 s of received audio kept per call)
  const bridge: MediaBridge = await startMediaBridge(config, silentLogger);
  // a timer every 10 ms (cheap enough not to weigh on what is measured); it records whole intervals, so the
  // delay is the recorded value minus the resolution
  const LOOP_RESOLUTION_MS = 10;
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  let bargeIns = 0;
  let speechStarts = 0;
  bridge.control.onEvent((e: MediaEvent) => {
    if (e.type === 'barge_in') bargeIns++;
    else if (e.type === 'speech_start') speechStarts++;
  });
  let seq = 0;

  const counters = (): BridgeCounters => {
    const c: BridgeCounters = { endpoints: 0, rxPackets: 0, rxLost: 0, lateDiscards: 0, overflowDrops: 0, concealed: 0, txPackets: 0, sendErrors: 0 };
    for (const id of bridge.control.activeEndpoints()) {
      const s = bridge.control.stats(id);
      if (!s) continue;
      c.endpoints++;
      c.rxPackets += s.received.packets;
      c.rxLost += s.received.lost;
      c.lateDiscards += s.jitterBuffer.lateDiscards;
      c.overflowDrops += s.jitterBuffer.overflowDrops;
      c.concealed += s.jitterBuffer.concealed;
      c.txPackets += s.sent.packets;
      c.sendErrors += s.sent.sendErrors;
    }
    return c;
  };

  const snapshot = (): BridgeSnapshot => {
    const cpu = process.cpuUsage();
    const snap: BridgeSnapshot = {
      atMs: Number(process.hrtime.bigint()) / 1e6,
      cpuUs: cpu.user + cpu.system,
      rssKb: Math.round(process.memoryUsage.rss() / 1024),
      heapUsedKb: Math.round(process.memoryUsage().heapUsed / 1024),
      counters: counters(),
      loopDelayP99Ms: Math.max(0, loop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS),
      loopDelayMaxMs: Math.max(0, loop.max / 1e6 - LOOP_RESOLUTION_MS),
      bargeIns,
      speechStarts,
      threadsCpuMs: threadsCpuMs(),
      majorFaults: process.resourceUsage().majorPageFault,
    };
    loop.reset();
    return snap;
  };

  const handle = async (req: BridgeRequest): Promise<BridgeReply> => {
    switch (req.op) {
      case 'allocate': {
        const calls: Array<{ endpointId: string; port: number }> = [];
        for (const remotePort of req.remotePorts) {
          const alloc = await bridge.control.allocate({
            v: 1,
            sessionId: `bench-${++seq}`,
            codec: { name: 'PCMU', payloadType: 0, clockRate: 8000 },
            telephoneEventPayloadType: 101,
            remote: { address: '127.0.0.1', port: remotePort, direction: 'sendrecv' },
            agent: BUILTIN_DEMO_AGENT,
          });
          await bridge.control.connect(alloc.endpointId, { callId: `bench-call-${seq}` });
          calls.push({ endpointId: alloc.endpointId, port: alloc.port });
        }
        return { id: req.id, ok: true, calls };
      }
      case 'release':
        for (const id of req.endpointIds) await bridge.control.release(id, 'bench');
        return { id: req.id, ok: true };
      case 'snapshot':
        return { id: req.id, ok: true, snapshot: snapshot() };
      case 'nullpace':
        return { id: req.id, ok: true, port: await nullPace(req.remotePorts, req.runMs, req.port) };
      case 'stop':
        await bridge.stop();
        return { id: req.id, ok: true };
    }
  };

  process.on('message', (msg: BridgeRequest) => {
    handle(msg).then(
      (reply) => process.send?.(reply),
      (err: unknown) => process.send?.({ id: msg.id, ok: false, error: (err as Error).message ?? String(err) } satisfies BridgeReply),
    );
  });
  // the driver went away: nothing more to do here
  process.on('disconnect', () => {
    void bridge.stop().finally(() => process.exit(0));
  });
  process.send({ ready: true, cpusAllowed: cpusAllowed(), pid: process.pid } satisfies BridgeReady);
}

main().catch((err: unknown) => {
  console.error('media-bridge-proc: failed:', err);
  process.exit(1);
});
