/**
 * The last INVITE handler: negotiate the offer (or prepare an offer for a delayed-offer INVITE), allocate a
 * media endpoint, answer with 200 via createUAS, and hand the dialog to a `Call`. The endpoint is released on
 * every failure path, and when a CANCEL arrives before the answer (the edge has already sent 487 then).
 */
import { randomUUID } from 'node:crypto';
import type { Allocation, AllocateRequest, Logger, MediaControl } from '@callgate/contracts';
import { MEDIA_CONTROL_VERSION } from '@callgate/contracts';
import { extractSdp } from '../answer/sdp/body.js';
import { parseSdp } from '../answer/sdp/parse.js';
import { negotiate, warningHeader, type CodecName } from '../answer/sdp/answer.js';
import { OFFER_TELEPHONE_EVENT_PT, SdpSession } from '../answer/session.js';
import type { GatewayMetrics } from '../metrics.js';
import { OUTCOME_KEY } from '../middleware/observe.js';
import { ALLOW } from '../sip/capabilities.js';
import { locals, type DialogLike, type Middleware, type SipHeaders, type SipRequest, type SipResponse } from '../sip/types.js';
import { Call } from './call.js';
import type { CallRegistry } from './registry.js';

export type CreateUAS = (req: SipRequest, res: SipResponse, opts: { localSdp: string; headers: SipHeaders }) => Promise<DialogLike>;

export interface InviteHandlerOptions {
  createUAS: CreateUAS;
  media: MediaControl;
  codecs: readonly CodecName[];
  registry: CallRegistry;
  metrics: GatewayMetrics;
  logger: Logger;
  maxCallSeconds: number;
  retryAfterSeconds: number;
  allowedTransferTargets: ReadonlySet<string>;
}

/** the URI inside a From/To header value */
export function headerUri(value: string | undefined): string {
  const v = value ?? '';
  const m = /<([^>]*)>/.exec(v);
  return (m ? (m[1] as string) : (v.split(';')[0] ?? '')).trim();
}

type Plan =
  | { kind: 'answer'; build: (alloc: Allocation) => { session: SdpSession; sdp: string }; request: Omit<AllocateRequest, 'sessionId' | 'agent'> }
  | { kind: 'offer'; build: (alloc: Allocation) => { session: SdpSession; sdp: string }; request: Omit<AllocateRequest, 'sessionId' | 'agent'> }
  | { kind: 'refuse'; status: number; reason: string; headers: SipHeaders; log: string };

function plan(req: SipRequest, codecs: readonly CodecName[]): Plan {
  const body = extractSdp(req.get('Content-Type'), req.body);
  if (body.kind === 'unsupported') {
    return { kind: 'refuse', status: 415, reason: 'Unsupported Media Type', headers: { Accept: 'application/sdp' }, log: `body type ${body.contentType}` };
  }
  if (body.kind === 'none') {
    // delayed offer (RFC 3261 §13.2.1): we offer our preferred codec only, as the endpoint cannot change codec
    const name = codecs[0] ?? 'PCMU';
    const codec = { name, payloadType: name === 'PCMU' ? 0 : 8, clockRate: 8000 as const };
    return {
      kind: 'offer',
      request: { v: MEDIA_CONTROL_VERSION, codec, telephoneEventPayloadType: OFFER_TELEPHONE_EVENT_PT, remote: { address: '0.0.0.0', port: 0, direction: 'inactive' } },
      build: (alloc) => SdpSession.offering(codec, { address: alloc.address, port: alloc.port }),
    };
  }
  const parsed = parseSdp(body.sdp);
  if (!parsed.ok) {
    return { kind: 'refuse', status: 488, reason: 'Not Acceptable Here', headers: { Warning: warningHeader({ code: 399, text: 'Malformed SDP' }) }, log: parsed.error };
  }
  const neg = negotiate(parsed.sdp, { codecs });
  if (!neg.ok) {
    return { kind: 'refuse', status: 488, reason: 'Not Acceptable Here', headers: { Warning: warningHeader(neg.warning) }, log: neg.reason };
  }
  const v = neg.value;
  return {
    kind: 'answer',
    request: {
      v: MEDIA_CONTROL_VERSION,
      codec: v.codec,
      ...(v.telephoneEventPayloadType !== undefined ? { telephoneEventPayloadType: v.telephoneEventPayloadType } : {}),
      remote: v.remote,
    },
    build: (alloc) => SdpSession.answering(parsed.sdp, v, { address: alloc.address, port: alloc.port }),
  };
}

