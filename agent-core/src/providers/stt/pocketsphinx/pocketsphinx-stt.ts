/**
 * Embedded offline speech-to-text: PocketSphinx (Debian's pocketsphinx / pocketsphinx-en-us /
 * python3-pocketsphinx) driven through a small Python helper process, one per call.
 *
 * - Recognition is constrained by a bigram language model built from the call's `SttHints` (language-model.ts),
 *   with a pronunciation dictionary cut down to the model's words, both cached on disk per distinct hint set.
 *   The cut-down dictionary is what makes a decoder start in tens of milliseconds instead of ~7 s.
 * - The phone leg's 8 kHz audio is upsampled to 16 kHz here (upsample.ts) for the 16 kHz acoustic model.
 * - Start-up latency is hidden by a warm pool: after a call starts, a replacement process for the same language
 *   model is started in the background (`poolSize` per model), so the next call with the same hints finds one.
 * - Protocol with the helper (agent-core/python/pocketsphinx_stream.py): length-prefixed frames on stdin
 *   (audio / flush / ping / close), JSON lines on stdout (ready / partial / final / pong / error).
 */

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SpeechToText, SttEvent, SttHints, SttStartOptions, SttStream } from '../../ports.js';
import { PronunciationDictionary } from './dictionary.js';
import { buildLanguageModel, FILLER_WORDS, type LanguageModelOptions } from './language-model.js';
import { Upsampler2x, type UpsamplingFilter } from './upsample.js';

export const POCKETSPHINX_DEBIAN_PACKAGES = ['pocketsphinx', 'pocketsphinx-en-us', 'python3-pocketsphinx'] as const;
/** Debian's interpreter, which has python3-pocketsphinx (a pyenv or venv python on PATH usually has not) */
export const DEFAULT_PYTHON = '/usr/bin/python3';
/** where pocketsphinx-en-us installs the US English models */
export const DEFAULT_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

const INSTALL_HINT = `install the Debian packages: apt-get install -y ${POCKETSPHINX_DEBIAN_PACKAGES.join(' ')}`;

export interface PocketSphinxSttOptions {
  /** provider id (default 'pocketsphinx') */
  id?: string;
  /** Python interpreter that can `import pocketsphinx` (default /usr/bin/python3) */
  pythonPath?: string;
  /** model directory (default /usr/share/pocketsphinx/model/en-us) */
  modelDir?: string;
  /** acoustic model directory (default `${modelDir}/en-us`) */
  acousticModelDir?: string;
  /** full pronunciation dictionary (default `${modelDir}/cmudict-en-us.dict`) */
  dictionaryPath?: string;
  /** the helper script (default agent-core/python/pocketsphinx_stream.py, found relative to this module) */
  helperScript?: string;
  /** where language models and cut-down dictionaries are cached (default `${os.tmpdir()}/callgate-pocketsphinx`) */
  cacheDir?: string;
  /** started processes kept ready per language model (default 1; 0 disables the pool) */
  poolSize?: number;
  /** language models for which warm processes are kept; the least recently used beyond it are dropped (default 4) */
  maxPooledModels?: number;
  /** how often (in audio time) the helper checks for a changed hypothesis to send as a partial (default 200) */
  partialIntervalMs?: number;
  /** an utterance never flushed ends by itself after this much audio (default 60 000) */
  maxUtteranceMs?: number;
  /** how long a process may take to load the model (default 15 000) */
  startTimeoutMs?: number;
  /** how long close() waits for the process to exit before killing it (default 1 000) */
  closeTimeoutMs?: number;
  /** extra decoder options passed to PocketSphinx, e.g. { '-lw': 7 } */
  decoderOptions?: Record<string, string | number | boolean>;
  /** 8 → 16 kHz interpolation filter (default 'linear', which recognises better with the en-us model; see upsample.ts) */
  upsampling?: UpsamplingFilter;
  /** language model construction knobs */
  languageModel?: Pick<LanguageModelOptions, 'discount' | 'unigramAdd' | 'baseWords'>;
}

