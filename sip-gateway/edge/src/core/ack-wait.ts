/**
 * After a 2xx to an INVITE (initial or re-INVITE) the edge, as the UAS core, retransmits it until the ACK
 * arrives (RFC 3261 §13.3.1.4); with no ACK after 64*T1 the session is ended by the caller of this function.
 */
import type { SipMessage } from '../sip/message.js';
import { serializeMessage } from '../sip/serialize.js';
import type { Dialog } from '../dialog/dialog.js';
import type { ServerTransaction } from '../transaction/base.js';
import { Uas2xxRetransmitter } from '../transaction/uas-2xx-retransmitter.js';
import type { EdgeContext } from './context.js';

export function startDialogAckWait(ctx: EdgeContext, dialog: Dialog, txn: ServerTransaction, ok: SipMessage, onAckTimeout: () => void): void {
  const retransmitter = new Uas2xxRetransmitter({
    clock: ctx.clock,
    timers: ctx.config.timers,
    transport: txn.source.transport,
    resend: () => {
      if (!txn.sendResponse(ok)) ctx.sendRaw(txn.source, serializeMessage(ok), ok);
    },
    onAckTimeout: () => {
      dialog.onAck = undefined;
      onAckTimeout();
    },
  });
  dialog.onAck = () => retransmitter.ackReceived();
}
