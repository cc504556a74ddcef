/**
 * `npm run bench -- agent`: voice-to-voice latency through the media bridge and agent-core, measured on the
 * wire by callers in this process (end of the caller's speech leaving → first agent audio arriving), with the
 * bridge and agent-core in a child process:
 *   - fake providers (instantaneous STT, dialogue, TTS): the pipeline's own overhead beyond the endpointing
 *     window, at 1 call and at 50 concurrent calls;
 *   - the embedded CPU providers (PocketSphinx, the flow engine, flite) on the front-desk agent, endpointing
 *     included; plus agent-core's own stage timings (first partial, STT final, first token, first audio).
 * The embedded run interrupts each reply shortly after it starts (barge-in), which also keeps it short.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { LiveEvent } from '@callgate/contracts';
import { speechUlaw } from '../sipp/harness/speech.js';
import type { AgentProcReady, AgentProcReply, AgentProcRequest } from './agent-proc.js';
import { BenchCaller, CallerClock, sleep, toUtterance, until, type Utterance } from './agent-caller.js';

type Timing = Extract<LiveEvent, { type: 'turn_timing' }>;
type Request = AgentProcRequest extends infer R ? (R extends AgentProcRequest ? Omit<R, 'id'> : never) : never;

class Proc {
  private seq = 0;
  private readonly pending = new Map<number, (r: AgentProcReply) => void>();
  private constructor(
    readonly child: ChildProcess,
    readonly ready: AgentProcReady,
  ) {
    child.on('message', (m) => {
      const r = m as AgentProcReply;
      this.pending.get(r.id)?.(r);
      this.pending.delete(r.id);
    });
  }

  static async start(mode: 'fake' | 'embedded'): Promise<Proc> {
    const child = fork(fileURLToPath(new URL('./agent-proc.js', import.meta.url)), [mode], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const [ready] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => Promise.reject(new Error('agent-proc exited before it was ready')))])) as [AgentProcReady];
    return new Proc(child, ready);
  }

  async ask(req: Request): Promise<AgentProcReply & { ok: true }> {
    const id = ++this.seq;
    const reply = new Promise<AgentProcReply>((resolve) => this.pending.set(id, resolve));
    this.child.send({ ...req, id });
    const r = await reply;
    if (!r.ok) throw new Error(`agent-proc: ${r.error}`);
    return r;
  }

  async stop(): Promise<void> {
    await this.ask({ op: 'stop' }).catch(() => {});
    if (this.child.exitCode === null) await once(this.child, 'exit');
  }
}

interface CallPlan {
  utterances: Utterance[];
  /** start the next turn this long after the reply's first audio (barge-in); undefined: after the reply ends */
  interruptAfterMs?: number;
}

/** one call: greeting, then each utterance as a turn; returns the wire v2v of each answered turn */
async function runCall(proc: Proc, clock: CallerClock, name: string, plan: CallPlan): Promise<{ v2v: number[]; missed: number; late: number[] }> {
  const caller = await BenchCaller.open();
  const { endpointId, port } = await proc.ask({ op: 'call', remotePort: caller.port, sessionId: name });
  caller.connect(port!);
  caller.windowFrames = Math.round(proc.ready.hangoverMs / 20);
  clock.add(caller);
  const v2v: number[] = [];
  const late: number[] = [];
  let missed = 0;
  const quietFor = (ms: number) => () => performance.now() - caller.lastAgentVoiceAt > ms;
  try {
    // the greeting: let it start, then wait for it to end
    await until(() => caller.lastAgentVoiceAt > 0, 5000);
    await until(quietFor(700), 20_000);
    for (const u of plan.utterances) {
      caller.say(u);
      const answered = await until(() => caller.firstReplyAt !== undefined, 12_000);
      if (!answered || caller.utteranceEndAt === undefined) {
        missed++;
        continue;
      }
      v2v.push(caller.firstReplyAt! - caller.utteranceEndAt);
      if (caller.windowEndAt !== undefined) late.push(caller.windowEndAt - caller.utteranceEndAt - proc.ready.hangoverMs);
      if (plan.interruptAfterMs !== undefined) await sleep(plan.interruptAfterMs);
      else await until(quietFor(700), 20_000);
    }
  } finally {
    clock.remove(caller);
    caller.close();
    await proc.ask({ op: 'hangup', endpointId: endpointId! }).catch(() => {});
  }
  return { v2v, missed, late };
}

