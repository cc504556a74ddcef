/**
 * One scripted conversation with a running appliance, everything but the printing: places the call (SIPp),
 * speaks the script's turns (flite's rms voice or espeak-ng, real-time 20 ms RTP from our socket) with turn-taking on what the
 * agent sends back, records the agent (one WAV per agent turn + the whole call), follows the call's live
 * events (Redis), and measures latency on the wire. `npm run call` prints it; the benchmark reuses it.
 *
 * Windows: window 0 is the agent's greeting; window i is the caller's script turn i and the agent's answer to
 * it. A caller turn marked `interrupt` starts ~1 s into the previous window's answer (a barge-in).
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { LiveEvent, TurnTiming } from '@callgate/contracts';
import { speechUlaw, type CallerVoice } from '../harness/speech.js';
import { FRAME_MS, SAMPLE_RATE, codecOfPt, wavOf, type AudioFrame } from './audio.js';
import { LIVE_CHANNEL, LiveTracker, subscribeLive, type LiveSubscription, type RedisTarget, type TurnTimingEvent, type WindowEvents } from './live.js';
import { CallerMedia, type SentSpan } from './media.js';
import { turnLabel, type ConversationScript, type ScriptTurn } from './script.js';
import { newCallId, startConversationSip, type AnsweredMedia, type ConversationSip } from './sip.js';
import { ReplyDetector } from './turn-detector.js';
import { measureBargeIn, measureReply, percentile, trimToVoice } from './wire.js';

export interface ConversationOptions {
  target: { host: string; port: number };
  transport?: 'udp' | 'tcp';
  number: string;
  /** where live events come from; null: no live events */
  redis: RedisTarget | null;
  script: ConversationScript;
  /** output directory (created): agent-NN.wav, call.wav, sip.log, summary.json */
  out: string;
  /** the caller's synthetic voice (default `flite:rms`: the embedded recogniser understands flite's voices best) */
  voice?: CallerVoice;
  /** local ports (0 or absent: free ones) */
  ports?: { sip?: number; sippMedia?: number; rtp?: number };
  /** the agent must start answering within this (default 15 000 ms) */
  turnTimeoutMs?: number;
  /** quiet that ends the agent's turn (default 900 ms) */
  quietMs?: number;
  /** an interrupting turn starts this long into the agent's reply (default 1000 ms) */
  interruptAfterMs?: number;
  /** a reply still going after this is talked over by the caller's next turn (default 30 000 ms) */
  maxReplyMs?: number;
  /** after the script, how long to wait for the appliance's BYE before hanging up (default 10 000 ms) */
  byeWaitMs?: number;
  /** after the agent went quiet, how long to wait for its live events (default 1500 ms) */
  liveGraceMs?: number;
  /** voiced/quiet threshold, dBFS (default −40) */
  thresholdDbfs?: number;
  /** write summary.json into `out` */
  writeSummary?: boolean;
  /** progress as it happens (the caller prints it) */
  onProgress?: (e: ProgressEvent) => void;
  /** aborting ends the script early: the caller hangs up */
  signal?: AbortSignal;
}

/** a turn's stage timings from agent-core's live events */
export type LiveTiming = TurnTiming;

export interface TurnResult {
  /** 0: the agent's greeting; 1..n: the script's turns */
  index: number;
  kind: 'greeting' | 'say' | 'dtmf';
  /** the script's text ("keypad 1 2" for digits) */
  script?: string;
  /** this caller turn talked over the agent's previous reply */
  interrupt: boolean;
  caller?: {
    /** the redacted final transcript(s) from live events; null when none came */
    heard: string | null;
    /** ms since the call was answered: first and last voiced packet sent */
    startMs: number;
    endMs: number;
  };
  /** the agent's reply in this window */
  agent: {
    replied: boolean;
    /** done: spoke then went quiet; no-answer: nothing within the turn timeout; interrupted: cut by the
     * caller's next turn; max-length: still talking after maxReplyMs; hung-up: the appliance ended the call
     * (BYE) without a word, e.g. for a key that hangs up; call-ended: the call ended otherwise */
    outcome: 'done' | 'no-answer' | 'interrupted' | 'max-length' | 'hung-up' | 'call-ended';
    /** redacted final text(s) from live events; null when none came */
    text: string | null;
    /** live events marked the reply as cut by a barge-in */
    cut: boolean;
    /** voiced agent audio, ms */
    speechMs: number;
    /** the WAV file (name within `out`), when there was agent audio */
    wav?: string;
  };
  wire: {
    /** caller speech end (last voiced packet sent) → the agent's first voiced packet received; null: none */
    v2vMs: number | null;
    /** the agent was already talking when the caller stopped (its v2v is not a reply latency) */
    overlap: boolean;
    /** for an interrupting turn: the caller's first voiced packet → the end of the agent's last voiced one;
     * null: the agent talked on */
    bargeInStopMs?: number | null;
  };
  live: {
    turnIds: string[];
    timing: LiveTiming | null;
    bargeIns: Array<{ turnId: string; heardMs: number }>;
    tools: WindowEvents['tools'];
  };
}