/** PocketSphinx (or Python, or the model) is not installed: the router should fall back to another provider. */
export class PocketSphinxUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PocketSphinxUnavailableError';
  }
}

/** What the helper says about one finished utterance, plus the flush → final delay seen here. */
export interface UtteranceStats {
  text: string;
  confidence: number;
  reason: 'flush' | 'max_length';
  /** audio in the utterance */
  audioMs: number;
  /** CPU the helper spent on the utterance */
  cpuMs: number;
  /** time the decoder took to end the utterance (final search pass, lattice) */
  endMs: number;
  /** peak resident memory of the helper process so far */
  maxRssKb: number;
  /** from flush() to the final event, when the final answered a flush */
  flushToFinalMs?: number;
}

type HelperMessage =
  | { type: 'ready'; pid: number; importMs: number; decoderInitMs: number }
  | { type: 'partial'; text: string }
  | ({ type: 'final'; seq: number | null } & Omit<UtteranceStats, 'flushToFinalMs'>)
  | { type: 'pong'; seq: number | null }
  | { type: 'error'; code: string; message: string };

type ReadyMessage = Extract<HelperMessage, { type: 'ready' }>;

function resolveHelperScript(): string {
  // compiled: agent-core/dist/src/providers/stt/pocketsphinx/ — from source: agent-core/src/providers/stt/pocketsphinx/
  const candidates = ['../../../../../python/pocketsphinx_stream.py', '../../../../python/pocketsphinx_stream.py'];
  for (const c of candidates) {
    const p = fileURLToPath(new URL(c, import.meta.url));
    if (existsSync(p)) return p;
  }
  return fileURLToPath(new URL(candidates[0]!, import.meta.url));
}

function unrefHandle(h: unknown, ref: boolean): void {
  const x = h as { ref?: () => void; unref?: () => void } | null | undefined;
  if (ref) x?.ref?.();
  else x?.unref?.();
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const e = new Error('pocketsphinx: start aborted');
  e.name = 'AbortError';
  return e;
}

