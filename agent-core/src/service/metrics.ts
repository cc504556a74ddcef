/**
 * agent-core's Prometheus metrics: per-stage turn latency, barge-ins, tool outcomes, provider routing events
 * and circuit-breaker states, live sessions. Labels carry names and outcomes only, never caller content.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { TurnReport } from '../session/call-session.js';

const MS_BUCKETS = [25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000];

export class AgentMetrics {
  readonly sessions: Gauge;
  readonly turnStage: Histogram<'stage' | 'agent'>;
  readonly turns: Counter<'agent' | 'filler'>;
  readonly toolCalls: Counter<'tool' | 'outcome'>;
  readonly toolMs: Histogram<'tool'>;
  readonly routerEvents: Counter<'stage' | 'router' | 'provider' | 'kind'>;
  readonly breakerState: Gauge<'stage' | 'router' | 'provider'>;
  readonly liveDropped: Counter;
  readonly firstPartial: Histogram<'agent'>;
  readonly bargeIns: Counter<'agent'>;
  readonly storeWriteFailures: Counter<'what'>;
  readonly postCallFailures: Counter<'step'>;
  readonly batchYielding: Gauge;

  constructor(registry: Registry) {
    this.sessions = new Gauge({ name: 'callgate_agent_sessions', help: 'agent-core sessions (calls) in progress', registers: [registry] });
    this.turnStage = new Histogram({
      name: 'callgate_turn_stage_ms',
      help: 'ms from the end of the caller speech to each stage of the reply: stt_final, first_token, first_audio, first_rtp_out (voice-to-voice)',
      labelNames: ['stage', 'agent'],
      buckets: MS_BUCKETS,
      registers: [registry],
    });
    this.turns = new Counter({ name: 'callgate_turns_total', help: 'caller turns answered, by whether a filler had to cover a late first output', labelNames: ['agent', 'filler'], registers: [registry] });
    this.toolCalls = new Counter({ name: 'callgate_tool_calls_total', help: 'tool executions by outcome (ok or the error code)', labelNames: ['tool', 'outcome'], registers: [registry] });
    this.toolMs = new Histogram({ name: 'callgate_tool_ms', help: 'tool execution time, queueing included', labelNames: ['tool'], buckets: MS_BUCKETS, registers: [registry] });
    this.routerEvents = new Counter({ name: 'callgate_provider_events_total', help: 'provider router events: retry, timeout, fallback, failover, stall, ...', labelNames: ['stage', 'router', 'provider', 'kind'], registers: [registry] });
    this.breakerState = new Gauge({ name: 'callgate_provider_breaker_state', help: 'circuit breaker per provider (per agent router): 0 closed, 1 half-open, 2 open', labelNames: ['stage', 'router', 'provider'], registers: [registry] });
    this.firstPartial = new Histogram({ name: 'callgate_stt_first_partial_ms', help: 'ms from the caller speech onset to the first partial transcript', labelNames: ['agent'], buckets: MS_BUCKETS, registers: [registry] });
    this.bargeIns = new Counter({ name: 'callgate_agent_barge_ins_total', help: 'replies cut short by the caller (the history keeps what was heard)', labelNames: ['agent'], registers: [registry] });
    this.storeWriteFailures = new Counter({ name: 'callgate_store_write_failures_total', help: 'conversation store writes that failed after every retry', labelNames: ['what'], registers: [registry] });
    this.postCallFailures = new Counter({ name: 'callgate_postcall_failures_total', help: 'post-call flows that failed for good, by the step that failed', labelNames: ['step'], registers: [registry] });
    this.batchYielding = new Gauge({ name: 'callgate_batch_yielding', help: '1 while batch work yields to live calls or realtime lag', registers: [registry] });
    this.liveDropped = new Counter({ name: 'callgate_live_events_dropped_total', help: 'live events not published (redis unavailable)', registers: [registry] });
  }

  turn(agent: string, r: TurnReport): void {
    const stages: Array<[string, number | null]> = [
      ['stt_final', r.sttFinalMs],
      ['first_token', r.firstTokenMs],
      ['first_audio', r.firstAudioMs],
      ['first_rtp_out', r.firstRtpOutMs],
    ];
    for (const [stage, v] of stages) if (v !== null) this.turnStage.observe({ stage, agent }, v);
    if (r.sttFirstPartialMs !== null) this.firstPartial.observe({ agent }, r.sttFirstPartialMs);
    if (r.bargeInMs !== null) this.bargeIns.inc({ agent });
    this.turns.inc({ agent, filler: String(r.filler) });
  }
}
