/**
 * The drachtio wire protocol's message shapes, as drachtio-srf reads and writes them. A payload is a leader of
 * `|`-separated tokens, optionally followed by CRLF and a SIP message:
 *
 *   app → edge   `<id>|authenticate|<secret>|<tags>`        `<id>|route|<verb>`      `<id>|remove_route|<verb>`
 *                `<id>|ping`                                `<id>|sip|<txnId>|<dialogId>[|<route uri>]` CRLF <SIP>
 *   edge → app   `<id>|response|<requestId>|OK|…` or `…|NO|<reason>`  (answers to the above)
 *                `<id>|sip|<meta>|<txnId>|<dialogId>|[<recvAddr>|<recvPort>|]` CRLF <SIP>  (from the network)
 *
 * where <meta> is `source|bytes|transport|address|port|time` (source: network or application).
 */
import { randomUUID } from 'node:crypto';

export const CRLF = '\r\n';

export interface WireMeta {
  source: 'network' | 'application';
  bytes: number;
  transport: string;
  address: string;
  port: number;
  /** wall-clock time of day, HH:MM:SS.micro */
  time: string;
}

export interface AppMessage {
  id: string;
  command: string;
  args: string[];
  /** the SIP message after the leader, if any */
  sip?: string;
}

/** split an app → edge payload into its leader tokens and SIP text */
export function parseAppMessage(payload: string): AppMessage | undefined {
  const cr = payload.indexOf(CRLF);
  const leader = cr < 0 ? payload : payload.slice(0, cr);
  const tokens = leader.split('|');
  const [id, command, ...args] = tokens;
  if (!id || !command) return undefined;
  const msg: AppMessage = { id, command, args };
  if (cr >= 0) msg.sip = payload.slice(cr + 2);
  return msg;
}

export function timeOfDay(date = new Date()): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds() * 1000, 6)}`;
}

function metaTokens(meta: WireMeta): string {
  return `${meta.source}|${meta.bytes}|${meta.transport}|${meta.address}|${meta.port}|${meta.time}`;
}

export function newMessageId(): string {
  return randomUUID();
}

/** `<id>|response|<rid>|OK[|extra…]` */
export function okResponse(requestId: string, ...extra: string[]): string {
  return [newMessageId(), 'response', requestId, 'OK', ...extra].join('|');
}

/** `<id>|response|<rid>|NO|<reason>` */
export function failResponse(requestId: string, reason: string): string {
  return [newMessageId(), 'response', requestId, 'NO', reason].join('|');
}

/** echo of a request the edge sent for the app: `OK|<meta>|<txnId>|Msg sent:|` CRLF <sip> */
export function requestSentEcho(requestId: string, meta: WireMeta, txnId: string, sip: string): string {
  return `${okResponse(requestId, metaTokens(meta), txnId, 'Msg sent:')}|${CRLF}${sip}`;
}

/** echo of a response the edge sent for the app: `OK|<meta>|<txnId>|<dialogId>||Msg sent:|` CRLF <sip> */
export function responseSentEcho(requestId: string, meta: WireMeta, txnId: string, dialogId: string, sip: string): string {
  return `${okResponse(requestId, metaTokens(meta), txnId, dialogId, '', 'Msg sent:')}|${CRLF}${sip}`;
}

/** a SIP message for the app: `<id>|sip|<meta>|<txnId>|<dialogId>|[<recvAddr>|<recvPort>|]` CRLF <sip> */
export function sipToApp(
  meta: WireMeta,
  txnId: string,
  dialogId: string,
  sip: string,
  receivedOn?: { address: string; port: number },
): string {
  let leader = `${newMessageId()}|sip|${metaTokens(meta)}|${txnId}|${dialogId}|`;
  if (receivedOn) leader += `${receivedOn.address}|${receivedOn.port}|`;
  return leader + CRLF + sip;
}
