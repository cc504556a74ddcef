/** Prometheus metrics of the media bridge, read from the endpoints' own counters at scrape time (no per-packet cost). */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { InProcessMediaControl } from './control/in-process.js';
import type { VadEngine } from './vad/vad-engine.js';

export function registerMediaMetrics(registry: Registry, control: InProcessMediaControl, vad?: VadEngine): void {
  const registers = [registry];
  const total = (pick: (t: ReturnType<InProcessMediaControl['totals']>) => number) =>
    function (this: Counter) {
      this.reset();
      this.inc(pick(control.totals()));
    };
  new Counter({ name: 'callgate_rtp_packets_received_total', help: 'RTP packets received from callers', registers, collect: total((t) => t.received) });
  new Counter({ name: 'callgate_rtp_packets_sent_total', help: 'RTP packets sent to callers', registers, collect: total((t) => t.sent) });
  new Counter({ name: 'callgate_rtp_packets_lost_total', help: 'RTP packets lost on the way in (sequence gaps)', registers, collect: total((t) => t.lost) });
  new Gauge({
    name: 'callgate_rtp_endpoints',
    help: 'RTP endpoints allocated (one per call)',
    registers,
    collect() {
      this.set(control.totals().endpoints);
    },
  });
  if (!vad) return;
  const vadTotal = (pick: (v: ReturnType<VadEngine['stats']>) => number) =>
    function (this: Counter) {
      this.reset();
      this.inc(pick(vad.stats()));
    };
  new Counter({ name: 'callgate_vad_inferences_total', help: 'Silero VAD model runs (one per batch)', registers, collect: vadTotal((v) => v.inferences) });
  new Counter({ name: 'callgate_vad_windows_total', help: '32 ms windows scored by the VAD model', registers, collect: vadTotal((v) => v.framesInferred) });
  new Counter({ name: 'callgate_vad_inference_seconds_total', help: 'time spent in VAD inference', registers, collect: vadTotal((v) => v.inferenceUs / 1e6) });
}
