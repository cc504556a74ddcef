/**
 * The gateway's Prometheus metrics, registered on the registry it is given (never the global one).
 * Label values are bounded: methods outside the SIP method list count as OTHER.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { SipRequest, SipResponse } from './sip/types.js';

export type CallOutcome = 'completed' | 'transferred' | 'cancelled' | 'rejected' | 'failed';
export type AdmissionRejection = 'concurrency' | 'rate' | 'draining';

const KNOWN_METHODS = new Set([
  'INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'INFO', 'UPDATE', 'PRACK', 'REFER', 'NOTIFY',
  'SUBSCRIBE', 'MESSAGE', 'PUBLISH',
]);

function counter<T extends string>(registry: Registry, name: string, help: string, labelNames: T[]): Counter<T> {
  const existing = registry.getSingleMetric(name);
  if (existing) registry.removeSingleMetric(name);
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export class GatewayMetrics {
  private readonly requests: Counter<'method'>;
  private readonly responses: Counter<'code'>;
  private readonly rejections: Counter<'reason'>;
  private readonly calls: Counter<'outcome'>;

  constructor(registry: Registry, activeCalls: () => number) {
    this.requests = counter(registry, 'callgate_sip_requests_total', 'SIP requests received by the gateway', ['method']);
    this.responses = counter(registry, 'callgate_sip_responses_total', 'final SIP responses sent by the gateway', ['code']);
    this.rejections = counter(registry, 'callgate_admission_rejections_total', 'calls refused by admission control', ['reason']);
    this.calls = counter(registry, 'callgate_calls_total', 'call attempts that ended, by outcome', ['outcome']);
    if (registry.getSingleMetric('callgate_active_calls')) registry.removeSingleMetric('callgate_active_calls');
    new Gauge({
      name: 'callgate_active_calls',
      help: 'calls admitted and not yet ended (setting up or connected)',
      registers: [registry],
      collect() {
        this.set(activeCalls());
      },
    });
  }

  request(method: string): void {
    const m = method.toUpperCase();
    this.requests.inc({ method: KNOWN_METHODS.has(m) ? m : 'OTHER' });
  }

  response(code: number): void {
    this.responses.inc({ code: String(code) });
  }

  rejected(reason: AdmissionRejection): void {
    this.rejections.inc({ reason });
  }

  callEnded(outcome: CallOutcome): void {
    this.calls.inc({ outcome });
  }

  /** counts a received request and the final response the gateway sends to it */
  observe(req: SipRequest, res: SipResponse): void {
    this.request(req.method);
    res.once('end', ({ status }) => this.response(status));
  }
}
