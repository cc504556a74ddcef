/**
 * Blind transfer of the caller (RFC 3515 REFER, RFC 5589 §6): we send REFER with Refer-To and Referred-By
 * (RFC 3892) in the dialog, the caller accepts (202) and reports progress in NOTIFYs carrying message/sipfrag
 * status lines. A 2xx sipfrag means the caller reached the target; a failure (REFER refused, sipfrag >= 300,
 * subscription ended without a final status, or no final NOTIFY in time) leaves the call as it was.
 */
import type { Logger } from '@callgate/contracts';
import type { DialogLike, SipRequest, SipResponse } from '../sip/types.js';

export type TransferResult = { ok: true } | { ok: false; reason: string };

/** sipfrag status line (RFC 3420): `SIP/2.0 200 OK` → 200 */
export function sipfragStatus(body: string | undefined): number | null {
  const m = /^\s*SIP\/2\.0\s+(\d{3})\b/i.exec(body ?? '');
  return m ? Number(m[1]) : null;
}

/** a URI as the name-addr form Refer-To / Referred-By need */
export function nameAddr(uri: string): string {
  const u = uri.trim();
  return u.startsWith('<') ? u : `<${u}>`;
}

export class BlindTransfer {
  private settled = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly done: Promise<TransferResult>;
  private resolve!: (r: TransferResult) => void;

  constructor(
    private readonly dialog: DialogLike,
    readonly target: string,
    private readonly referredBy: string,
    private readonly logger: Logger,
    private readonly timeoutMs = 32_000,
  ) {
    this.done = new Promise((r) => (this.resolve = r));
  }

  /** sends the REFER; resolves when the transfer succeeded or failed */
  start(): Promise<TransferResult> {
    this.timer = setTimeout(() => this.finish({ ok: false, reason: 'no final NOTIFY in time' }), this.timeoutMs);
    this.timer.unref?.();
    this.dialog
      .request({ method: 'REFER', headers: { 'Refer-To': nameAddr(this.target), 'Referred-By': nameAddr(this.referredBy) } })
      .then((reply) => {
        if (reply.status >= 300) this.finish({ ok: false, reason: `REFER refused with ${reply.status}` });
        else this.logger.info('transfer accepted by the caller', { status: reply.status });
      })
      .catch((err: unknown) => this.finish({ ok: false, reason: `REFER failed: ${String(err)}` }));
    return this.done;
  }

  /** handles a NOTIFY of the refer subscription; false when it is not one (the caller answers it otherwise) */
  handleNotify(req: SipRequest, res: SipResponse): boolean {
    const event = (req.get('Event') ?? '').trim().toLowerCase();
    if (!/^refer\b/.test(event)) return false;
    res.send(200, 'OK');
    if (this.settled) return true;
    const status = sipfragStatus(req.body);
    const terminated = /^\s*terminated/i.test(req.get('Subscription-State') ?? '');
    if (status !== null && status >= 200 && status < 300) this.finish({ ok: true });
    else if (status !== null && status >= 300) this.finish({ ok: false, reason: `target answered ${status}` });
    else if (terminated) this.finish({ ok: false, reason: 'subscription terminated without a final status' });
    else this.logger.debug('transfer progress', { status });
    return true;
  }

  get active(): boolean {
    return !this.settled;
  }

  dispose(): void {
    this.finish({ ok: false, reason: 'call ended' });
  }

  private finish(result: TransferResult): void {
    if (this.settled) return;
    this.settled = true;
    if (this.timer) clearTimeout(this.timer);
    this.resolve(result);
  }
}
