/**
 * One answered call: glue between its SIP dialog and its media endpoint, nothing more. Dialog events become
 * media-control calls (re-INVITE/UPDATE → update, INFO → DTMF, BYE → release) and media events become
 * signalling (hangup_request → BYE, transfer_request → REFER). Every end path goes through `end()`, which
 * releases the endpoint and the admission ticket exactly once.
 */
import type { CallInfo } from '@callgate/contracts';
import type { Logger, MediaControl, MediaEvent } from '@callgate/contracts';
import type { AdmissionTicket } from '../admission/controller.js';
import type { SdpSession } from '../answer/session.js';
import type { CallOutcome, GatewayMetrics } from '../metrics.js';
import type { DialogLike, Route } from '../sip/types.js';
import { attachDialogHandlers } from './dialog-handlers.js';
import { BlindTransfer } from './transfer.js';

export interface CallOptions {
  dialog: DialogLike;
  media: MediaControl;
  session: SdpSession;
  endpointId: string;
  route: Route;
  /** our identity in the call (the URI the caller dialed), for Referred-By */
  localIdentity: string;
  ticket?: AdmissionTicket;
  metrics: GatewayMetrics;
  logger: Logger;
  maxCallSeconds: number;
  /** transfer targets the media side may name (the configured ones) */
  allowedTransferTargets: ReadonlySet<string>;
  /** true when we offered in the 2xx and the answer comes in the ACK */
  awaitingAnswer?: boolean;
  onEnded?: (call: Call) => void;
}

export class Call {
  readonly endpointId: string;
  readonly callId: string;
  readonly log: Logger;
  private ending = false;
  private timer: NodeJS.Timeout | undefined;
  private transfer: BlindTransfer | undefined;
  private transferred = false;
  private speaking = false;
  private endedResolve!: () => void;
  readonly ended = new Promise<void>((r) => (this.endedResolve = r));

  constructor(readonly opts: CallOptions) {
    this.endpointId = opts.endpointId;
    this.callId = opts.dialog.sip.callId;
    this.log = opts.logger.child({ call_id: this.callId, endpoint_id: this.endpointId, agent: opts.route.agent });
  }

  get isEnded(): boolean {
    return this.ending;
  }

  get session(): SdpSession {
    return this.opts.session;
  }

  /** the latest transfer, if any (its NOTIFYs may still arrive after it settled) */
  get lastTransfer(): BlindTransfer | undefined {
    return this.transfer;
  }

  start(): void {
    attachDialogHandlers(this, this.opts.dialog, { awaitingAnswer: this.opts.awaitingAnswer ?? false });
    if (this.opts.maxCallSeconds > 0) {
      this.timer = setTimeout(() => void this.hangup('max call duration reached'), this.opts.maxCallSeconds * 1000);
      this.timer.unref?.();
    }
  }

  /**
   * The caller's ACK confirmed the call: the agent starts talking (today the media bridge's demo prompt).
   * Not before: a call whose ACK never comes costs no outbound media. Later ACKs (re-INVITEs) change nothing.
   */
  confirmed(): void {
    if (this.speaking || this.ending) return;
    this.speaking = true;
    this.opts.media.connect(this.endpointId, this.callInfo()).catch((err: unknown) => this.log.error('starting the agent failed', { err }));
  }

  /** what the agent is told about the call: Call-ID, the caller (remote) and the number dialed (as routed) */
  private callInfo(): CallInfo {
    return { callId: this.callId, from: this.opts.dialog.remote.uri, to: `sip:${this.opts.route.number}` };
  }

  /** pushes a new remote address/direction to the media endpoint */
  async updateMedia(): Promise<void> {
    try {
      await this.opts.media.update(this.endpointId, this.opts.session.currentRemote);
    } catch (err) {
      this.log.error('media update failed', { err });
    }
  }

  dtmf(digit: string, durationMs: number): void {
    this.opts.media.dtmfFromSignalling(this.endpointId, digit, durationMs);
  }

  onMediaEvent(event: MediaEvent): void {
    if (this.ending) return;
    switch (event.type) {
      case 'hangup_request':
        void this.hangup(event.reason || 'media hangup request');
        break;
      case 'rtp_timeout': {
        // no RTP is expected while the caller holds us with inactive/recvonly (our sendonly/inactive)
        const d = this.opts.session.currentRemote.direction;
        if (d === 'sendrecv' || d === 'recvonly') void this.hangup(`no RTP for ${event.silentMs} ms`);
        break;
      }
      case 'transfer_request':
        this.startTransfer(event.target, event.reason);
        break;
      default:
        break;
    }
  }

  /** `failing`: the media tier gives up on the agent; without a target the call is hung up rather than left silent */
  startTransfer(requested?: string, failing?: string): void {
    if (this.ending || this.transfer?.active) return;
    const target = requested ?? this.opts.route.transferTarget;
    if (!target) {
      this.log.warn('transfer requested but no transfer target is configured');
      if (failing) void this.hangup(failing);
      return;
    }
    if (requested && !this.opts.allowedTransferTargets.has(requested)) {
      this.log.warn('transfer to an unconfigured target refused');
      return;
    }
    this.log.info('blind transfer started');
    const t = new BlindTransfer(this.opts.dialog, target, this.opts.localIdentity, this.log);
    this.transfer = t;
    void t.start().then((result) => {
      if (this.ending) return;
      if (result.ok) {
        this.transferred = true;
        this.log.info('transfer succeeded, leaving the call');
        void this.hangup('transferred');
      } else {
        this.log.warn('transfer failed, call continues', { reason: result.reason });
      }
    });
  }

  /** ends the call from our side with BYE */
  async hangup(reason: string): Promise<void> {
    if (this.ending) return;
    const bye = this.opts.dialog
      .destroy({ headers: { Reason: `Q.850;cause=16;text="${reason.replace(/"/g, "'")}"` } })
      .catch((err: unknown) => this.log.warn('BYE failed', { err }));
    this.end(this.transferred ? 'transferred' : 'completed', `gateway hangup: ${reason}`);
    await bye;
  }

  /** the dialog ended (caller BYE, or the edge ended it); idempotent */
  end(outcome: CallOutcome, reason: string): void {
    if (this.ending) return;
    this.ending = true;
    if (this.timer) clearTimeout(this.timer);
    this.transfer?.dispose();
    this.opts.media.release(this.endpointId, reason).catch((err: unknown) => this.log.error('media release failed', { err }));
    this.opts.ticket?.release();
    this.opts.metrics.callEnded(this.transferred ? 'transferred' : outcome);
    this.log.info('call ended', { reason, outcome: this.transferred ? 'transferred' : outcome });
    this.opts.onEnded?.(this);
    this.endedResolve();
  }
}
