/**
 * The appliance's private Redis: a `redis-server` child process configured entirely on its command line (no
 * system config file is read), bound to loopback, holding the BullMQ queues of agent-core.
 *
 * Persistence: append-only file on, `appendfsync everysec` by default. Every write BullMQ makes (a job added,
 * moved to active, completed with its result) is appended to the AOF and fsynced once a second, so a crash of the
 * machine or of redis loses at most about one second of queue state, and a clean stop (SIGTERM → redis fsyncs the
 * AOF before exiting) loses nothing: a queued or finished job is still there after `restart()`. `appendfsync
 * always` (fsync on every write) is offered for installations that prefer zero loss over write latency. RDB
 * snapshots are off unless save points are given: the AOF already holds everything and a fork for BGSAVE only
 * adds latency and memory. `maxmemory-policy noeviction` because BullMQ requires it: an evicted job key corrupts
 * the queue, whereas a refused write surfaces as an error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface RedisPersistence {
  /** AOF fsync policy: 'everysec' (default, at most ~1 s of writes lost on a crash) or 'always' */
  appendfsync?: 'everysec' | 'always';
  /** RDB save points such as `['3600 1', '300 100']` (seconds changes); none by default (AOF only) */
  rdbSavePoints?: string[];
}

export interface PrivateRedisOptions {
  port: number;
  /** working directory of redis (`dir`): the AOF lives under it; created when missing */
  dataDir: string;
  /** address to listen on (default 127.0.0.1) */
  bind?: string;
  persistence?: RedisPersistence;
  /** redis `maxmemory` such as '256mb' (default: no limit) */
  maxmemory?: string;
  /** the server binary (default `redis-server` from PATH) */
  redisServer?: string;
  /** how long to wait until PING answers (default 10 000 ms) */
  startTimeoutMs?: number;
  /** how long `stop()` waits for a clean exit before SIGKILL (default 10 000 ms) */
  stopTimeoutMs?: number;
  /** probe the port before spawning (default true; false leaves the diagnosis to redis' own log line) */
  checkPortFirst?: boolean;
  /** remove `dataDir` after `stop()` (used by `startTestRedis`) */
  removeDataDirOnStop?: boolean;
  /** every line redis logs (it logs to stdout) */
  onLog?: (line: string) => void;
}

export type RedisStartFailure = 'not_installed' | 'port_in_use' | 'exited' | 'timeout';

export class RedisStartError extends Error {
  constructor(
    readonly reason: RedisStartFailure,
    message: string,
  ) {
    super(message);
    this.name = 'RedisStartError';
  }
}

/** Connection options for BullMQ / ioredis. */
export interface RedisConnectionInfo {
  host: string;
  port: number;
}

const LOG_LINES_KEPT = 40;

// children still running when this process exits are killed so that a crashed test leaves no redis behind
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of liveChildren) c.kill('SIGKILL');
    });
  }
}

/** the address clients use to reach a server bound to `bind` */
function clientHost(bind: string): string {
  if (bind === '0.0.0.0' || bind === '*') return '127.0.0.1';
  if (bind === '::' || bind === '::*') return '::1';
  return bind.startsWith('-') ? bind.slice(1) : bind;
}

/** resolves when nothing listens on bind:port; rejects with a port_in_use RedisStartError otherwise */
export async function assertPortFree(port: number, bind = '127.0.0.1'): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new RedisStartError(
            'port_in_use',
            `private redis: port ${port} on ${bind} is already in use (another redis-server or process listens ` +
              `there); stop it or configure another port`,
          ),
        );
      } else {
        reject(new RedisStartError('exited', `private redis: cannot listen on ${bind}:${port}: ${err.message}`));
      }
    });
    probe.listen({ port, host: clientHost(bind), exclusive: true }, () => probe.close(() => resolve()));
  });
}

/**
 * PING plus INFO server over a raw socket: `ready` when PONG came back (not LOADING) and `pid` is the
 * process_id of whoever answered, so a start never mistakes another server on the port for its own.
 */