function pct(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

async function runMode(mode: 'fake' | 'embedded', calls: number, plan: CallPlan, staggerMs: number) {
  const proc = await Proc.start(mode);
  const clock = new CallerClock();
  clock.start();
  try {
    const results = await Promise.all(
      Array.from({ length: calls }, async (_, i) => {
        await sleep(i * staggerMs);
        return runCall(proc, clock, `${mode}-${calls}-${i}`, plan);
      }),
    );
    const timings = (await proc.ask({ op: 'timings' })).timings ?? [];
    return { v2v: results.flatMap((r) => r.v2v), late: results.flatMap((r) => r.late), missed: results.reduce((n, r) => n + r.missed, 0), timings, hangoverMs: proc.ready.hangoverMs };
  } finally {
    clock.stop();
    await proc.stop();
  }
}

function stageFigures(prefix: string, timings: Timing[]): Record<string, number> {
  const out: Record<string, number> = {};
  const stages: Array<[string, (t: Timing) => number | null]> = [
    ['stt_first_partial', (t) => t.sttFirstPartialMs],
    ['stt_final', (t) => t.sttFinalMs],
    ['first_token', (t) => t.firstTokenMs],
    ['first_tts_audio', (t) => t.firstAudioMs],
    ['first_rtp_out', (t) => t.firstRtpOutMs],
  ];
  for (const [name, get] of stages) {
    const v = timings.map(get).filter((x): x is number => x !== null);
    out[`${prefix}_${name}_ms_p50`] = pct(v, 50);
    out[`${prefix}_${name}_ms_p95`] = pct(v, 95);
  }
  return out;
}

export async function runAgentBench(): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  if (process.env.BENCH_ONLY === 'embedded') return runEmbedded(figures);
  const short = toUtterance(speechUlaw('opening hours please', 300, 0).ulaw);

  const one = await runMode('fake', 1, { utterances: Array(30).fill(short) as Utterance[] }, 0);
  const oneOverhead = one.v2v.map((v) => v - one.hangoverMs);
  console.log(`agent bench: fake providers, 1 call: ${one.v2v.length} turns answered, ${one.missed} missed`);
  figures.v2v_overhead_ms_p50_1call = pct(oneOverhead, 50);
  figures.v2v_overhead_ms_p95_1call = pct(oneOverhead, 95);

  const fifty = await runMode('fake', 50, { utterances: Array(2).fill(short) as Utterance[] }, 40);
  const fiftyOverhead = fifty.v2v.map((v) => v - fifty.hangoverMs);
  console.log(`agent bench: fake providers, 50 calls: ${fifty.v2v.length} turns answered, ${fifty.missed} missed`);
  if (process.env.BENCH_DEBUG) console.log(JSON.stringify(fifty.v2v.map((v) => Math.round(v - fifty.hangoverMs))), JSON.stringify(fifty.late.map((v) => Math.round(v))));
  figures.v2v_overhead_ms_p50_50calls = pct(fiftyOverhead, 50);
  figures.v2v_overhead_ms_p95_50calls = pct(fiftyOverhead, 95);
  figures.agent_endpointing_window_ms = one.hangoverMs;

  Object.assign(figures, stageFigures('fake_1call', one.timings));
  // BENCH_ONLY=fake: the overhead figures alone (the embedded run takes a minute more)
  return process.env.BENCH_ONLY === 'fake' ? figures : runEmbedded(figures);
}

async function runEmbedded(figures: Record<string, number>): Promise<Record<string, number>> {
  const phrases = ['what are your opening hours', 'i would like to book an appointment', 'tuesday', 'ten a m', 'yes please', 'please call me back', 'five five five one two three four', 'when are you open', 'book an appointment', 'monday at three p m'];
  const utterances = phrases.map((p) => toUtterance(speechUlaw(p, 300, 0).ulaw));
  // BENCH_MODE=fake: the same conversation on instantaneous providers (to tell the providers' share from the rest)
  const mode = process.env.BENCH_MODE === 'fake' ? 'fake' : 'embedded';
  const embedded = await runMode(mode, 3, { utterances, interruptAfterMs: process.env.BENCH_NO_INTERRUPT ? undefined : 1200 }, 700);
  console.log(`agent bench: embedded providers, 3 calls: ${embedded.v2v.length} turns answered, ${embedded.missed} missed`);
  figures.v2v_embedded_ms_p50 = pct(embedded.v2v, 50);
  figures.v2v_embedded_ms_p95 = pct(embedded.v2v, 95);
  figures.v2v_embedded_turns = embedded.v2v.length;
  if (process.env.BENCH_DEBUG) console.log(JSON.stringify({ v2v: embedded.v2v.map(Math.round), timings: embedded.timings.map((t) => [t.sessionId.slice(-1), t.turnId, t.sttFinalMs, t.firstAudioMs, t.firstRtpOutMs, t.filler]) }));
  Object.assign(figures, stageFigures('embedded', embedded.timings));
  return figures;
}