/** waits for the helper's ready message; keeps the event loop alive meanwhile; rejects when `signal` aborts */
function readyOrAbort(proc: HelperProcess, signal: AbortSignal): Promise<void> {
  proc.setRef(true);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    proc.ready.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

const FRAME_HEADER = 5;

/** One helper process: spawn, handshake, framing, exit. */
class HelperProcess {
  readonly child: ChildProcess;
  readonly spawnedAt = performance.now();
  readonly ready: Promise<ReadyMessage>;
  readyInfo: ReadyMessage | undefined;
  /** spawn → ready, once ready */
  startupMs: number | undefined;
  exited = false;
  private stderrTail = '';
  private lineBuf = '';
  private messageListener: ((m: HelperMessage) => void) | null = null;
  private exitListener: ((why: string) => void) | null = null;
  private readonly exitPromise: Promise<void>;

  constructor(python: string, script: string, args: string[], startTimeoutMs: number) {
    this.child = spawn(python, ['-u', script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let resolveReady!: (m: ReadyMessage) => void;
    let rejectReady!: (e: Error) => void;
    this.ready = new Promise<ReadyMessage>((res, rej) => {
      resolveReady = res;
      rejectReady = rej;
    });
    this.ready.catch(() => undefined); // a pooled process may fail before anyone waits on it
    const timer = setTimeout(() => {
      rejectReady(new Error(`pocketsphinx: helper not ready after ${startTimeoutMs} ms`));
      this.kill();
    }, startTimeoutMs);
    timer.unref();

    this.child.stdin?.on('error', () => undefined); // EPIPE after a crash: reported through 'exit'
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (d: string) => {
      this.stderrTail = (this.stderrTail + d).slice(-4000);
    });
    this.child.stdout?.setEncoding('utf8');
    this.child.stdout?.on('data', (d: string) => {
      this.lineBuf += d;
      let nl: number;
      while ((nl = this.lineBuf.indexOf('\n')) >= 0) {
        const line = this.lineBuf.slice(0, nl).trim();
        this.lineBuf = this.lineBuf.slice(nl + 1);
        if (line === '') continue;
        let msg: HelperMessage;
        try {
          msg = JSON.parse(line) as HelperMessage;
        } catch {
          this.stderrTail = (this.stderrTail + `\n(stdout) ${line}`).slice(-4000);
          continue;
        }
        if (msg.type === 'ready' && !this.readyInfo) {
          clearTimeout(timer);
          this.readyInfo = msg;
          this.startupMs = performance.now() - this.spawnedAt;
          resolveReady(msg);
        } else if (msg.type === 'error' && !this.readyInfo) {
          clearTimeout(timer);
          rejectReady(
            msg.code === 'module_missing' || msg.code === 'model_missing'
              ? new PocketSphinxUnavailableError(`pocketsphinx: ${msg.message}`)
              : new Error(`pocketsphinx helper: ${msg.code}: ${msg.message}`),
          );
        } else {
          this.messageListener?.(msg);
        }
      }
    });
    this.exitPromise = new Promise<void>((resolve) => {
      this.child.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        rejectReady(
          err.code === 'ENOENT'
            ? new PocketSphinxUnavailableError(`pocketsphinx: Python interpreter not found at ${python}; ${INSTALL_HINT}`)
            : new Error(`pocketsphinx: cannot start ${python}: ${err.message}`),
        );
        if (!this.exited && this.child.pid === undefined) {
          this.exited = true;
          resolve();
        }
      });
      this.child.on('exit', (code, sig) => {
        clearTimeout(timer);
        this.exited = true;
        const why = `helper exited (${sig ?? `code ${code}`})${this.stderrTail ? `: ${this.stderrTail.trim().split('\n').slice(-3).join(' | ')}` : ''}`;
        rejectReady(new Error(`pocketsphinx: ${why}`));
        this.exitListener?.(why);
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  onMessage(fn: (m: HelperMessage) => void): void {
    this.messageListener = fn;
  }

  onExit(fn: (why: string) => void): void {
    this.exitListener = fn;
  }

  /** keeps (or stops keeping) the Node event loop alive for this process */
  setRef(ref: boolean): void {
    for (const h of [this.child, this.child.stdin, this.child.stdout, this.child.stderr]) unrefHandle(h, ref);
  }

  send(kind: 'A' | 'F' | 'P' | 'C', payload?: Uint8Array): void {
    const stdin = this.child.stdin;
    if (this.exited || !stdin || stdin.destroyed || stdin.writableEnded) return;
    const header = Buffer.allocUnsafe(FRAME_HEADER);
    header.write(kind, 0, 'latin1');
    header.writeUInt32LE(payload?.byteLength ?? 0, 1);
    stdin.write(payload && payload.byteLength > 0 ? Buffer.concat([header, payload]) : header);
  }

  sendSeq(kind: 'F' | 'P', seq: number): void {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32LE(seq >>> 0, 0);
    this.send(kind, b);
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  /** asks the helper to exit, kills it after `timeoutMs` */
  async terminate(timeoutMs: number): Promise<void> {
    if (this.exited) return;
    this.setRef(true); // a pooled (unreferenced) process must still be waited for
    this.send('C');
    this.child.stdin?.end();
    const timer = setTimeout(() => this.kill(), timeoutMs);
    await this.exitPromise;
    clearTimeout(timer);
  }
}

/** One call's recognition stream. */
export class PocketSphinxStream implements SttStream {
  private readonly listeners: ((e: SttEvent) => void)[] = [];
  private readonly queued: SttEvent[] = [];
  private state: 'open' | 'failed' | 'closed' = 'open';
  private readonly upsampler: Upsampler2x;
  private flushSeq = 0;
  private readonly flushTimes = new Map<number, number>();
  private readonly pings = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private pingSeq = 0;
  private lastPartial = '';
  private readonly onAbort = (): void => void this.close();
  private closing: Promise<void> | null = null;
  /** stats of the most recent final */
  lastUtterance: UtteranceStats | undefined;
  /** partial events emitted so far */
  partialCount = 0;

  constructor(
    private readonly proc: HelperProcess,
    private readonly signal: AbortSignal,
    private readonly closeTimeoutMs: number,
    /** whether the process came ready from the warm pool */
    readonly fromPool: boolean,
    private readonly onClosed: (s: PocketSphinxStream) => void,
    upsampling: UpsamplingFilter = 'linear',
  ) {
    this.upsampler = new Upsampler2x(upsampling);
    proc.onMessage((m) => this.handle(m));
    proc.onExit((why) => {
      if (this.state === 'open') this.fail(new Error(`pocketsphinx: ${why}`));
    });
    if (proc.exited) queueMicrotask(() => this.state === 'open' && this.fail(new Error('pocketsphinx: helper exited')));
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /** process id of the helper */
  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** spawn → ready of this stream's process (it may have been spent while the process sat in the pool) */
  get startupMs(): number | undefined {
    return this.proc.startupMs;
  }

  /** the helper's own timing of Python import and decoder creation */
  get decoderInitMs(): number | undefined {
    return this.proc.readyInfo?.decoderInitMs;
  }

  push(pcm: Int16Array): void {
    if (this.state !== 'open' || pcm.length === 0) return;
    const up = this.upsampler.process(pcm);
    this.proc.send('A', new Uint8Array(up.buffer, up.byteOffset, up.byteLength));
  }

  flush(): void {
    if (this.state !== 'open') return;
    const seq = ++this.flushSeq;
    this.flushTimes.set(seq, performance.now());
    this.proc.sendSeq('F', seq);
  }

  /** resolves once the helper has decoded everything pushed so far (for tests and benchmarks) */
  drain(): Promise<void> {
    if (this.state !== 'open') return Promise.resolve();
    const seq = ++this.pingSeq;
    return new Promise<void>((resolve, reject) => {
      this.pings.set(seq, { resolve, reject });
      this.proc.sendSeq('P', seq);
    });
  }

  onEvent(listener: (event: SttEvent) => void): void {
    this.listeners.push(listener);
    if (this.listeners.length === 1 && this.queued.length > 0) {
      for (const e of this.queued.splice(0)) this.dispatch(e);
    }
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.state = this.state === 'failed' ? 'failed' : 'closed';
    this.signal.removeEventListener('abort', this.onAbort);
    for (const p of this.pings.values()) p.resolve();
    this.pings.clear();
    this.closing = this.proc.terminate(this.closeTimeoutMs).finally(() => this.onClosed(this));
    return this.closing;
  }

  private emit(e: SttEvent): void {
    if (this.listeners.length === 0) this.queued.push(e);
    else this.dispatch(e);
  }

  private dispatch(e: SttEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // a listener's own failure is not the engine's
      }
    }
  }

  private fail(error: Error): void {
    if (this.state !== 'open') return;
    this.state = 'failed';
    for (const p of this.pings.values()) p.reject(error);
    this.pings.clear();
    this.emit({ type: 'error', error });
    this.proc.kill();
    void this.close();
  }

  private handle(m: HelperMessage): void {
    if (this.state !== 'open') return;
    switch (m.type) {
      case 'partial': {
        const text = cleanTranscript(m.text);
        if (text !== '' && text !== this.lastPartial) {
          this.lastPartial = text;
          this.partialCount++;
          this.emit({ type: 'partial', text });
        }
        break;
      }
      case 'final': {
        const text = cleanTranscript(m.text);
        const sent = m.seq !== null ? this.flushTimes.get(m.seq) : undefined;
        if (m.seq !== null) this.flushTimes.delete(m.seq);
        this.lastUtterance = {
          text,
          confidence: m.confidence,
          reason: m.reason,
          audioMs: m.audioMs,
          cpuMs: m.cpuMs,
          endMs: m.endMs,
          maxRssKb: m.maxRssKb,
          ...(sent !== undefined ? { flushToFinalMs: performance.now() - sent } : {}),
        };
        this.lastPartial = '';
        const event: SttEvent = text === '' ? { type: 'final', text } : { type: 'final', text, confidence: m.confidence };
        this.emit(event);
        break;
      }
      case 'pong': {
        const p = m.seq !== null ? this.pings.get(m.seq) : undefined;
        if (p && m.seq !== null) {
          this.pings.delete(m.seq);
          p.resolve();
        }
        break;
      }
      case 'error':
        this.fail(new Error(`pocketsphinx helper: ${m.code}: ${m.message}`));
        break;
      case 'ready':
        break;
    }
  }
}

const FILLERS = new Set<string>(FILLER_WORDS);

/** removes hesitations and collapses spaces */
export function cleanTranscript(text: string): string {
  return text
    .split(/\s+/)
    .filter((w) => w !== '' && !FILLERS.has(w))
    .join(' ');
}

/**
 * Resolves to null when the engine can run with these options, else to why not (naming the Debian packages).
 * Cheap enough for a health check or for tests to decide whether to skip.
 */
export async function pocketSphinxUnavailableReason(options: PocketSphinxSttOptions = {}): Promise<string | null> {
  const python = options.pythonPath ?? DEFAULT_PYTHON;
  const modelDir = options.modelDir ?? DEFAULT_MODEL_DIR;
  const hmm = options.acousticModelDir ?? join(modelDir, 'en-us');
  const dict = options.dictionaryPath ?? join(modelDir, 'cmudict-en-us.dict');
  const imported = await new Promise<string | null>((resolve) => {
    execFile(python, ['-c', 'import pocketsphinx'], { timeout: 10000 }, (err, _out, stderr) => {
      if (!err) resolve(null);
      else if ((err as NodeJS.ErrnoException).code === 'ENOENT') resolve(`Python interpreter not found at ${python}`);
      else resolve(`${python} cannot import pocketsphinx (${String(stderr).trim().split('\n').pop() ?? err.message})`);
    });
  });
  const missing: string[] = [];
  if (imported) missing.push(imported);
  for (const [path, what] of [[join(hmm, 'mdef'), 'acoustic model'], [dict, 'dictionary']] as const) {
    try {
      await access(path);
    } catch {
      missing.push(`${what} not found at ${path}`);
    }
  }
  return missing.length === 0 ? null : `pocketsphinx unavailable: ${missing.join('; ')}; ${INSTALL_HINT}`;
}

function hintsKey(hints: SttHints): string {
  return JSON.stringify([[...hints.phrases].sort(), [...hints.words].sort()]);
}

interface PreparedModel {
  key: string;
  lmPath: string;
  dictPath: string;
  dropped: string[];
  vocabulary: string[];
}

const dictionaries = new Map<string, Promise<PronunciationDictionary>>();

function loadDictionary(path: string): Promise<PronunciationDictionary> {
  let p = dictionaries.get(path);
  if (!p) {
    p = PronunciationDictionary.load(path).catch((e: unknown) => {
      dictionaries.delete(path);
      const code = (e as NodeJS.ErrnoException).code;
      throw code === 'ENOENT'
        ? new PocketSphinxUnavailableError(`pocketsphinx: dictionary not found: ${path}; ${INSTALL_HINT}`)
        : e;
    });
    dictionaries.set(path, p);
  }
  return p;
}

async function writeAtomically(path: string, text: string): Promise<void> {
  try {
    await access(path);
    return; // same key, same content
  } catch {
    // not there yet
  }
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

export class PocketSphinxStt implements SpeechToText {
  readonly id: string;
  private readonly python: string;
  private readonly hmm: string;
  private readonly dictPath: string;
  private readonly script: string;
  private readonly cacheDir: string;
  private readonly poolSize: number;
  private readonly maxPooledModels: number;
  private readonly opts: PocketSphinxSttOptions;
  private readonly models = new Map<string, Promise<PreparedModel>>();
  /** model key → idle started processes; Map order = least recently used first */
  private readonly pool = new Map<string, HelperProcess[]>();
  private readonly streams = new Set<PocketSphinxStream>();
  private closed = false;

  constructor(options: PocketSphinxSttOptions = {}) {
    this.opts = options;
    this.id = options.id ?? 'pocketsphinx';
    this.python = options.pythonPath ?? DEFAULT_PYTHON;
    const modelDir = options.modelDir ?? DEFAULT_MODEL_DIR;
    this.hmm = options.acousticModelDir ?? join(modelDir, 'en-us');
    this.dictPath = options.dictionaryPath ?? join(modelDir, 'cmudict-en-us.dict');
    this.script = options.helperScript ?? resolveHelperScript();
    this.cacheDir = options.cacheDir ?? join(tmpdir(), 'callgate-pocketsphinx');
    this.poolSize = Math.max(0, Math.floor(options.poolSize ?? 1));
    this.maxPooledModels = Math.max(1, Math.floor(options.maxPooledModels ?? 4));
  }

  async start(opts: SttStartOptions, signal: AbortSignal): Promise<PocketSphinxStream> {
    if (this.closed) throw new Error('pocketsphinx: provider closed');
    if (signal.aborted) throw abortError(signal);
    const lang = (opts.language ?? 'en-US').toLowerCase();
    if (!lang.startsWith('en')) throw new PocketSphinxUnavailableError(`pocketsphinx: no model for language ${opts.language}`);
    let model = await this.prepare(opts.hints);
    if (!existsSync(model.lmPath) || !existsSync(model.dictPath)) {
      // the cache directory was cleaned (tmp reaper) since the model was built: build it again
      this.models.delete(hintsKey(opts.hints));
      model = await this.prepare(opts.hints);
    }
    if (signal.aborted) throw abortError(signal);
    let proc = this.takeFromPool(model.key);
    let fromPool = proc !== undefined;
    if (proc) {
      try {
        await readyOrAbort(proc, signal);
      } catch (e) {
        proc.kill();
        if (signal.aborted) throw e;
        proc = undefined; // the pooled process failed: try once with a fresh one
        fromPool = false;
      }
    }
    if (!proc) {
      proc = this.spawn(model);
      try {
        await readyOrAbort(proc, signal);
      } catch (e) {
        proc.kill();
        throw e;
      }
    }
    if (this.closed) {
      proc.kill();
      throw new Error('pocketsphinx: provider closed');
    }
    const stream = new PocketSphinxStream(proc, signal, this.opts.closeTimeoutMs ?? 1000, fromPool, (s) => this.streams.delete(s), this.opts.upsampling);
    this.streams.add(stream);
    this.refill(model);
    return stream;
  }

  /** Builds the language model for `hints` and fills the warm pool for it ahead of the first call. */
  async prewarm(hints: SttHints): Promise<void> {
    const model = await this.prepare(hints);
    this.refill(model);
    // pooled processes don't keep the event loop alive; while someone waits on them they must
    await Promise.all(
      (this.pool.get(model.key) ?? []).map(async (p) => {
        p.setRef(true);
        try {
          await p.ready;
        } finally {
          if (this.pool.get(model.key)?.includes(p)) p.setRef(false);
        }
      }),
    );
  }

  /** The language model files the hints map to (built and cached on first use). */
  async languageModelFor(hints: SttHints): Promise<{ key: string; lmPath: string; dictPath: string; dropped: string[]; vocabulary: string[] }> {
    return { ...(await this.prepare(hints)) };
  }

  /** The warm pool, for monitoring: per language model key, the process ids waiting for a call. */
  poolStatus(): { key: string; pids: number[] }[] {
    return [...this.pool.entries()].map(([key, procs]) => ({
      key,
      pids: procs.filter((p) => !p.exited && p.pid !== undefined).map((p) => p.pid!),
    }));
  }

  /** Ends every stream of this provider and the warm processes. */
  async close(): Promise<void> {
    this.closed = true;
    const idle = [...this.pool.values()].flat();
    this.pool.clear();
    await Promise.all([...idle.map((p) => p.terminate(200)), ...[...this.streams].map((s) => s.close())]);
  }

  private prepare(hints: SttHints): Promise<PreparedModel> {
    const canon = hintsKey(hints);
    let p = this.models.get(canon);
    if (!p) {
      p = this.build(hints);
      p.catch(() => this.models.delete(canon));
      this.models.set(canon, p);
      if (this.models.size > 64) this.models.delete(this.models.keys().next().value!);
    }
    return p;
  }

  private async build(hints: SttHints): Promise<PreparedModel> {
    try {
      await access(join(this.hmm, 'mdef'));
    } catch {
      throw new PocketSphinxUnavailableError(`pocketsphinx: acoustic model not found in ${this.hmm}; ${INSTALL_HINT}`);
    }
    const dict = await loadDictionary(this.dictPath);
    const lm = buildLanguageModel(hints, {
      ...this.opts.languageModel,
      isKnownWord: (w) => dict.has(w),
      keySalt: dict.identity,
    });
    await mkdir(this.cacheDir, { recursive: true });
    const lmPath = join(this.cacheDir, `${lm.key}.arpa`);
    const dictPath = join(this.cacheDir, `${lm.key}.dict`);
    await Promise.all([writeAtomically(lmPath, lm.arpa), writeAtomically(dictPath, dict.subset(lm.vocabulary))]);
    return { key: lm.key, lmPath, dictPath, dropped: lm.dropped, vocabulary: lm.vocabulary };
  }

  private spawn(model: PreparedModel): HelperProcess {
    const args = [
      '--hmm', this.hmm,
      '--dict', model.dictPath,
      '--lm', model.lmPath,
      '--samprate', '16000',
      '--partial-interval-ms', String(this.opts.partialIntervalMs ?? 200),
      '--max-utterance-ms', String(this.opts.maxUtteranceMs ?? 60000),
    ];
    for (const [name, value] of Object.entries(this.opts.decoderOptions ?? {})) {
      const v = typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value);
      args.push(`--option=${name.startsWith('-') ? name : `-${name}`}=${v}`);
    }
    return new HelperProcess(this.python, this.script, args, this.opts.startTimeoutMs ?? 15000);
  }

  private takeFromPool(key: string): HelperProcess | undefined {
    const list = this.pool.get(key);
    if (!list) return undefined;
    let proc: HelperProcess | undefined;
    while ((proc = list.shift()) && proc.exited) {
      // died while idle: skip it
    }
    return proc;
  }

  private refill(model: PreparedModel): void {
    if (this.poolSize === 0 || this.closed) return;
    const list = (this.pool.get(model.key) ?? []).filter((p) => !p.exited);
    this.pool.delete(model.key); // re-inserted last: most recently used
    this.pool.set(model.key, list);
    while (list.length < this.poolSize) {
      const proc = this.spawn(model);
      proc.setRef(false);
      proc.ready.catch(() => {
        const i = list.indexOf(proc);
        if (i >= 0) list.splice(i, 1);
      });
      list.push(proc);
    }
    while (this.pool.size > this.maxPooledModels) {
      const [oldest, procs] = this.pool.entries().next().value!;
      this.pool.delete(oldest);
      for (const p of procs) void p.terminate(200);
    }
  }
}
