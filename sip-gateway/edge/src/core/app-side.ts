/**
 * Commands from applications: responses to requests the edge handed up, requests inside a dialog, CANCELs and
 * new requests. Each is completed from transaction/dialog state, sent, and echoed back as drachtio does.
 */
import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { randomUUID } from 'node:crypto';
import { SipMessage } from '../sip/message.js';
import { serializeMessage } from '../sip/serialize.js';
import { buildResponse } from '../sip/response-builder.js';
import type { Remote, TransportName } from '../transport/types.js';
import type { ClientTransaction, ServerTransaction } from '../transaction/base.js';
import type { TimerHandle } from '../transaction/clock.js';
import { Dialog } from '../dialog/dialog.js';
import { parseAppSip } from '../wire/app-sip.js';
import type { AppConnection, SipCommandHandler } from '../wire/control-server.js';
import { failResponse, requestSentEcho, responseSentEcho, sipToApp, timeOfDay, type AppMessage, type WireMeta } from '../wire/messages.js';
import { completeResponse } from './app-responses.js';
import { buildCancel, buildDialogRequest, buildInitialRequest, type LocalIdentity } from './app-requests.js';
import { cseqNumber, listValues, newTag, tagOf, targetOfUri, uriOf } from './fields.js';
import { networkMeta } from './network-side.js';
import { USER_AGENT, type EdgeContext } from './context.js';
import { startDialogAckWait } from './ack-wait.js';
import { cdr } from './cdr.js';

/** an INVITE the application has not answered in this time gets 408 (cf. RFC 3261 Timer C) */
const APP_INVITE_ANSWER_MS = 180_000;

interface PendingServer {
  txn: ServerTransaction;
  appId: string;
  toTag: string;
  timer: TimerHandle;
  dialog: Dialog | undefined;
}

interface PendingClient {
  txn: ClientTransaction;
  appId: string;
  dialog: Dialog | undefined;
  target: Remote;
}

function appMeta(data: Buffer, target: Remote): WireMeta {
  return { source: 'application', bytes: data.length, transport: target.transport, address: target.address, port: target.port, time: timeOfDay() };
}

export class AppSide implements SipCommandHandler {
  private readonly servers = new Map<string, PendingServer>();
  private readonly clients = new Map<string, PendingClient>();

  constructor(private readonly ctx: EdgeContext) {}

  identity(transport: TransportName): LocalIdentity {
    const { host, port } = this.ctx.advertised(transport);
    const param = transport === 'udp' ? '' : `;transport=${transport}`;
    return { transport, viaSentBy: `${host}:${port}`, contact: `<sip:${host}:${port}${param}>`, userAgent: USER_AGENT };
  }

  /** a new request was handed to an app: remember who must answer it */
  trackServer(txn: ServerTransaction, appId: string, dialog: Dialog | undefined): void {
    const existingTag = tagOf(txn.request.get('to'));
    // a request the app never answers must not stay forever: INVITE → 408 after Timer C's 3 minutes; any
    // other request is dropped once its client has given up (64·T1)
    const ms = txn.request.method === 'INVITE' ? APP_INVITE_ANSWER_MS : 64 * this.ctx.txm.timers.t1;
    const timer = this.ctx.clock.setTimer(ms, () => this.appDidNotAnswer(txn.id));
    this.servers.set(txn.id, { txn, appId, toTag: existingTag || newTag(), dialog, timer });
  }

  private forgetServer(id: string): void {
    const p = this.servers.get(id);
    if (!p) return;
    this.ctx.clock.clearTimer(p.timer);
    this.servers.delete(id);
  }

  private appDidNotAnswer(id: string): void {
    const p = this.servers.get(id);
    if (!p) return;
    this.servers.delete(id);
    this.ctx.metrics.transactionTimeouts.inc({ kind: 'app_no_answer' });
    this.ctx.logger.warn('application did not answer a request', { method: p.txn.request.method, call_id: p.txn.request.get('call-id') });
    if (p.txn.lastFinalStatus) return;
    if (p.txn.request.method === 'INVITE') p.txn.sendResponse(buildResponse(p.txn.request, 408, undefined, { toTag: p.toTag }));
    else p.txn.terminate();
  }

