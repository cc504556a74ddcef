/**
 * One call's offer/answer state (RFC 3264 §8): our local description (stable o= session id, version bumped
 * only on change), the codec fixed when the call was set up (the media endpoint cannot change codec), the
 * remote media last agreed, and the m-line layout (a later offer never has fewer m-lines than before).
 * It only computes descriptions; the call pushes `remote` changes to the media bridge.
 */
import type { Codec, RemoteMedia } from '@callgate/contracts';
import { parseSdp, type SessionDescription } from './sdp/parse.js';
import {
  answerDirection,
  answerLines,
  audioLines,
  findPayloadType,
  findTelephoneEvent,
  negotiate,
  sessionLines,
  type LocalMedia,
  type Negotiated,
} from './sdp/answer.js';
import { LocalDescription } from './sdp/local-description.js';

/** the telephone-event payload type we put in our own offers */
export const OFFER_TELEPHONE_EVENT_PT = 101;

export type AnswerOutcome =
  | { ok: true; sdp: string; remote: RemoteMedia; remoteChanged: boolean; refresh: boolean }
  | { ok: false; status: 488; reason: string; warning: { code: number; text: string } };

export type ApplyOutcome = { ok: true; remote: RemoteMedia; remoteChanged: boolean } | { ok: false; reason: string };

function sameRemote(a: RemoteMedia, b: RemoteMedia): boolean {
  return a.address === b.address && a.port === b.port && a.direction === b.direction;
}

export class SdpSession {
  private readonly local: LocalDescription;
  private remote: RemoteMedia;
  private te: number | undefined;
  /** per m-line: undefined for our audio stream, else the rejected m-line text */
  private layout: Array<string | undefined> = [undefined];
  private lastOffer: { sessionId: string; version: string } | undefined;

  private constructor(
    private readonly media: LocalMedia,
    readonly codec: Codec,
    te: number | undefined,
    remote: RemoteMedia,
  ) {
    this.local = new LocalDescription(media.address);
    this.te = te;
    this.remote = remote;
  }

  /** the session of a call answered from an INVITE's offer, with the negotiation done before allocation */
  static answering(offer: SessionDescription, neg: Negotiated, media: LocalMedia): { session: SdpSession; sdp: string } {
    const s = new SdpSession(media, neg.codec, neg.telephoneEventPayloadType, neg.remote);
    s.lastOffer = { sessionId: offer.origin.sessionId, version: offer.origin.sessionVersion };
    const sdp = s.local.render(answerLines(offer, neg, media));
    s.layout = offer.media.map((m, i) => (i === neg.index ? undefined : `m=${m.type} 0 ${m.proto} ${m.formats.join(' ') || '0'}`));
    return { session: s, sdp };
  }

  /** the session of a delayed-offer call: we offer in the 2xx and learn the remote side from the ACK */
  static offering(codec: Codec, media: LocalMedia): { session: SdpSession; sdp: string } {
    const s = new SdpSession(media, codec, OFFER_TELEPHONE_EVENT_PT, { address: '0.0.0.0', port: 0, direction: 'inactive' });
    return { session: s, sdp: s.offer() };
  }

  get currentRemote(): RemoteMedia {
    return this.remote;
  }

  get currentLocal(): string | undefined {
    return this.local.current;
  }

  get telephoneEventPayloadType(): number | undefined {
    return this.te;
  }

  /** our offer (delayed offer, or a re-INVITE without SDP): full capabilities, sendrecv */
  offer(): string {
    const lines = sessionLines(this.media);
    for (const slot of this.layout) {
      if (slot !== undefined) lines.push(slot);
      else lines.push(...audioLines(this.media, this.codec, this.te ?? OFFER_TELEPHONE_EVENT_PT, 'sendrecv'));
    }
    return this.local.render(lines);
  }

  /** answers a new offer inside the dialog (re-INVITE or UPDATE) */
  answer(offerText: string): AnswerOutcome {
    const parsed = parseSdp(offerText);
    if (!parsed.ok) return { ok: false, status: 488, reason: `malformed SDP: ${parsed.error}`, warning: { code: 399, text: 'Malformed SDP' } };
    const offer = parsed.sdp;
    const origin = { sessionId: offer.origin.sessionId, version: offer.origin.sessionVersion };
    const current = this.local.current;
    if (current && this.lastOffer && origin.sessionId === this.lastOffer.sessionId && origin.version === this.lastOffer.version) {
      // an unchanged offer (session refresh): the same answer, same version
      return { ok: true, sdp: current, remote: this.remote, remoteChanged: false, refresh: true };
    }
    if (offer.media.length < this.layout.length) return { ok: false, status: 488, reason: 'offer has fewer m-lines than the session', warning: { code: 399, text: 'Fewer m-lines than before' } };
    const neg = negotiate(offer, { codecs: [this.codec.name] });
    if (!neg.ok) return { ok: false, status: 488, reason: neg.reason, warning: neg.warning };
    if (neg.value.codec.payloadType !== this.codec.payloadType) {
      return { ok: false, status: 488, reason: 'codec payload type changed', warning: { code: 305, text: 'Incompatible media format' } };
    }
    const value = neg.value;
    this.te = value.telephoneEventPayloadType;
    const sdp = this.local.render(answerLines(offer, value, this.media));
    this.layout = offer.media.map((m, i) => (i === value.index ? undefined : `m=${m.type} 0 ${m.proto} ${m.formats.join(' ') || '0'}`));
    this.lastOffer = origin;
    const changed = !sameRemote(this.remote, value.remote);
    this.remote = value.remote;
    return { ok: true, sdp, remote: value.remote, remoteChanged: changed, refresh: false };
  }

  /** applies the answer to our offer (from an ACK, RFC 3261 §13.2.1, or a 2xx) */
  applyAnswer(answerText: string | undefined): ApplyOutcome {
    const parsed = parseSdp(answerText);
    if (!parsed.ok) return { ok: false, reason: `malformed SDP answer: ${parsed.error}` };
    const ans = parsed.sdp;
    const index = this.layout.findIndex((slot) => slot === undefined);
    const m = ans.media[index];
    if (!m || m.type !== 'audio' || m.port === 0) return { ok: false, reason: 'audio stream rejected in the answer' };
    const pt = findPayloadType(m, this.codec.name);
    if (pt === undefined || Number(pt) !== this.codec.payloadType) return { ok: false, reason: 'answer does not use the offered codec' };
    const conn = m.connection ?? ans.connection;
    if (!conn) return { ok: false, reason: 'answer has no connection address' };
    const te = findTelephoneEvent(m);
    this.te = te;
    const theirs = m.direction ?? ans.direction ?? 'sendrecv';
    const hold = conn.address === '0.0.0.0' || /^[0:]+$/.test(conn.address);
    const ours = answerDirection(hold ? (theirs === 'recvonly' || theirs === 'inactive' ? 'inactive' : 'sendonly') : theirs);
    const remote: RemoteMedia = { address: conn.address, port: m.port, direction: ours };
    const changed = !sameRemote(this.remote, remote);
    this.remote = remote;
    this.lastOffer = { sessionId: ans.origin.sessionId, version: ans.origin.sessionVersion };
    return { ok: true, remote, remoteChanged: changed };
  }
}