export function createInviteHandler(opts: InviteHandlerOptions): Middleware {
  return function invite(req, res) {
    handleInvite(opts, req, res).catch((err: unknown) => {
      opts.logger.error('INVITE handling failed', { err, call_id: req.get('Call-ID') });
      if (!res.finalResponseSent) {
        locals(req)[OUTCOME_KEY] = 'failed';
        res.send(500, 'Server Internal Error');
      }
    });
  };
}

async function handleInvite(o: InviteHandlerOptions, req: SipRequest, res: SipResponse): Promise<void> {
  const l = locals(req);
  const route = l.route;
  if (!route) throw new Error('INVITE reached the call handler without a route');
  const log = o.logger.child({ call_id: req.get('Call-ID'), agent: route.agent });

  let cancelled = false;
  let answered = false;
  let endpointId: string | undefined;
  const release = (reason: string) => {
    if (endpointId) o.media.release(endpointId, reason).catch((err: unknown) => log.error('media release failed', { err }));
    endpointId = undefined;
  };
  req.on('cancel', () => {
    if (answered || cancelled) return;
    cancelled = true;
    o.metrics.request('CANCEL');
    o.metrics.callEnded('cancelled');
    log.info('call cancelled before answer');
    release('cancelled');
  });

  const p = plan(req, o.codecs);
  if (p.kind === 'refuse') {
    log.info('INVITE refused', { status: p.status, reason: p.log });
    res.send(p.status, p.reason, { headers: p.headers });
    return;
  }

  const sessionId = randomUUID();
  let alloc: Allocation;
  try {
    alloc = await o.media.allocate({ ...p.request, sessionId, agent: route.agent });
  } catch (err) {
    if (cancelled) return;
    log.error('media allocation failed', { err });
    l[OUTCOME_KEY] = 'failed';
    res.send(503, 'Service Unavailable', { headers: { 'Retry-After': String(o.retryAfterSeconds) } });
    return;
  }
  endpointId = alloc.endpointId;
  if (cancelled) {
    release('cancelled');
    return;
  }

  const { session, sdp } = p.build(alloc);
  let dialog: DialogLike;
  try {
    dialog = await o.createUAS(req, res, { localSdp: sdp, headers: { 'Content-Type': 'application/sdp', Allow: ALLOW } });
  } catch (err) {
    release(cancelled ? 'cancelled' : 'answer failed');
    if (cancelled) return;
    log.error('answering the call failed', { err });
    if (!res.finalResponseSent) {
      l[OUTCOME_KEY] = 'failed';
      res.send(500, 'Server Internal Error');
    } else {
      o.metrics.callEnded('failed');
      l.admission?.release();
    }
    return;
  }
  answered = true;

  const call = new Call({
    dialog,
    media: o.media,
    session,
    endpointId: alloc.endpointId,
    route,
    localIdentity: headerUri(req.get('To')),
    ...(l.admission ? { ticket: l.admission } : {}),
    metrics: o.metrics,
    logger: o.logger.child({ session_id: sessionId }),
    maxCallSeconds: o.maxCallSeconds,
    allowedTransferTargets: o.allowedTransferTargets,
    awaitingAnswer: p.kind === 'offer',
    onEnded: (c) => o.registry.remove(c),
  });
  o.registry.add(call);
  call.start();
  log.info('call answered', { session_id: sessionId, endpoint_id: alloc.endpointId, codec: session.codec.name, delayed_offer: p.kind === 'offer' });
}