  /** CANCEL arrived for an INVITE still unanswered: 487 it and forget it; returns who owned it */
  cancelServer(txnId: string): PendingServer | undefined {
    const p = this.servers.get(txnId);
    if (!p || p.txn.lastFinalStatus) return undefined;
    this.forgetServer(txnId);
    p.txn.sendResponse(buildResponse(p.txn.request, 487, undefined, { toTag: p.toTag }));
    return p;
  }

  onSipCommand(conn: AppConnection, msg: AppMessage): void {
    const [txnId = '', dialogId = '', routeUri] = msg.args;
    const app = parseAppSip(msg.sip ?? '');
    if (!app) {
      conn.send(failResponse(msg.id, 'invalid SIP message'));
      return;
    }
    try {
      if (app.isResponse) return this.respond(conn, msg.id, txnId, app);
      if (dialogId) return this.requestInDialog(conn, msg.id, dialogId, app);
      if (txnId && app.method === 'CANCEL') return this.cancelClient(conn, msg.id, txnId);
      const existing = app.get('call-id') ? this.ctx.dialogs.findByCallId(app.get('call-id') as string) : undefined;
      if (existing) return this.requestInDialog(conn, msg.id, existing.id, app);
      this.requestOutOfDialog(conn, msg.id, app, routeUri).catch((err: Error) => conn.send(failResponse(msg.id, err.message)));
    } catch (err) {
      this.ctx.logger.error('application command failed', { err });
      conn.send(failResponse(msg.id, (err as Error).message));
    }
  }

  onAppGone(conn: AppConnection): void {
    for (const [id, p] of this.servers) {
      if (p.appId !== conn.id) continue;
      this.forgetServer(id);
      if (!p.txn.lastFinalStatus) p.txn.sendResponse(buildResponse(p.txn.request, 503, undefined, { toTag: p.toTag }));
    }
    for (const [id, c] of this.clients) if (c.appId === conn.id) this.clients.delete(id);
    for (const d of this.ctx.dialogs.ownedBy(conn.id)) {
      this.sendBye(d, 'SIP ;cause=503 ;text="application disconnected"');
    }
  }

  private respond(conn: AppConnection, rid: string, txnId: string, app: SipMessage): void {
    const p = this.servers.get(txnId);
    if (!p || p.appId !== conn.id) {
      conn.send(failResponse(rid, 'transaction not found'));
      return;
    }
    const { txn } = p;
    const method = txn.request.method;
    const full = completeResponse({ request: txn.request, app, toTag: p.toTag, contact: this.identity(txn.source.transport).contact, server: USER_AGENT });
    txn.sendResponse(full);
    const status = full.status;
    let dialog = p.dialog;
    if (method === 'INVITE' && status >= 200 && status < 300) {
      if (!dialog) {
        dialog = this.createUasDialog(p, full);
        cdr.start(this.ctx, 'application', full, 'uas');
      }
      startDialogAckWait(this.ctx, dialog, txn, full, () => this.onAckTimeout(dialog as Dialog));
    }
    if (method === 'INVITE' && status >= 300 && !dialog) cdr.stop(this.ctx, 'application', full, 'call-rejected');
    if (method === 'BYE' && status >= 200 && dialog) this.removeDialog(dialog);
    if (status >= 200) this.forgetServer(txnId);
    const data = serializeMessage(full);
    conn.send(responseSentEcho(rid, appMeta(data, txn.source), txnId, dialog?.id ?? '', data.toString('utf8')));
  }

