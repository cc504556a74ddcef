/** How `npm run call` writes a conversation down: one block per turn as it completes, then a summary. */
import { join } from 'node:path';
import type { ConversationResult, LiveTiming, TurnResult } from './conversation.js';
import { percentile } from './wire.js';

const ms = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : `${Math.round(v)} ms`);
const secs = (v: number): string => `${(v / 1000).toFixed(1)} s`;

export function formatLiveTiming(t: LiveTiming): string {
  const parts = [`stt final ${ms(t.sttFinalMs)}`, `first token ${ms(t.firstTokenMs)}`, `first audio ${ms(t.firstAudioMs)}`, `first RTP out ${ms(t.firstRtpOutMs)}`];
  if (t.bargeInMs !== null) parts.push(`barge-in ${ms(t.bargeInMs)}`);
  if (t.filler) parts.push('filler spoken');
  return parts.join(' · ');
}

/** the lines for one finished turn (window 0 = the greeting) */
export function formatTurn(t: TurnResult, o: { turnTimeoutMs?: number; interruptAfterMs?: number } = {}): string[] {
  const lines: string[] = [];
  const pad = '        ';
  if (t.index === 0) lines.push('greeting');
  else lines.push(`turn ${t.index}${t.interrupt ? ' (barge-in)' : ''}`);
  if (t.index > 0) {
    const who = t.kind === 'dtmf' ? 'caller (keys)' : 'caller';
    const heard = t.caller?.heard;
    lines.push(`  ${who}: ${heard ?? `(said) ${t.script ?? ''}`}`);
  }
  const a = t.agent;
  if (!a.replied && a.outcome === 'hung-up') lines.push('  agent:  (hung up)');
  else if (!a.replied) {
    const why = a.outcome === 'call-ended' ? 'the call ended before the agent spoke' : `the agent never answered (no speech within ${secs(o.turnTimeoutMs ?? 15_000)})`;
    lines.push(`  agent:  !! ${why}`);
  } else {
    const tags: string[] = [];
    if (a.cut || a.outcome === 'interrupted') tags.push('interrupted');
    if (a.outcome === 'max-length') tags.push('still talking at the maximum reply length');
    const text = a.text ?? `(no live transcript: ${secs(a.speechMs)} of speech)`;
    lines.push(`  agent:  ${tags.length ? `[${tags.join(', ')}] ` : ''}${text}`);
  }
  const lat: string[] = [];
  if (t.index > 0) {
    const what = t.kind === 'dtmf' ? 'keys-to-voice on the wire' : 'v2v on the wire';
    if (t.wire.v2vMs !== null) lat.push(`${what} ${ms(t.wire.v2vMs)}${t.wire.overlap ? ' (the agent was still talking)' : ''}`);
    if (t.live.timing) lat.push(`live: ${formatLiveTiming(t.live.timing)}`);
  }
  if (lat.length) lines.push(`  latency: ${lat.join(' | ')}`);
  if (t.interrupt) {
    const b = t.wire.bargeInStopMs;
    lines.push(`  barge-in: ${b === null || b === undefined ? '!! the agent talked on over the caller' : b === 0 ? 'the agent was already quiet' : `the agent stopped ${ms(b)} after the caller started talking`}`);
  }
  for (const tool of t.live.tools) if (tool.status !== 'started') lines.push(`  tool:   ${tool.tool} ${tool.status}${tool.ms !== undefined ? ` in ${ms(tool.ms)}` : ''}${tool.error ? `: ${tool.error}` : ''}`);
  if (a.wav) lines.push(`${pad}(${a.wav}, ${secs(a.speechMs)} of speech)`);
  return lines;
}

export function formatSummary(r: ConversationResult, outShown = r.out): string[] {
  const s = r.stats;
  const lines = ['summary'];
  if (!r.answered) {
    lines.push(`  the call was not answered${r.rejected ? ` (${r.rejected})` : ''}`);
  } else {
    lines.push(`  caller turns: ${s.callerTurns}, answered by the agent: ${s.answeredTurns}`);
    lines.push(
      s.v2vMs.length
        ? `  v2v on the wire: p50 ${ms(s.v2vP50)}, p95 ${ms(s.v2vP95)} (${s.v2vMs.length} turn${s.v2vMs.length === 1 ? '' : 's'}; caller's last voiced packet sent → agent's first voiced packet received)`
        : '  v2v on the wire: no answered turn to measure',
    );
    if (s.liveFirstRtpOutMs.length) lines.push(`  live first RTP out (agent-core): p50 ${ms(percentile(s.liveFirstRtpOutMs, 50))}, p95 ${ms(percentile(s.liveFirstRtpOutMs, 95))}`);
    if (s.bargeIns) {
      const stops = s.bargeInStopMs.length ? `, agent stopped after ${s.bargeInStopMs.map((v) => ms(v)).join(', ')}` : '';
      lines.push(`  barge-ins: ${s.bargeIns}${stops}`);
    }
    lines.push(`  live events: ${r.live.connected ? `${r.live.events} for this call${r.live.sessionId ? ` (session ${r.live.sessionId})` : ' (none matched the Call-ID)'}` : `none (${r.live.error ?? 'not connected'})`}`);
    if (r.transferredTo) lines.push(`  transferred to: ${r.transferredTo}`);
    lines.push(`  call ended by: ${r.endedBy === 'appliance' ? 'the appliance (BYE)' : r.endedBy === 'caller' ? 'the caller (BYE)' : 'no BYE'}`);
    const wavs = r.wavs.turns;
    if (r.wavs.call || wavs.length) {
      const per = wavs.length ? `${wavs.length} per-turn WAV${wavs.length === 1 ? '' : 's'} (${wavs[0]}${wavs.length > 1 ? ` … ${wavs[wavs.length - 1]}` : ''})` : '';
      lines.push(`  recordings: ${[r.wavs.call ? join(outShown, r.wavs.call) : '', per].filter(Boolean).join(' + ')}`);
    }
  }
  return lines;
}