export interface ConversationResult {
  ok: boolean;
  /** why not ok, one line each */
  problems: string[];
  callId: string;
  uri: string;
  answered: boolean;
  /** SIP code when the INVITE was refused */
  rejected?: number;
  media?: AnsweredMedia & { codec: string };
  /** who sent the BYE that ended the call (null: it did not end with a BYE) */
  endedBy: 'appliance' | 'caller' | null;
  /** Refer-To of a transfer, if the agent transferred the call */
  transferredTo?: string;
  live: { channel: string; connected: boolean; error?: string; sessionId?: string; agent?: string; events: number; otherCalls: number; invalid: number; callEnded?: string };
  turns: TurnResult[];
  stats: {
    callerTurns: number;
    /** caller turns (incl. interrupted replies) the agent answered */
    answeredTurns: number;
    /** wire voice-to-voice of the spoken turns (not key presses, not turns the agent was still talking at) */
    v2vMs: number[];
    v2vP50: number | null;
    v2vP95: number | null;
    bargeIns: number;
    bargeInStopMs: number[];
    /** live `firstRtpOutMs` of the spoken turns, when live events came */
    liveFirstRtpOutMs: number[];
  };
  out: string;
  wavs: { call?: string; turns: string[] };
  durationMs: number;
  sipp: { code: number | null; dir: string };
}

export type ProgressEvent =
  | { type: 'live'; connected: boolean; channel: string; redis: string; error?: string }
  | { type: 'calling'; uri: string; callId: string; rtp: string; transport: 'udp' | 'tcp' }
  | { type: 'answered'; media: AnsweredMedia & { codec: string } }
  | { type: 'not-answered'; code?: number; detail: string }
  | { type: 'session'; sessionId: string; agent: string }
  | { type: 'speaking'; index: number; turn: ScriptTurn }
  | { type: 'turn'; turn: TurnResult }
  | { type: 'live-event'; event: LiveEvent; window: number | undefined }
  | { type: 'transfer'; referTo: string }
  | { type: 'note'; text: string }
  | { type: 'ended'; by: 'appliance' | 'caller' | null };