  private createUasDialog(p: PendingServer, res: SipMessage): Dialog {
    const req = p.txn.request;
    const dialog = new Dialog({
      role: 'uas',
      callId: req.get('call-id') ?? '',
      localTag: tagOf(res.get('to')),
      remoteTag: tagOf(req.get('from')),
      localParty: res.get('to') ?? '',
      remoteParty: req.get('from') ?? '',
      remoteTarget: uriOf(req.get('contact')) ?? req.uri,
      routeSet: listValues(req, 'record-route'),
      localSeq: 0,
      remoteSeq: cseqNumber(req),
      localContact: res.get('contact') ?? this.identity(p.txn.source.transport).contact,
      flow: p.txn.source,
      appId: p.appId,
      inviteSeq: cseqNumber(req),
    });
    this.ctx.dialogs.add(dialog);
    this.ctx.metrics.dialogs.set(this.ctx.dialogs.size);
    p.dialog = dialog;
    return dialog;
  }

  private removeDialog(d: Dialog): void {
    this.ctx.dialogs.remove(d);
    this.ctx.metrics.dialogs.set(this.ctx.dialogs.size);
  }

  /** where requests inside a dialog go: the flow for TCP, else the first loose route or the remote target */
  private dialogTarget(d: Dialog): Remote {
    if (d.flow.transport === 'tcp') return d.flow;
    const first = d.routeSet[0];
    const t = targetOfUri(first ? (uriOf(first) ?? '') : d.remoteTarget);
    if (!t || !isIP(t.host)) return d.flow;
    return { transport: t.transport ?? d.flow.transport, address: t.host, port: t.port ?? 5060 };
  }

  private requestInDialog(conn: AppConnection, rid: string, dialogId: string, app: SipMessage): void {
    const dialog = this.ctx.dialogs.get(dialogId);
    if (!dialog) {
      conn.send(failResponse(rid, 'unable to find dialog'));
      return;
    }
    const target = this.dialogTarget(dialog);
    const req = buildDialogRequest(dialog, app, this.identity(target.transport));
    const data = serializeMessage(req);
    if (req.method === 'ACK') {
      this.ctx.sendRaw(target, data, req);
      dialog.lastAck = { data, target };
      conn.send(requestSentEcho(rid, appMeta(data, target), randomUUID(), data.toString('utf8')));
      return;
    }
    this.sendClient(conn, rid, req, target, dialog);
  }

  private async requestOutOfDialog(conn: AppConnection, rid: string, app: SipMessage, routeUri: string | undefined): Promise<void> {
    const t = targetOfUri(routeUri || app.uri);
    if (!t) throw new Error(`cannot send to ${routeUri || app.uri}: not a sip: URI`);
    const address = isIP(t.host) ? t.host : (await lookup(t.host)).address;
    const transport: TransportName = t.transport ?? 'udp';
    const target: Remote = { transport, address, port: t.port ?? 5060 };
    const { host } = this.ctx.advertised(transport);
    const req = buildInitialRequest(app, host, this.identity(transport));
    this.sendClient(conn, rid, req, target, undefined);
  }

  private sendClient(conn: AppConnection, rid: string, req: SipMessage, target: Remote, dialog: Dialog | undefined): void {
    const appId = conn.id;
    if (req.method === 'INVITE' && !dialog) cdr.attempt(this.ctx, 'application', req);
    if (req.method === 'BYE' && dialog) cdr.stop(this.ctx, 'application', req, 'normal-release');
    const txn = this.ctx.txm.sendRequest(req, target, {
      onResponse: (res) => this.onClientResponse(txn.id, res, target),
      onTimeout: () => {
        this.ctx.metrics.transactionTimeouts.inc({ kind: req.method === 'INVITE' ? 'timer_b' : 'timer_f' });
        this.onClientResponse(txn.id, buildResponse(req, 408, 'Request Timeout'), target);
      },
    });
    this.clients.set(txn.id, { txn, appId, dialog, target });
    const data = serializeMessage(req);
    conn.send(requestSentEcho(rid, appMeta(data, target), txn.id, data.toString('utf8')));
  }

