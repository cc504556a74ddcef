/**
 * The embedded SIP edge: a SIP server (UDP/TCP transports, parser, RFC 3261 transactions, dialogs) that speaks
 * the drachtio wire protocol to applications, so a drachtio-srf app runs on it exactly as on drachtio-server.
 *
 *   network ──► transport ──► parser ──► transactions ──► NetworkSide (route to app / dialog)  ──► wire ──► app
 *   app ──► wire ──► AppSide (complete the app's partial SIP from transaction + dialog state) ──► transactions ──► network
 */
import type { Registry } from 'prom-client';
import type { EdgeConfig, Logger } from '@callgate/contracts';
import { UdpTransport } from '../transport/udp-transport.js';
import { TcpTransport } from '../transport/tcp-transport.js';
import type { Remote, SipTransport, TransportName } from '../transport/types.js';
import { serializeMessage } from '../sip/serialize.js';
import type { SipMessage } from '../sip/message.js';
import { TransactionManager } from '../transaction/manager.js';
import { systemClock, type Clock } from '../transaction/clock.js';
import { DialogStore } from '../dialog/dialog.js';
import { ControlServer } from '../wire/control-server.js';
import { createEdgeMetrics, type EdgeMetrics } from './metrics.js';
import { NetworkSide } from './network-side.js';
import { AppSide } from './app-side.js';
import type { EdgeContext } from './context.js';
import { OverloadGuard } from './overload-guard.js';

export interface SipEdgeOptions {
  config: EdgeConfig;
  logger: Logger;
  registry: Registry;
  clock?: Clock;
}

export interface ListeningAddress {
  transport: TransportName;
  address: string;
  port: number;
}

export class SipEdge {
  private readonly transports = new Map<TransportName, SipTransport>();
  private readonly listening: ListeningAddress[] = [];
  private control?: ControlServer;
  private ctx?: EdgeContext;
  readonly metrics: EdgeMetrics;

  constructor(private readonly opts: SipEdgeOptions) {
    this.metrics = createEdgeMetrics(opts.registry);
  }

  /** bind SIP listeners and the drachtio control port; resolves once all are listening */
  async start(): Promise<{ sip: ListeningAddress[]; control: { address: string; port: number } }> {
    const { config, logger } = this.opts;
    for (const l of config.listen) {
      if (this.transports.has(l.transport)) throw new Error(`edge.listen: only one ${l.transport} listener is supported`);
      const t: SipTransport =
        l.transport === 'udp'
          ? new UdpTransport()
          : new TcpTransport({ idleTimeoutMs: config.tcpIdleTimeoutMs, maxMessageBytes: config.maxMessageBytes });
      const bound = await t.listen(l.address, l.port);
      this.transports.set(l.transport, t);
      this.listening.push({ transport: l.transport, address: bound.address, port: bound.port });
    }
    const advertised = (t: TransportName) => {
      const l = this.listening.find((x) => x.transport === t) ?? (this.listening[0] as ListeningAddress);
      const host = config.advertisedAddress ?? (l.address === '0.0.0.0' || l.address === '::' ? '127.0.0.1' : l.address);
      return { host: host.includes(':') ? `[${host}]` : host, port: l.port };
    };
    const send = (msg: SipMessage, target: Remote) => this.sendRaw(target, serializeMessage(msg), msg);
    const txm = new TransactionManager({ clock: this.opts.clock ?? systemClock, timers: config.timers, send });
    const dialogs = new DialogStore();
    this.metrics.countTransactions = () => txm.size();
    this.metrics.countApps = () => this.control?.authenticatedCount ?? 0;

    // the two halves reference each other through the context
    const ctx: EdgeContext = {
      config,
      logger,
      metrics: this.metrics,
      clock: this.opts.clock ?? systemClock,
      overload: new OverloadGuard({ maxDelayMs: config.overloadDelayMs }),
      txm,
      dialogs,
      advertised,
      sendRaw: (target, data, msg) => this.sendRaw(target, data, msg),
      app: (id) => this.control?.get(id),
      appFor: (method) => this.control?.appFor(method),
      routedMethods: () => this.control?.routedMethods() ?? [],
      network: undefined as unknown as NetworkSide,
      appSide: undefined as unknown as AppSide,
    };
    ctx.network = new NetworkSide(ctx);
    ctx.appSide = new AppSide(ctx);
    this.ctx = ctx;

    for (const [name, t] of this.transports) {
      t.onMessage((packet) => ctx.network.onPacket(packet));
      t.onStreamError((remote, error, partial) => ctx.network.onStreamError(name, remote, error, partial));
    }

    this.control = new ControlServer({
      address: config.control.address,
      port: config.control.port,
      secret: config.control.secret,
      hostports: () => this.listening.map((l) => `${l.transport}/${l.address}:${l.port}`).join(','),
      logger: logger.child({ component: 'drachtio-protocol' }),
      handler: ctx.appSide,
    });
    const control = await this.control.listen();
    logger.info('sip edge listening', { sip: this.listening, control });
    return { sip: [...this.listening], control };
  }

  get dialogCount(): number {
    return this.ctx?.dialogs.size ?? 0;
  }

  async stop(): Promise<void> {
    this.ctx?.overload.stop();
    await this.control?.close();
    for (const t of this.transports.values()) await t.close();
    this.transports.clear();
  }

  private sendRaw(target: Remote, data: Buffer, msg?: SipMessage): void {
    const t = this.transports.get(target.transport) ?? this.transports.values().next().value;
    if (!t) return;
    if (msg) {
      if (msg.isRequest) this.metrics.requestsOut.inc({ method: msg.method });
      else this.metrics.responsesOut.inc({ code: String(msg.status) });
    }
    t.send(target, data).catch((err: Error) => {
      this.opts.logger.debug('sip send failed', { err: err.message, target });
    });
  }
}