interface Window {
  index: number;
  turn?: ScriptTurn;
  span?: SentSpan;
  /** the agent's answer is looked for from here (caller speech end, or the answer for the greeting) */
  since: number;
  outcome?: TurnResult['agent']['outcome'];
  /** end of this window's audio for its WAV */
  until?: number;
  /** the next turn barged into this window's reply */
  interruptedBy?: SentSpan;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** waits for `p`, at most `ms` (no timer left behind) */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/** bounds SIPp's whole run: every turn's speech, answer and reply, plus set-up and hang-up */
function runBoundS(script: ConversationScript, speechMs: number, o: Required<Pick<ConversationOptions, 'turnTimeoutMs' | 'maxReplyMs' | 'byeWaitMs'>>): number {
  const perTurn = Math.min(o.turnTimeoutMs + 30_000, o.turnTimeoutMs + o.maxReplyMs);
  return Math.ceil((speechMs + (script.turns.length + 1) * perTurn + o.byeWaitMs + 60_000) / 1000);
}

export async function runConversation(opts: ConversationOptions): Promise<ConversationResult> {
  const o = {
    transport: opts.transport ?? 'udp',
    turnTimeoutMs: opts.turnTimeoutMs ?? 15_000,
    quietMs: opts.quietMs ?? 900,
    interruptAfterMs: opts.interruptAfterMs ?? 1000,
    maxReplyMs: opts.maxReplyMs ?? 30_000,
    byeWaitMs: opts.byeWaitMs ?? 10_000,
    liveGraceMs: opts.liveGraceMs ?? 1500,
  };
  const progress = (e: ProgressEvent): void => opts.onProgress?.(e);
  const started = performance.now();
  mkdirSync(opts.out, { recursive: true });

  // the caller's voice, made before dialling so a missing synthesiser fails fast
  const speech = new Map<number, Buffer>();
  let speechMs = 0;
  opts.script.turns.forEach((t, i) => {
    if (t.kind !== 'say') return;
    const s = speechUlaw(t.text, 0, 0, opts.voice ?? 'flite:rms');
    speech.set(i + 1, s.ulaw);
    speechMs += s.ulaw.length / 8;
  });

  const media = await CallerMedia.open({ port: opts.ports?.rtp ?? 0, ...(opts.thresholdDbfs !== undefined ? { thresholdDbfs: opts.thresholdDbfs } : {}) });
  const uri = `sip:${opts.number}@${opts.target.host}:${opts.target.port}`;
  let sip: ConversationSip | undefined;
  let live: LiveSubscription | undefined;
  const problems: string[] = [];
  const windows: Window[] = [];
  const turns: TurnResult[] = [];
  let tracker: LiveTracker | undefined;
  let answeredAt = 0;
  let media0: (AnsweredMedia & { codec: string }) | undefined;
  let rejected: number | undefined;
  let transferredTo: string | undefined;
  /** barge-in stop times, by the index of the turn that interrupted */
  const pendingBargeIns = new Map<number, number | null>();

  try {
    // subscribe before dialling: `call_started` is published as soon as the call is answered
    const callId = newCallId();
    const t = new LiveTracker(callId);
    tracker = t;
    t.onEvent((event, window) => {
      if (event.type === 'call_started') progress({ type: 'session', sessionId: event.sessionId, agent: event.agent });
      progress({ type: 'live-event', event, window });
    });
    if (opts.redis) {
      live = await subscribeLive(opts.redis, (m) => t.handle(m));
      progress({
        type: 'live',
        connected: live.connected,
        channel: LIVE_CHANNEL,
        redis: opts.redis.url ?? `${opts.redis.host}:${opts.redis.port}`,
        ...(live.error ? { error: live.error } : {}),
      });
    }
    sip = await startConversationSip({
      target: opts.target,
      transport: o.transport,
      number: opts.number,
      rtp: { address: media.address, port: media.port },
      sipPort: opts.ports?.sip ?? 0,
      mediaPort: opts.ports?.sippMedia ?? 0,
      timeoutS: runBoundS(opts.script, speechMs, o),
      callId,
    }).catch((err: Error) => {
      throw new Error(`cannot start SIPp: ${err.message}`);
    });
    progress({ type: 'calling', uri, callId: sip.callId, rtp: `${media.address}:${media.port}`, transport: o.transport });
    sip.onEvent((e) => {
      if (e.type === 'refer') {
        transferredTo = e.referTo;
        progress({ type: 'transfer', referTo: e.referTo });
      }
      if (e.type === 'rejected') rejected = e.code;
    });

    const answer = await sip.answered;
    if (!answer) {
      const r = await sip.done.catch((err: Error) => err);
      const heardBack = !(r instanceof Error) && r.messages.some((m) => m.direction === 'received');
      const detail =
        r instanceof Error
          ? r.message
          : rejected
            ? `refused with ${rejected}`
            : heardBack
              ? `no final answer to the INVITE (SIPp exit ${r.code}; its files are in ${r.dir})`
              : `nothing answered at ${opts.target.host}:${opts.target.port} over ${o.transport.toUpperCase()}: is the appliance running (npm start), and is that its edge.listen address?`;
      progress({ type: 'not-answered', ...(rejected ? { code: rejected } : {}), detail });
      problems.push(`the call was not answered: ${detail}`);
    } else {
      answeredAt = performance.now();
      const codec = codecOfPt(answer.pt) ?? `payload type ${answer.pt}`;
      media0 = { ...answer, codec };
      progress({ type: 'answered', media: media0 });
      media.start({ address: answer.address, port: answer.port }, { codec: codecOfPt(answer.pt) ?? 'PCMU', ...(answer.dtmfPt !== undefined ? { dtmfPt: answer.dtmfPt } : {}) });
      await converse();
    }
  } catch (err) {
    media.close();
    sip?.kill();
    await live?.close();
    throw err;
  } finally {
    media.stop();
  }

  async function converse(): Promise<void> {
    const s = sip!;
    let callOver = false;
    void s.ended.then(() => (callOver = true));
    const aborted = (): boolean => opts.signal?.aborted === true;
    // stop talking at once when asked to stop
    opts.signal?.addEventListener('abort', () => media.clearQueue(), { once: true });
    const script = opts.script.turns;

    // window 0: the greeting
    let current: Window = { index: 0, since: answeredAt };
    windows.push(current);
    current.outcome = await waitForAgent(current.since, script[0]?.interrupt === true);
    // a reply the next turn will talk over stays open until that turn has spoken
    if (current.outcome !== 'interrupted') await finish(current);
    if (live?.connected && tracker?.sessionIds.size === 0) {
      progress({ type: 'note', text: `live: no call_started for Call-ID ${s.callId} yet (agent-core publishes live events; the built-in demo agent does not)` });
    }

    for (let i = 1; i <= script.length; i++) {
      if (callOver || aborted()) break;
      const turn = script[i - 1]!;
      const previous = current;
      tracker?.setWindow(i);
      progress({ type: 'speaking', index: i, turn });
      const span = turn.kind === 'say' ? await media.say(speech.get(i)!) : await media.keys(turn.digits);
      current = { index: i, turn, span, since: span.lastVoicedAt };
      windows.push(current);
      if (previous.until === undefined) {
        // the reply we talked over ends with our speech; its live events (the cut text) are due now
        previous.interruptedBy = span;
        await finish(previous);
      }
      if (callOver) {
        current.outcome = 'call-ended';
        break;
      }
      current.outcome = await waitForAgent(current.since, script[i]?.interrupt === true);
      if (current.outcome !== 'interrupted') await finish(current);
    }
    // a window left open (the script ended, or the call did): close it
    for (const w of windows) if (w.until === undefined) await finish(w);

    if (!callOver) {
      if (aborted()) progress({ type: 'note', text: 'stopped: hanging up' });
      else {
        // the agent should hang up after the goodbye; give it a moment
        const t0 = performance.now();
        while (!callOver && performance.now() - t0 < o.byeWaitMs && !aborted()) await sleep(50);
      }
      if (!callOver) await s.hangup();
    }
    await within(s.ended, 20_000);
  }

  /**
   * Waits for the agent's answer to speech that ended at `since`: until it spoke and went quiet (or, with
   * `interruptNext`, until it has been talking `interruptAfterMs`), nothing came within the turn timeout,
   * or the call ended.
   */
  async function waitForAgent(since: number, interruptNext: boolean): Promise<NonNullable<Window['outcome']>> {
    const d = new ReplyDetector(since, { quietMs: o.quietMs });
    for (const f of media.frames) if (f.at >= since) d.push(f.voiced, f.at);
    const off = media.onFrame((f) => d.push(f.voiced, f.at));
    let ended = false;
    void sip!.ended.then(() => (ended = true));
    try {
      for (;;) {
        const now = performance.now();
        const state = d.check(now);
        if (interruptNext && d.onsetAt !== undefined && now - d.onsetAt >= o.interruptAfterMs) return 'interrupted';
        if (state === 'done') return 'done';
        if (state === 'waiting' && now - since >= o.turnTimeoutMs) return 'no-answer';
        if (state === 'speaking' && now - d.onsetAt! >= o.maxReplyMs) return 'max-length';
        if (ended) return d.started ? 'done' : 'call-ended';
        if (opts.signal?.aborted) return d.started ? 'done' : 'call-ended';
        await sleep(FRAME_MS);
      }
    } finally {
      off();
    }
  }

  /** closes a window: waits briefly for its live events, writes its WAV, reports it */
  async function finish(w: Window): Promise<void> {
    w.until = w.interruptedBy ? w.interruptedBy.lastVoicedAt : performance.now();
    const events = (): WindowEvents | undefined => tracker?.eventsOf(w.index);
    const liveUp = live?.connected === true && (tracker?.sessionIds.size ?? 0) > 0;
    if (liveUp && w.outcome !== 'no-answer') {
      const t0 = performance.now();
      const complete = (): boolean => {
        const ev = events();
        if (!ev) return false;
        if (w.index === 0) return ev.agentFinals.length > 0;
        if (w.interruptedBy) return ev.agentFinals.some((a) => a.interrupted) || ev.timings.length > 0;
        return ev.timings.length > 0;
      };
      while (!complete() && performance.now() - t0 < o.liveGraceMs) await sleep(25);
    }
    const ev = events();
    const reply = measureReply(media.frames, w.since, w.until, { quietMs: o.quietMs });
    const replied = reply.onsetAt !== undefined;
    let wav: string | undefined;
    const frames = trimToVoice(media.frames, w.since, w.until + 1);
    if (frames.length > 0) {
      wav = `agent-${String(w.index + 1).padStart(2, '0')}.wav`;
      writeFileSync(join(opts.out, wav), wavOf(frames));
    }
    const span = w.span;
    const timing = ev?.timings[0];
    const hungUp = sip?.events.some((e) => e.type === 'bye-received') === true;
    let outcome: TurnResult['agent']['outcome'] = w.outcome ?? 'call-ended';
    if (!replied) outcome = outcome === 'call-ended' && hungUp ? 'hung-up' : outcome === 'call-ended' ? 'call-ended' : 'no-answer';
    const result: TurnResult = {
      index: w.index,
      kind: w.turn ? w.turn.kind : 'greeting',
      ...(w.turn ? { script: turnLabel(w.turn) } : {}),
      interrupt: w.turn?.interrupt === true,
      ...(span
        ? {
            caller: {
              heard: ev && ev.callerFinals.length > 0 ? ev.callerFinals.map((c) => c.text).join(' / ') : null,
              startMs: Math.round(span.firstVoicedAt - answeredAt),
              endMs: Math.round(span.lastVoicedAt - answeredAt),
            },
          }
        : {}),
      agent: {
        replied,
        outcome,
        text: ev && ev.agentFinals.length > 0 ? ev.agentFinals.map((a) => a.text).join(' ') : null,
        cut: ev?.agentFinals.some((a) => a.interrupted) ?? false,
        speechMs: reply.agentSpeechMs,
        ...(wav ? { wav } : {}),
      },
      wire: { v2vMs: span && reply.v2vMs !== null ? Math.round(reply.v2vMs) : null, overlap: span ? reply.overlap : false },
      live: { turnIds: ev?.turnIds ?? [], timing: timing ? liveTiming(timing) : null, bargeIns: ev?.bargeIns ?? [], tools: ev?.tools ?? [] },
    };
    turns.push(result);
    // the barge-in is reported with the turn that interrupted (it is measured when that turn is known)
    if (w.interruptedBy) {
      const b = measureBargeIn(media.frames, w.interruptedBy);
      pendingBargeIns.set(w.index + 1, b.stopMs);
    }
    const own = pendingBargeIns.get(w.index);
    if (result.interrupt) result.wire.bargeInStopMs = own ?? null;
    progress({ type: 'turn', turn: result });
  }

  // after the call: whole-call recording, SIP trace, result
  const sippResult = sip ? await sip.done.catch(() => undefined) : undefined;
  await live?.close();
  const wavs: ConversationResult['wavs'] = { turns: turns.filter((t) => t.agent.wav).map((t) => t.agent.wav!) };
  if (media.frames.length > 0) {
    writeFileSync(join(opts.out, 'call.wav'), wavOf(media.frames));
    wavs.call = 'call.wav';
  }
  media.close();
  if (sippResult && existsSync(join(sippResult.dir, 'messages.log'))) copyFileSync(join(sippResult.dir, 'messages.log'), join(opts.out, 'sip.log'));

  const sipEvents = sip?.events ?? [];
  const endedBy: ConversationResult['endedBy'] = sipEvents.some((e) => e.type === 'bye-received')
    ? 'appliance'
    : sipEvents.some((e) => e.type === 'bye-answered')
      ? 'caller'
      : null;
  if (media0) progress({ type: 'ended', by: endedBy });

  turns.sort((a, b) => a.index - b.index);
  const callerTurns = turns.filter((t) => t.index > 0);
  const played = windows.filter((w) => w.index > 0).length;
  const answeredTurns = callerTurns.filter((t) => t.agent.replied || t.agent.outcome === 'hung-up').length;
  // voice-to-voice: spoken turns only (a key press has no speech end for the VAD to wait for)
  const spoken = callerTurns.filter((t) => t.kind === 'say');
  const v2v = spoken.filter((t) => t.wire.v2vMs !== null && !t.wire.overlap).map((t) => t.wire.v2vMs!);
  const bargeInStops = callerTurns.filter((t) => t.interrupt && typeof t.wire.bargeInStopMs === 'number').map((t) => t.wire.bargeInStopMs as number);
  if (media0) {
    if (played < opts.script.turns.length) problems.push(`the call ended after ${played} of ${opts.script.turns.length} caller turns`);
    for (const t of callerTurns) {
      if (t.agent.replied || t.agent.outcome === 'hung-up') continue;
      problems.push(`turn ${t.index} ("${t.script}"): ${t.agent.outcome === 'call-ended' ? 'the call ended before the agent answered' : 'the agent never answered'}`);
    }
    if (!endedBy) problems.push('the call did not end with a BYE');
    if (media.frames.length === 0) problems.push('no audio came from the appliance');
  }
  const liveInfo: ConversationResult['live'] = {
    channel: LIVE_CHANNEL,
    connected: live?.connected === true,
    ...(live?.error ? { error: live.error } : !opts.redis ? { error: 'not asked for' } : {}),
    ...(tracker?.callStarted ? { sessionId: tracker.callStarted.sessionId, agent: tracker.callStarted.agent } : {}),
    events: tracker?.stats.ours ?? 0,
    otherCalls: tracker?.stats.otherCalls ?? 0,
    invalid: tracker?.stats.invalid ?? 0,
    ...(tracker?.callEnded ? { callEnded: tracker.callEnded.reason } : {}),
  };
  const result: ConversationResult = {
    ok: problems.length === 0 && media0 !== undefined,
    problems,
    callId: sip?.callId ?? '',
    uri,
    answered: media0 !== undefined,
    ...(rejected ? { rejected } : {}),
    ...(media0 ? { media: media0 } : {}),
    endedBy,
    ...(transferredTo ? { transferredTo } : {}),
    live: liveInfo,
    turns,
    stats: {
      callerTurns: callerTurns.length,
      answeredTurns,
      v2vMs: v2v,
      v2vP50: percentile(v2v, 50),
      v2vP95: percentile(v2v, 95),
      bargeIns: callerTurns.filter((t) => t.interrupt).length,
      bargeInStopMs: bargeInStops,
      liveFirstRtpOutMs: spoken.map((t) => t.live.timing?.firstRtpOutMs).filter((x): x is number => typeof x === 'number'),
    },
    out: opts.out,
    wavs,
    durationMs: Math.round(performance.now() - started),
    sipp: { code: sippResult?.code ?? null, dir: sippResult?.dir ?? sip?.dir ?? '' },
  };
  if (opts.writeSummary) writeFileSync(join(opts.out, 'summary.json'), JSON.stringify(summaryJson(result), null, 2) + '\n');
  return result;
}

function liveTiming({ v: _v, sessionId: _s, seq: _q, at: _a, type: _t, ...timing }: TurnTimingEvent): LiveTiming {
  return timing;
}

/** what summary.json holds: the result with per-turn numbers (texts are the redacted live ones) */
export function summaryJson(r: ConversationResult): Record<string, unknown> {
  return {
    version: 1,
    ok: r.ok,
    problems: r.problems,
    uri: r.uri,
    callId: r.callId,
    answered: r.answered,
    rejected: r.rejected ?? null,
    codec: r.media?.codec ?? null,
    endedBy: r.endedBy,
    transferredTo: r.transferredTo ?? null,
    live: r.live,
    durationMs: r.durationMs,
    stats: r.stats,
    turns: r.turns.map((t) => ({
      index: t.index,
      kind: t.kind,
      script: t.script ?? null,
      interrupt: t.interrupt,
      callerHeard: t.caller?.heard ?? null,
      callerStartMs: t.caller?.startMs ?? null,
      callerEndMs: t.caller?.endMs ?? null,
      agentReplied: t.agent.replied,
      agentOutcome: t.agent.outcome,
      agentText: t.agent.text,
      agentCut: t.agent.cut,
      agentSpeechMs: t.agent.speechMs,
      wav: t.agent.wav ?? null,
      v2vWireMs: t.wire.v2vMs,
      v2vOverlap: t.wire.overlap,
      bargeInStopMs: t.wire.bargeInStopMs ?? null,
      live: t.live,
    })),
    wavs: r.wavs,
    sampleRate: SAMPLE_RATE,
  };
}

export type { AudioFrame };