  private onClientResponse(txnId: string, res: SipMessage, target: Remote): void {
    const pc = this.clients.get(txnId);
    if (!pc) return;
    const req = pc.txn.request;
    const status = res.status;
    let dialog = pc.dialog;
    if (req.method === 'INVITE' && status >= 200 && status < 300) {
      if (!dialog) {
        dialog = this.createUacDialog(pc, res);
        cdr.start(this.ctx, 'network', res, 'uac');
      } else {
        const contact = uriOf(res.get('contact'));
        if (contact) dialog.remoteTarget = contact;
      }
    }
    if (req.method === 'INVITE' && status >= 300 && !dialog) cdr.stop(this.ctx, 'network', res, 'call-rejected');
    if (req.method === 'BYE' && status >= 200 && dialog) this.removeDialog(dialog);
    if (status >= 200) this.clients.delete(txnId);
    const app = this.ctx.app(pc.appId);
    const data = serializeMessage(res);
    app?.send(sipToApp(networkMeta(data.length, target), txnId, dialog?.id ?? '', data.toString('utf8')));
  }

  private createUacDialog(pc: PendingClient, res: SipMessage): Dialog {
    const req = pc.txn.request;
    const existing = this.ctx.dialogs.match(req.get('call-id') ?? '', tagOf(req.get('from')), tagOf(res.get('to')));
    if (existing) return existing;
    const dialog = new Dialog({
      role: 'uac',
      callId: req.get('call-id') ?? '',
      localTag: tagOf(req.get('from')),
      remoteTag: tagOf(res.get('to')),
      localParty: req.get('from') ?? '',
      remoteParty: res.get('to') ?? '',
      remoteTarget: uriOf(res.get('contact')) ?? req.uri,
      routeSet: listValues(res, 'record-route').reverse(),
      localSeq: cseqNumber(req),
      remoteSeq: 0,
      localContact: req.get('contact') ?? this.identity(pc.target.transport).contact,
      flow: pc.target,
      appId: pc.appId,
      inviteSeq: cseqNumber(req),
    });
    this.ctx.dialogs.add(dialog);
    this.ctx.metrics.dialogs.set(this.ctx.dialogs.size);
    return dialog;
  }

  private cancelClient(conn: AppConnection, rid: string, txnId: string): void {
    const pc = this.clients.get(txnId);
    if (!pc || pc.txn.request.method !== 'INVITE') {
      conn.send(failResponse(rid, 'transaction not found'));
      return;
    }
    const cancel = buildCancel(pc.txn.request);
    const txn = this.ctx.txm.sendRequest(cancel, pc.target, { onResponse: () => {}, onTimeout: () => {} });
    const data = serializeMessage(cancel);
    conn.send(requestSentEcho(rid, appMeta(data, pc.target), txn.id, data.toString('utf8')));
  }

  /** BYE sent by the edge itself (ACK timeout, app gone); the owning app is told as drachtio-server does */
  private sendBye(dialog: Dialog, reason: string): void {
    const target = this.dialogTarget(dialog);
    const bye = buildDialogRequest(dialog, SipMessage.request('BYE', dialog.remoteTarget, [{ name: 'Reason', value: reason }]), this.identity(target.transport));
    this.ctx.txm.sendRequest(bye, target, { onResponse: () => {}, onTimeout: () => {} });
    this.removeDialog(dialog);
    cdr.stop(this.ctx, 'application', bye, 'system-initiated-termination');
    const data = serializeMessage(bye);
    this.ctx.app(dialog.appId)?.send(sipToApp(appMeta(data, target), 'unsolicited', dialog.id, data.toString('utf8')));
  }

  private onAckTimeout(dialog: Dialog): void {
    if (dialog.terminated) return;
    this.ctx.metrics.transactionTimeouts.inc({ kind: 'ack' });
    this.ctx.logger.warn('no ACK for 2xx: ending the call', { call_id: dialog.callId });
    this.sendBye(dialog, 'SIP ;cause=200 ;text="ACK timeout"');
  }
}
