/** Prometheus instruments the call sessions update as things happen (labels are bounded: no per-call labels). */
import { Counter, Histogram, type Registry } from 'prom-client';

/** The per-event instruments of the media bridge's call logic. */
export interface CallMetrics {
  speechSegments: Counter;
  bargeIns: Counter<'cause'>;
  bargeInPauses: Counter;
  falseInterruptions: Counter<'action'>;
  /** onset of the caller's speech → barge-in confirmed (ms on the media clock) */
  bargeInDecisionMs: Histogram;
  agentFailures: Counter<'kind'>;
  fallbackPrompts: Counter;
  ttsFramesRefused: Counter;
  mos: Histogram;
  jitterMs: Histogram;
  dtmf: Counter<'source'>;
}

export function createCallMetrics(registry?: Registry): CallMetrics {
  const registers = registry ? [registry] : [];
  return {
    speechSegments: new Counter({ name: 'callgate_vad_speech_segments_total', help: 'caller turns detected by the VAD (speech start)', registers }),
    bargeIns: new Counter({ name: 'callgate_bargein_total', help: 'confirmed barge-ins, by cause', labelNames: ['cause'], registers }),
    bargeInPauses: new Counter({ name: 'callgate_bargein_pauses_total', help: 'playouts paused at a speech onset (tentative barge-ins)', registers }),
    falseInterruptions: new Counter({
      name: 'callgate_false_interruptions_total',
      help: 'pauses that did not last the barge-in minimum, by what happened to the reply',
      labelNames: ['action'],
      registers,
    }),
    bargeInDecisionMs: new Histogram({
      name: 'callgate_bargein_decision_ms',
      help: 'caller speech onset to confirmed barge-in, ms',
      buckets: [50, 100, 150, 200, 300, 500, 800, 1200],
      registers,
    }),
    agentFailures: new Counter({ name: 'callgate_agent_link_failures_total', help: 'agent-core link failures by kind (down, gave_up, slow)', labelNames: ['kind'], registers }),
    fallbackPrompts: new Counter({ name: 'callgate_fallback_prompts_total', help: 'fallback prompts played to callers', registers }),
    ttsFramesRefused: new Counter({ name: 'callgate_tts_audio_refused_total', help: 'agent audio refused (reply ended or flushed, or queue full)', registers }),
    mos: new Histogram({ name: 'callgate_call_mos', help: 'per-call E-model MOS estimates as published', buckets: [1.5, 2, 2.5, 3, 3.5, 3.8, 4, 4.2, 4.4], registers }),
    jitterMs: new Histogram({ name: 'callgate_rtp_jitter_ms', help: 'per-call RFC 3550 interarrival jitter as published, ms', buckets: [1, 2, 5, 10, 20, 40, 80, 160], registers }),
    dtmf: new Counter({ name: 'callgate_dtmf_digits_total', help: 'DTMF digits received, by source', labelNames: ['source'], registers }),
  };
}
