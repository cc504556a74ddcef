/**
 * Offer/answer for G.711 audio (RFC 3264): pick the first usable audio stream of the offer, the first codec of
 * OUR preference it offers (static PT 0/8 or by rtpmap name, keeping the offer's payload type number), keep
 * telephone-event/8000 when offered (RFC 4733, its PT kept), answer the direction (§6.1) and reject every other
 * stream with port 0, keeping the m-line order (§6). A refusal carries the SIP Warning code to send with 488.
 */
import type { Codec, MediaDirection } from '@callgate/contracts';
import { effectiveConnection, effectiveDirection, type Direction, type MediaDescription, type SessionDescription } from './parse.js';

export type CodecName = Codec['name'];

const STATIC_PT: Record<CodecName, string> = { PCMU: '0', PCMA: '8' };

export interface Negotiated {
  /** index of the accepted m-line in the offer */
  index: number;
  codec: Codec;
  telephoneEventPayloadType?: number;
  /** where to send RTP, and our direction (the answer's) */
  remote: { address: string; port: number; direction: MediaDirection };
}

export type NegotiationResult =
  | { ok: true; value: Negotiated }
  | { ok: false; reason: string; warning: { code: 302 | 304 | 305 | 399; text: string } };

export interface NegotiationPolicy {
  /** codecs we accept, in our order of preference */
  codecs: readonly CodecName[];
}

const AVP = /^RTP\/AVP$/i;

/** the offer's payload type for a codec: static number without a contradicting rtpmap, or a dynamic rtpmap */
export function findPayloadType(m: MediaDescription, codec: CodecName): string | undefined {
  return m.formats.find((pt) => {
    const map = m.rtpmap.get(pt);
    if (!map) return pt === STATIC_PT[codec];
    return map.encoding.toUpperCase() === codec && map.clockRate === 8000 && (map.channels ?? 1) === 1;
  });
}

export function findTelephoneEvent(m: MediaDescription): number | undefined {
  for (const pt of m.formats) {
    const map = m.rtpmap.get(pt);
    const n = Number(pt);
    if (map && map.encoding.toLowerCase() === 'telephone-event' && map.clockRate === 8000 && n >= 96 && n <= 127) return n;
  }
  return undefined;
}

function isUnspecified(address: string): boolean {
  return address === '0.0.0.0' || /^[0:]+$/.test(address);
}

/** RFC 3264 §6.1: what we answer to the offerer's direction */
export function answerDirection(offered: Direction): Direction {
  switch (offered) {
    case 'sendonly':
      return 'recvonly';
    case 'recvonly':
      return 'sendonly';
    case 'inactive':
      return 'inactive';
    default:
      return 'sendrecv';
  }
}

export function negotiate(offer: SessionDescription, policy: NegotiationPolicy): NegotiationResult {
  const audio = offer.media.map((m, index) => ({ m, index })).filter(({ m }) => m.type === 'audio' && m.port !== 0);
  if (audio.length === 0) return { ok: false, reason: 'no audio stream offered', warning: { code: 304, text: 'Media type not available' } };
  const rtp = audio.filter(({ m }) => AVP.test(m.proto));
  if (rtp.length === 0) return { ok: false, reason: 'no RTP/AVP audio stream offered', warning: { code: 302, text: 'Incompatible transport protocol' } };

  for (const { m, index } of rtp) {
    for (const name of policy.codecs) {
      const pt = findPayloadType(m, name);
      if (pt === undefined) continue;
      const conn = effectiveConnection(offer, m);
      if (!conn) return { ok: false, reason: 'audio stream without connection address', warning: { code: 399, text: 'Missing c= line' } };
      let offered = effectiveDirection(offer, m);
      // legacy hold (RFC 3264 §8.4): c=0.0.0.0 means "do not send to me"
      if (isUnspecified(conn.address)) offered = offered === 'recvonly' || offered === 'inactive' ? 'inactive' : 'sendonly';
      const te = findTelephoneEvent(m);
      return {
        ok: true,
        value: {
          index,
          codec: { name, payloadType: Number(pt), clockRate: 8000 },
          ...(te !== undefined ? { telephoneEventPayloadType: te } : {}),
          remote: { address: conn.address, port: m.port, direction: answerDirection(offered) },
        },
      };
    }
  }
  return { ok: false, reason: 'no common codec', warning: { code: 305, text: 'Incompatible media format' } };
}

export interface LocalMedia {
  address: string;
  port: number;
}

function addrType(address: string): 'IP4' | 'IP6' {
  return address.includes(':') ? 'IP6' : 'IP4';
}

/** the audio m-line block we send (answer or offer) */
export function audioLines(local: LocalMedia, codec: Codec, te: number | undefined, direction: Direction): string[] {
  const pts = te !== undefined ? `${codec.payloadType} ${te}` : `${codec.payloadType}`;
  const lines = [`m=audio ${local.port} RTP/AVP ${pts}`, `a=rtpmap:${codec.payloadType} ${codec.name}/8000`];
  if (te !== undefined) lines.push(`a=rtpmap:${te} telephone-event/8000`, `a=fmtp:${te} 0-15`);
  lines.push('a=ptime:20', `a=${direction}`);
  return lines;
}

/** session-level lines after o= (s=, c=, t=) */
export function sessionLines(local: LocalMedia): string[] {
  return ['s=callgate', `c=IN ${addrType(local.address)} ${local.address}`, 't=0 0'];
}

/** every line of the answer after o=: the accepted stream answered, the others rejected in place */
export function answerLines(offer: SessionDescription, neg: Negotiated, local: LocalMedia): string[] {
  const lines = sessionLines(local);
  offer.media.forEach((m, i) => {
    if (i === neg.index) lines.push(...audioLines(local, neg.codec, neg.telephoneEventPayloadType, neg.remote.direction));
    else lines.push(`m=${m.type} 0 ${m.proto} ${m.formats.join(' ') || '0'}`);
  });
  return lines;
}

/** a negotiation failure as a Warning header value (RFC 3261 §20.43) */
export function warningHeader(warning: { code: number; text: string }, agent = 'callgate'): string {
  return `${warning.code} ${agent} "${warning.text.replace(/"/g, "'")}"`;
}