function probe(host: string, port: number, timeoutMs: number): Promise<{ ready: boolean; pid?: number }> {
  return new Promise((resolve) => {
    let settled = false;
    let buf = '';
    const sock = net.connect({ host, port });
    const done = (r: { ready: boolean; pid?: number }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ready: false }), timeoutMs);
    sock.setEncoding('latin1');
    sock.on('connect', () => sock.write('PING\r\nINFO server\r\n'));
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const firstEnd = buf.indexOf('\r\n');
      if (firstEnd < 0) return;
      const ready = buf.startsWith('+PONG');
      const rest = buf.slice(firstEnd + 2);
      const headerEnd = rest.indexOf('\r\n');
      if (headerEnd < 0) return;
      if (!rest.startsWith('$')) return done({ ready: false });
      const len = Number(rest.slice(1, headerEnd));
      if (rest.length < headerEnd + 2 + len) return;
      const m = /process_id:(\d+)/.exec(rest.slice(headerEnd + 2, headerEnd + 2 + len));
      done(m ? { ready, pid: Number(m[1]) } : { ready });
    });
    sock.on('error', () => done({ ready: false }));
    sock.on('close', () => done({ ready: false }));
  });
}

function buildArgs(opts: PrivateRedisOptions, bind: string): string[] {
  const p = opts.persistence ?? {};
  const args = [
    '--port', String(opts.port),
    '--bind', bind,
    '--protected-mode', 'yes',
    '--daemonize', 'no',
    '--supervised', 'no',
    '--dir', path.resolve(opts.dataDir),
    '--logfile', '',
    '--pidfile', '',
    '--appendonly', 'yes',
    '--appendfsync', p.appendfsync ?? 'everysec',
    '--maxmemory-policy', 'noeviction',
    '--save', (p.rdbSavePoints ?? []).join(' '),
  ];
  if (opts.maxmemory) args.push('--maxmemory', opts.maxmemory);
  return args;
}

/** A running private redis-server. */
export class PrivateRedis {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  private child: ChildProcess | undefined;
  private exitPromise: Promise<void> = Promise.resolve();
  private logTail: string[] = [];

  constructor(private readonly opts: PrivateRedisOptions) {
    this.host = clientHost(opts.bind ?? '127.0.0.1');
    this.port = opts.port;
    this.dataDir = path.resolve(opts.dataDir);
  }

  /** `{host, port}` for BullMQ's `connection` or `new Redis(...)` */
  get connection(): RedisConnectionInfo {
    return { host: this.host, port: this.port };
  }

