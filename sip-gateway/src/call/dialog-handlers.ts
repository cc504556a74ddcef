/**
 * The in-dialog requests of an answered call, each answered as the RFCs say: BYE ends the call; ACK carries the
 * answer when we offered; re-INVITE and UPDATE renegotiate (hold, unhold, new address, session refresh);
 * INFO carries DTMF; NOTIFY reports a transfer we started; an inbound REFER is declined (603); OPTIONS gets our
 * capabilities; MESSAGE is not allowed (405). drachtio-srf answers other methods itself (501, or 489 for
 * SUBSCRIBE).
 */
import { randomInt } from 'node:crypto';
import { ACCEPT, ALLOW, capabilityHeaders } from '../sip/capabilities.js';
import type { DialogLike, SipHeaders, SipRequest, SipResponse } from '../sip/types.js';
import { warningHeader } from '../answer/sdp/answer.js';
import { extractSdp } from '../answer/sdp/body.js';
import type { Call } from './call.js';
import { DTMF_CONTENT_TYPES, parseDtmfInfo } from './dtmf-info.js';

function sdpHeaders(dialog: DialogLike): SipHeaders {
  const h: SipHeaders = { 'Content-Type': 'application/sdp' };
  if (dialog.local.contact) h.Contact = dialog.local.contact;
  return h;
}

export function attachDialogHandlers(call: Call, dialog: DialogLike, state: { awaitingAnswer: boolean }): void {
  const metrics = call.opts.metrics;

  dialog.on('destroy', (req) => {
    // a BYE from the network, answered 200 by drachtio-srf; the edge's own BYE (ACK timeout) is not counted
    if (req?.source !== 'application') {
      metrics.request('BYE');
      metrics.response(200);
    }
    // the edge ends a dialog itself when the ACK for our 200 never came (RFC 3261 §13.3.1.4)
    if (req?.source === 'application') call.end('failed', 'ended by the SIP edge (no ACK)');
    else call.end('completed', 'caller hangup');
  });

  dialog.on('ack', (req) => {
    metrics.request('ACK');
    if (state.awaitingAnswer) {
      state.awaitingAnswer = false;
      const r = call.session.applyAnswer(req.body);
      if (!r.ok) {
        // RFC 3261 §13.3.1.4 / RFC 3264 §6: no usable answer to our offer, so the session cannot go on
        call.log.warn('ACK did not carry a usable SDP answer', { reason: r.reason });
        void call.hangup('unacceptable SDP answer');
        return;
      }
      if (r.remoteChanged) void call.updateMedia();
    }
    call.confirmed();
  });

  let offerInProgress = false;
  const onOffer = async (req: SipRequest, res: SipResponse, method: 'INVITE' | 'UPDATE') => {
    metrics.observe(req, res);
    if (state.awaitingAnswer) {
      // our offer (sent in a 200) is still unanswered: RFC 3261 §14.2, RFC 3311 §5.2
      res.send(491, 'Request Pending');
      return;
    }
    if (offerInProgress) {
      // a second offer before we answered the first (RFC 3261 §14.2)
      res.send(500, 'Server Internal Error', { headers: { 'Retry-After': String(randomInt(0, 11)) } });
      return;
    }
    offerInProgress = true;
    try {
      await answerOffer(req, res, method);
    } finally {
      offerInProgress = false;
    }
  };

  const answerOffer = async (req: SipRequest, res: SipResponse, method: 'INVITE' | 'UPDATE') => {
    const body = extractSdp(req.get('Content-Type'), req.body);
    if (body.kind === 'none') {
      if (method === 'UPDATE') {
        res.send(200, 'OK');
        return;
      }
      // re-INVITE without an offer (RFC 3261 §14.2): we offer in the 200 and take the answer from the ACK
      const sdp = call.session.offer();
      state.awaitingAnswer = true;
      dialog.local.sdp = sdp;
      res.send(200, 'OK', { body: sdp, headers: sdpHeaders(dialog) });
      return;
    }
    if (body.kind === 'unsupported') {
      res.send(415, 'Unsupported Media Type', { headers: { Accept: 'application/sdp' } });
      return;
    }
    const r = call.session.answer(body.sdp);
    if (!r.ok) {
      // the session stays as it was (RFC 3261 §14.2)
      call.log.info(`${method} offer refused`, { reason: r.reason });
      res.send(r.status, 'Not Acceptable Here', { headers: { Warning: warningHeader(r.warning) } });
      return;
    }
    if (r.remoteChanged) {
      call.log.info('media renegotiated', { direction: r.remote.direction, refresh: r.refresh });
      await call.updateMedia();
    }
    dialog.local.sdp = r.sdp;
    res.send(200, 'OK', { body: r.sdp, headers: sdpHeaders(dialog) });
  };
  dialog.on('modify', (req, res) => void onOffer(req, res, 'INVITE'));
  dialog.on('update', (req, res) => void onOffer(req, res, 'UPDATE'));

  dialog.on('info', (req, res) => {
    metrics.observe(req, res);
    const r = parseDtmfInfo(req.get('Content-Type'), req.body);
    switch (r.kind) {
      case 'digit':
        // answer first: what the digit triggers (a REFER, a BYE) must follow the 200 on the wire
        res.send(200, 'OK');
        call.dtmf(r.value.digit, r.value.durationMs);
        break;
      case 'empty':
        res.send(200, 'OK');
        break;
      case 'malformed':
        res.send(400, 'Bad Request');
        break;
      default:
        res.send(415, 'Unsupported Media Type', { headers: { Accept: DTMF_CONTENT_TYPES.join(', ') } });
    }
  });

  dialog.on('notify', (req, res) => {
    metrics.observe(req, res);
    const transfer = call.lastTransfer;
    if (transfer && transfer.handleNotify(req, res)) return;
    if (!/^refer\b/i.test(req.get('Event') ?? '')) res.send(489, 'Bad Event', { headers: { 'Allow-Events': 'refer' } });
    else res.send(481, 'Subscription Does Not Exist');
  });

  dialog.on('refer', (req, res) => {
    metrics.observe(req, res);
    call.log.info('inbound REFER declined');
    res.send(603, 'Decline');
  });

  dialog.on('options', (req, res) => {
    metrics.observe(req, res);
    res.send(200, 'OK', { headers: capabilityHeaders() });
  });

  dialog.on('message', (req, res) => {
    metrics.observe(req, res);
    res.send(405, 'Method Not Allowed', { headers: { Allow: ALLOW, Accept: ACCEPT } });
  });
}
