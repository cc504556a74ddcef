/**
 * A small SDP parser (RFC 8866, formerly RFC 4566) for what offer/answer on G.711 audio needs: origin,
 * connection (session and media level), m-lines with port/proto/formats, rtpmap, fmtp, ptime and direction
 * attributes (session and media level). Unknown lines are ignored. It never throws: a malformed description
 * yields `{ ok: false, error }`.
 */

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
const DIRECTIONS: readonly string[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

export interface Origin {
  username: string;
  sessionId: string;
  sessionVersion: string;
  netType: string;
  addrType: string;
  address: string;
}

export interface Connection {
  netType: string;
  addrType: string;
  address: string;
}

export interface RtpMap {
  encoding: string;
  clockRate: number;
  channels?: number;
}

export interface MediaDescription {
  type: string;
  port: number;
  portCount?: number;
  proto: string;
  /** payload formats in offer order (RTP payload type numbers as strings) */
  formats: string[];
  connection?: Connection;
  direction?: Direction;
  rtpmap: Map<string, RtpMap>;
  fmtp: Map<string, string>;
  ptime?: number;
}

export interface SessionDescription {
  origin: Origin;
  sessionName: string;
  connection?: Connection;
  direction?: Direction;
  media: MediaDescription[];
}

export type SdpParseResult = { ok: true; sdp: SessionDescription } | { ok: false; error: string };

function parseConnection(value: string): Connection | string {
  const parts = value.trim().split(/\s+/);
  if (parts.length !== 3) return `bad c= line '${value}'`;
  const [netType, addrType, addr] = parts as [string, string, string];
  // multicast TTL / address count suffixes are not ours to keep
  return { netType, addrType: addrType.toUpperCase(), address: addr.split('/')[0] as string };
}

function parseMedia(value: string): MediaDescription | string {
  const parts = value.trim().split(/\s+/);
  if (parts.length < 4) return `bad m= line '${value}'`;
  const [type, portText, proto, ...formats] = parts as [string, string, string, ...string[]];
  const pm = /^(\d+)(?:\/(\d+))?$/.exec(portText);
  if (!pm) return `bad port in m= line '${value}'`;
  const port = Number(pm[1]);
  if (port > 65535) return `port out of range in m= line '${value}'`;
  return {
    type: type.toLowerCase(),
    port,
    ...(pm[2] ? { portCount: Number(pm[2]) } : {}),
    proto,
    formats,
    rtpmap: new Map(),
    fmtp: new Map(),
  };
}

function applyAttribute(target: { direction?: Direction }, media: MediaDescription | undefined, value: string): string | null {
  const colon = value.indexOf(':');
  const name = (colon === -1 ? value : value.slice(0, colon)).trim().toLowerCase();
  const arg = colon === -1 ? '' : value.slice(colon + 1).trim();
  if (DIRECTIONS.includes(name)) {
    target.direction = name as Direction;
    return null;
  }
  if (!media) return null;
  if (name === 'rtpmap') {
    const m = /^(\d+)\s+([^/\s]+)\/(\d+)(?:\/(\d+))?$/.exec(arg);
    if (!m) return `bad rtpmap '${arg}'`;
    media.rtpmap.set(m[1] as string, {
      encoding: m[2] as string,
      clockRate: Number(m[3]),
      ...(m[4] ? { channels: Number(m[4]) } : {}),
    });
  } else if (name === 'fmtp') {
    const m = /^(\S+)\s+(.*)$/.exec(arg);
    if (m) media.fmtp.set(m[1] as string, (m[2] as string).trim());
  } else if (name === 'ptime') {
    const n = Number(arg);
    if (Number.isFinite(n) && n > 0) media.ptime = n;
  }
  return null;
}

export function parseSdp(text: string | undefined | null): SdpParseResult {
  if (typeof text !== 'string' || text.trim() === '') return { ok: false, error: 'empty session description' };
  const lines = text.split(/\r?\n/).map((l) => l.trimEnd()).filter((l) => l !== '');
  if (lines[0] !== 'v=0') return { ok: false, error: 'session description must start with v=0' };

  let origin: Origin | undefined;
  let sessionName: string | undefined;
  const session: { connection?: Connection; direction?: Direction } = {};
  const media: MediaDescription[] = [];

  for (const line of lines.slice(1)) {
    const m = /^([a-z])=(.*)$/.exec(line);
    if (!m) return { ok: false, error: `malformed line '${line.slice(0, 40)}'` };
    const type = m[1] as string;
    const value = m[2] as string;
    const current = media[media.length - 1];
    switch (type) {
      case 'o': {
        const p = value.trim().split(/\s+/);
        if (p.length !== 6) return { ok: false, error: `bad o= line '${value}'` };
        const [username, sessionId, sessionVersion, netType, addrType, address] = p as [string, string, string, string, string, string];
        origin = { username, sessionId, sessionVersion, netType, addrType: addrType.toUpperCase(), address };
        break;
      }
      case 's':
        sessionName = value;
        break;
      case 'c': {
        const c = parseConnection(value);
        if (typeof c === 'string') return { ok: false, error: c };
        if (current) current.connection = c;
        else session.connection = c;
        break;
      }
      case 'm': {
        const md = parseMedia(value);
        if (typeof md === 'string') return { ok: false, error: md };
        media.push(md);
        break;
      }
      case 'a': {
        const err = applyAttribute(current ?? session, current, value);
        if (err) return { ok: false, error: err };
        break;
      }
      default:
        break;
    }
  }
  if (!origin) return { ok: false, error: 'missing o= line' };
  if (sessionName === undefined) return { ok: false, error: 'missing s= line' };
  return { ok: true, sdp: { origin, sessionName, ...session, media } };
}

/** the direction that applies to a stream: media level, else session level, else sendrecv (RFC 3264 §5.1) */
export function effectiveDirection(sdp: SessionDescription, m: MediaDescription): Direction {
  return m.direction ?? sdp.direction ?? 'sendrecv';
}

/** the connection that applies to a stream: media level, else session level */
export function effectiveConnection(sdp: SessionDescription, m: MediaDescription): Connection | undefined {
  return m.connection ?? sdp.connection;
}
