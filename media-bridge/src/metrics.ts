/** Prometheus metrics of the media bridge, read from the endpoints' own counters at scrape time (no per-packet cost). */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { InProcessMediaControl } from './control/in-process.js';

export function registerMediaMetrics(registry: Registry, control: InProcessMediaControl): void {
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
}
