/**
 * Messages from the network: parse, answer what is malformed, pass retransmissions to the transaction layer,
 * then hand each new request to the application that routed its method (or to the owner of its dialog).
 */
import { randomUUID } from 'node:crypto';
import type { InboundPacket, Remote, TransportName } from '../transport/types.js';
import { parseMessage } from '../sip/parser.js';
import { serializeMessage } from '../sip/serialize.js';
import { buildResponse } from '../sip/response-builder.js';
import type { SipMessage } from '../sip/message.js';
import type { ServerTransaction } from '../transaction/base.js';
import { sipToApp, timeOfDay, type WireMeta } from '../wire/messages.js';
import { cseqNumber, newTag, tagOf, uriOf } from './fields.js';
import { precheck, type Rejection } from './request-checks.js';
import { rejectionWithoutApp } from './no-app.js';
import { stampReceived } from './via-received.js';
import { cdr } from './cdr.js';
import type { EdgeContext } from './context.js';

export function networkMeta(data: number, remote: Remote): WireMeta {
  return { source: 'network', bytes: data, transport: remote.transport, address: remote.address, port: remote.port, time: timeOfDay() };
}

/** printable, single-line, bounded text for a Warning header */
function warningText(error: string): string {
  return error.replace(/[^\x20-\x7e]/g, ' ').replace(/["\\]/g, "'").slice(0, 120);
}

export class NetworkSide {
  constructor(private readonly ctx: EdgeContext) {}

  onPacket(packet: InboundPacket): void {
    // the configured size limit applies to datagrams too; a message cut out of a TCP stream is parsed by the stream rules
    const parsed = parseMessage(packet.data, { maxSize: this.ctx.config.maxMessageBytes, stream: packet.remote.transport === 'tcp' });
    if (!parsed.ok) {
      this.answerBadRequest(packet.remote, parsed.error, parsed.partial, parsed.status);
      return;
    }
    const msg = parsed.message;
    if (msg.isRequest) this.onRequest(msg, packet);
    else this.onResponse(msg, packet.remote);
  }

  onStreamError(transport: TransportName, remote: Remote, error: string, partial?: Buffer): void {
    const p = partial ? parseMessage(partial) : undefined;
    const partialMsg = p ? (p.ok ? p.message : p.partial) : undefined;
    this.answerBadRequest({ ...remote, transport }, error, partialMsg);
  }

  private answerBadRequest(remote: Remote, error: string, partial: SipMessage | undefined, status = 400): void {
    const answerable = partial !== undefined && partial.isRequest && partial.method !== 'ACK';
    this.ctx.metrics.parseErrors.inc({ transport: remote.transport, answered: String(answerable) });
    this.ctx.logger.debug('malformed SIP message', { error, remote, answered: answerable });
    if (!answerable || !partial) return;
    const res = buildResponse(partial, status);
    res.add('Warning', `399 callgate "${warningText(error)}"`);
    this.ctx.sendRaw(remote, serializeMessage(res), res);
  }

  private reject(txn: ServerTransaction, r: Rejection): void {
    const res = buildResponse(txn.request, r.status, r.reason, tagOf(txn.request.get('to')) ? undefined : { toTag: newTag() });
    for (const h of r.headers ?? []) res.add(h.name, h.value);
    txn.sendResponse(res);
  }

  private onRequest(msg: SipMessage, packet: InboundPacket): void {
    const { ctx } = this;
    const source = packet.remote;
    ctx.metrics.requestsIn.inc({ method: msg.method, transport: source.transport });
    stampReceived(msg, source);
    const r = ctx.txm.handleRequest(msg, source);
    switch (r.kind) {
      case 'absorbed':
        return;
      case 'ack-for-2xx':
        this.onAckFor2xx(msg, packet);
        return;
      case 'cancel':
        this.onCancel(msg, packet, r.txn, r.cancelTxn);
        return;
      case 'new':
        this.onNewRequest(r.txn, packet);
        return;
    }
  }

  private onNewRequest(txn: ServerTransaction, packet: InboundPacket): void {
    const { ctx } = this;
    const msg = txn.request;
    const toTag = tagOf(msg.get('to'));
    const rejection = precheck(msg, toTag !== '');
    if (rejection) {
      this.reject(txn, rejection);
      return;
    }
    const raw = serializeMessage(msg).toString('utf8');
    const meta = networkMeta(packet.data.length, packet.remote);
    if (toTag) {
      const dialog = ctx.dialogs.match(msg.get('call-id') ?? '', toTag, tagOf(msg.get('from')));
      if (!dialog) {
        this.reject(txn, { status: 481 });
        return;
      }
      const seq = cseqNumber(msg);
      if (seq <= dialog.remoteSeq && dialog.remoteSeq !== 0) {
        this.reject(txn, { status: 500, reason: 'Server Internal Error (CSeq out of order)' });
        return;
      }
      dialog.remoteSeq = seq;
      if (msg.method === 'INVITE' || msg.method === 'UPDATE') {
        const contact = uriOf(msg.get('contact'));
        if (contact) dialog.remoteTarget = contact;
      }
      const app = ctx.app(dialog.appId);
      if (!app) {
        if (msg.method === 'BYE') {
          this.reject(txn, { status: 200 });
          ctx.dialogs.remove(dialog);
          ctx.metrics.dialogs.set(ctx.dialogs.size);
        } else this.reject(txn, { status: 503 });
        return;
      }
      ctx.appSide.trackServer(txn, app.id, dialog);
      if (msg.method === 'BYE') cdr.stop(ctx, 'network', msg, 'normal-release');
      app.send(sipToApp(meta, txn.id, dialog.id, raw));
      return;
    }
    if (msg.method === 'INVITE' && ctx.overload.shedding) {
      ctx.metrics.overloadRejections.inc();
      this.reject(txn, { status: 503, reason: 'Service Unavailable (overloaded)', headers: [{ name: 'Retry-After', value: '2' }] });
      return;
    }
    const app = ctx.appFor(msg.method);
    if (!app) {
      this.reject(txn, rejectionWithoutApp(msg.method, ctx.routedMethods()));
      return;
    }
    ctx.appSide.trackServer(txn, app.id, undefined);
    if (msg.method === 'INVITE') cdr.attempt(ctx, 'network', msg);
    app.send(sipToApp(meta, txn.id, '', raw, { address: packet.local.address, port: packet.local.port }));
  }

  private onAckFor2xx(ack: SipMessage, packet: InboundPacket): void {
    const dialog = this.ctx.dialogs.match(ack.get('call-id') ?? '', tagOf(ack.get('to')), tagOf(ack.get('from')));
    if (!dialog) return;
    const first = dialog.onAck !== undefined;
    dialog.onAck?.();
    dialog.onAck = undefined;
    dialog.confirmed = true;
    if (!first) return;
    const app = this.ctx.app(dialog.appId);
    app?.send(sipToApp(networkMeta(packet.data.length, packet.remote), randomUUID(), dialog.id, serializeMessage(ack).toString('utf8')));
  }

  private onCancel(cancel: SipMessage, packet: InboundPacket, invite: ServerTransaction | undefined, cancelTxn: ServerTransaction): void {
    if (!invite) {
      this.reject(cancelTxn, { status: 481 });
      return;
    }
    this.reject(cancelTxn, { status: 200 });
    const pending = this.ctx.appSide.cancelServer(invite.id);
    if (!pending) return; // already answered: the CANCEL has no effect (RFC 3261 §9.2)
    cdr.stop(this.ctx, 'network', cancel, 'call-canceled');
    const app = this.ctx.app(pending.appId);
    app?.send(sipToApp(networkMeta(packet.data.length, packet.remote), invite.id, '', serializeMessage(cancel).toString('utf8')));
  }

  private onResponse(msg: SipMessage, remote: Remote): void {
    const { ctx } = this;
    ctx.metrics.responsesIn.inc({ code: String(msg.status) });
    const r = ctx.txm.handleResponse(msg, remote);
    if (r.kind === 'stray' && msg.status >= 200 && msg.status < 300) {
      // a retransmitted 2xx to an INVITE whose transaction is gone: the ACK was lost, send it again
      const dialog = ctx.dialogs.match(msg.get('call-id') ?? '', tagOf(msg.get('from')), tagOf(msg.get('to')));
      if (dialog?.lastAck) ctx.sendRaw(dialog.lastAck.target, dialog.lastAck.data);
    }
  }
}