  get url(): string {
    return `redis://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  /** pid of the running server (undefined once stopped) */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** the last lines redis logged */
  get recentLog(): readonly string[] {
    return this.logTail;
  }

  /** spawns the server and resolves once PING answers */
  async start(): Promise<void> {
    if (this.child) throw new Error('private redis: already running');
    const bind = this.opts.bind ?? '127.0.0.1';
    await mkdir(this.dataDir, { recursive: true });
    if (this.opts.checkPortFirst !== false) await assertPortFree(this.port, bind);

    const binary = this.opts.redisServer ?? 'redis-server';
    const child = spawn(binary, buildArgs(this.opts, bind), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.logTail = [];
    let exited = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let wake: (() => void) | undefined;

    const onLine = (line: string): void => {
      if (!line) return;
      this.logTail.push(line);
      if (this.logTail.length > LOG_LINES_KEPT) this.logTail.shift();
      this.opts.onLog?.(line);
    };
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) onLine(l.trimEnd());
      });
      stream?.on('end', () => onLine(partial.trimEnd()));
    }

    this.exitPromise = new Promise<void>((resolve) => {
      child.once('error', (err: NodeJS.ErrnoException) => {
        spawnError = err;
        exited = true;
        wake?.();
        resolve();
      });
      child.once('exit', (code, signal) => {
        exited = true;
        exitCode = code;
        exitSignal = signal;
        liveChildren.delete(child);
        if (this.child === child) this.child = undefined;
        wake?.();
        resolve();
      });
    });
    this.child = child;
    trackChild(child);

    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 10_000);
    while (true) {
      if (exited) break;
      const p = await probe(this.host, this.port, 500);
      if (p.ready && p.pid === child.pid) return;
      if (exited) break;
      if (Date.now() > deadline) {
        await this.terminate();
        throw new RedisStartError(
          'timeout',
          `private redis on ${this.host}:${this.port} did not answer PING within ` +
            `${this.opts.startTimeoutMs ?? 10_000} ms; last log lines:\n${this.logTail.slice(-5).join('\n')}`,
        );
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
      wake = undefined;
    }

    this.child = undefined;
    liveChildren.delete(child);
    await this.exitPromise;
    const err = spawnError as NodeJS.ErrnoException | undefined;
    if (err) {
      if (err.code === 'ENOENT') {
        throw new RedisStartError(
          'not_installed',
          `private redis: \`${binary}\` was not found; install the Debian package \`redis-server\` ` +
            `(apt-get install redis-server) or point redisServer at the binary`,
        );
      }
      throw new RedisStartError('exited', `private redis: cannot run \`${binary}\`: ${err.message}`);
    }
    // redis has flushed its log to our pipe by the time 'exit' fired most of the time; give 'end' a tick
    await new Promise((r) => setImmediate(r));
    const bindLine = this.logTail.find((l) => /Address already in use|Could not create server TCP listening/i.test(l));
    if (bindLine) {
      throw new RedisStartError(
        'port_in_use',
        `private redis: port ${this.port} on ${this.host} is already in use; redis said: ${bindLine.replace(/^\d+:[A-Z] .*? [#*.-] /, '')}`,
      );
    }
    throw new RedisStartError(
      'exited',
      `private redis exited during start (code ${exitCode ?? 'none'}, signal ${exitSignal ?? 'none'}); ` +
        `last log lines:\n${this.logTail.slice(-5).join('\n')}`,
    );
  }

  /** clean shutdown: SIGTERM (redis fsyncs the AOF and exits), SIGKILL after stopTimeoutMs */
  async stop(): Promise<void> {
    await this.terminate();
    if (this.opts.removeDataDirOnStop) await rm(this.dataDir, { recursive: true, force: true });
  }

  /** stops cleanly and starts again on the same port and data directory (the data survives) */
  async restart(): Promise<void> {
    await this.terminate();
    await this.start();
  }

  private async terminate(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.exitPromise.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), this.opts.stopTimeoutMs ?? 10_000);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      child.kill('SIGKILL');
      await this.exitPromise;
    }
    this.child = undefined;
    liveChildren.delete(child);
  }

  /** simulates a crash: SIGKILL, no fsync (for tests of what `appendfsync` keeps) */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGKILL');
    await this.exitPromise;
    this.child = undefined;
  }
}

/** starts a private redis-server and waits until it answers PING */
export async function startPrivateRedis(opts: PrivateRedisOptions): Promise<PrivateRedis> {
  const redis = new PrivateRedis(opts);
  await redis.start();
  return redis;
}

// test ports come from 30000..32699: below Linux' ephemeral range (32768+, where port-0 binds land), below the
// sipp harness' 41000+ plan and above the appliance's default RTP range (20000-29999)
const TEST_PORT_MIN = 30000;
const TEST_PORT_SPAN = 2700;

export interface TestRedisOptions {
  /** a fixed port (default: a free one from 30000..32699) */
  port?: number;
  persistence?: RedisPersistence;
  onLog?: (line: string) => void;
}

/** a private redis for one test file: free loopback port, fresh temp dir removed by `stop()` */
export async function startTestRedis(opts: TestRedisOptions = {}): Promise<PrivateRedis> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'callgate-redis-'));
  let lastError: unknown;
  for (let attempt = 0; attempt < 8; attempt++) {
    const port = opts.port ?? TEST_PORT_MIN + Math.floor(Math.random() * TEST_PORT_SPAN);
    try {
      return await startPrivateRedis({
        port,
        dataDir,
        removeDataDirOnStop: true,
        ...(opts.persistence ? { persistence: opts.persistence } : {}),
        ...(opts.onLog ? { onLog: opts.onLog } : {}),
      });
    } catch (err) {
      lastError = err;
      if (!(err instanceof RedisStartError && err.reason === 'port_in_use') || opts.port !== undefined) break;
    }
  }
  await rm(dataDir, { recursive: true, force: true });
  throw lastError;
}
