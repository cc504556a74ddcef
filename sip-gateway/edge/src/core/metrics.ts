/** Prometheus metrics of the embedded SIP edge. */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface EdgeMetrics {
  requestsIn: Counter<'method' | 'transport'>;
  responsesOut: Counter<'code'>;
  requestsOut: Counter<'method'>;
  responsesIn: Counter<'code'>;
  parseErrors: Counter<'transport' | 'answered'>;
  transactionTimeouts: Counter<'kind'>;
  dialogs: Gauge;
  overloadRejections: Counter;
  /** live transactions are read from this at scrape time */
  countTransactions: () => number;
  /** authenticated applications are read from this at scrape time */
  countApps: () => number;
}

export function createEdgeMetrics(registry: Registry): EdgeMetrics {
  const registers = [registry];
  const metrics: EdgeMetrics = {
    countTransactions: () => 0,
    countApps: () => 0,
    requestsIn: new Counter({ name: 'callgate_edge_sip_requests_received_total', help: 'SIP requests received from the network, by method', labelNames: ['method', 'transport'], registers }),
    responsesOut: new Counter({ name: 'callgate_edge_sip_responses_sent_total', help: 'SIP responses sent to the network, by status code', labelNames: ['code'], registers }),
    requestsOut: new Counter({ name: 'callgate_edge_sip_requests_sent_total', help: 'SIP requests sent to the network, by method (retransmissions excluded)', labelNames: ['method'], registers }),
    responsesIn: new Counter({ name: 'callgate_edge_sip_responses_received_total', help: 'SIP responses received from the network, by status code', labelNames: ['code'], registers }),
    parseErrors: new Counter({ name: 'callgate_edge_sip_parse_errors_total', help: 'SIP messages that failed to parse; answered=true when a 400 went back', labelNames: ['transport', 'answered'], registers }),
    transactionTimeouts: new Counter({ name: 'callgate_edge_transaction_timeouts_total', help: 'SIP transaction timeouts (timer B/F/H, ACK timeout)', labelNames: ['kind'], registers }),
    overloadRejections: new Counter({ name: 'callgate_edge_overload_rejections_total', help: 'new INVITEs answered 503 because the process was overloaded (event-loop delay)', registers }),
    dialogs: new Gauge({ name: 'callgate_edge_dialogs', help: 'SIP dialogs held by the edge', registers }),
  };
  new Gauge({
    name: 'callgate_edge_transactions',
    help: 'live SIP transactions (server and client)',
    registers,
    collect() {
      this.set(metrics.countTransactions());
    },
  });
  new Gauge({
    name: 'callgate_edge_applications',
    help: 'authenticated applications connected over the drachtio protocol',
    registers,
    collect() {
      this.set(metrics.countApps());
    },
  });
  return metrics;
}
