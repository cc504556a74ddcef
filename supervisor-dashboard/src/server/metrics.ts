/** The dashboard's Prometheus metrics: SLO state (what the alert rules watch), live sockets, logins, events. */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { SloStatus } from '../api/types.js';

export function dashboardMetrics(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  const m = {
    sloBreached: new Gauge({ name: 'callgate_slo_breached', help: 'An SLO held over its target for the hold time (1) or not (0)', labelNames: ['slo'], registers }),
    sloOver: new Gauge({ name: 'callgate_slo_over_target', help: 'An SLO p95 is over its target now (1) or not (0)', labelNames: ['slo'], registers }),
    sloP95: new Gauge({ name: 'callgate_slo_p95_ms', help: 'p95 over the SLO window, ms (absent with too few samples)', labelNames: ['slo'], registers }),
    sloTarget: new Gauge({ name: 'callgate_slo_target_ms', help: 'The configured SLO target, ms', labelNames: ['slo'], registers }),
    wsClients: new Gauge({ name: 'callgate_dashboard_ws_clients', help: 'Open live WebSocket connections', registers }),
    wsCoalesced: new Counter({ name: 'callgate_dashboard_ws_coalesced_total', help: 'Live updates held back because a browser was slow (it got a newer snapshot later)', registers }),
    logins: new Counter({ name: 'callgate_dashboard_logins_total', help: 'Login attempts by result', labelNames: ['result'], registers }),
    liveEvents: new Counter({ name: 'callgate_dashboard_live_events_total', help: 'Live events read from Redis by result', labelNames: ['result'], registers }),
  };
  return {
    ...m,
    slo(status: SloStatus[]): void {
      for (const s of status) {
        m.sloBreached.set({ slo: s.name }, s.breached ? 1 : 0);
        m.sloOver.set({ slo: s.name }, s.over ? 1 : 0);
        m.sloTarget.set({ slo: s.name }, s.targetMs);
        if (s.p95Ms === null) m.sloP95.remove({ slo: s.name });
        else m.sloP95.set({ slo: s.name }, s.p95Ms);
      }
    },
  };
}
export type DashboardMetrics = ReturnType<typeof dashboardMetrics>;
