/**
 * The slice of drachtio-srf's request, response and dialog objects that the gateway uses. drachtio-srf's own
 * typings miss a few real members (req.locals, res 'end', dialog.local.contact), and middleware is easier to
 * test against a small structural type than against the full classes; `gateway.ts` is where the two meet.
 */
import type { AdmissionTicket } from '../admission/controller.js';

export interface Route {
  /** the configured number the Request-URI matched */
  number: string;
  agent: string;
  transferTarget?: string;
}

export interface TrunkIdentity {
  name: string;
  /** how the trunk was recognised */
  via: 'address' | 'digest' | 'address+digest';
}

/** what middleware leaves for later middleware on `req.locals` */
export interface RequestLocals {
  trunk?: TrunkIdentity;
  route?: Route;
  admission?: AdmissionTicket;
  [key: string]: unknown;
}

export interface SipHeaders {
  [name: string]: string;
}

export interface SendOptions {
  headers?: SipHeaders;
  body?: string;
}

export interface SipRequest {
  method: string;
  uri: string;
  body?: string;
  source?: string;
  source_address: string;
  source_port?: number | string;
  protocol?: string;
  locals?: RequestLocals;
  get(name: string): string | undefined;
  has(name: string): boolean;
  on(event: 'cancel', listener: (msg?: unknown) => void): unknown;
}

export interface SipResponse {
  readonly finalResponseSent: boolean;
  send(status: number, opts?: SendOptions): void;
  send(status: number, reason: string, opts?: SendOptions): void;
  once(event: 'end', listener: (info: { status: number; reason?: string }) => void): unknown;
}

export type Next = (err?: unknown) => void;
export type Middleware = (req: SipRequest, res: SipResponse, next: Next) => void;

/** a response received to a request the gateway sent inside a dialog */
export interface SipReply {
  status: number;
  reason?: string;
  get(name: string): string | undefined;
}

export interface DialogLike {
  readonly id?: string;
  readonly sip: { callId: string; localTag: string; remoteTag: string };
  local: { uri: string; sdp: string; contact?: string };
  remote: { uri: string; sdp: string };
  destroy(opts?: { headers?: SipHeaders }): Promise<unknown>;
  request(opts: { method: string; headers?: SipHeaders; body?: string }): Promise<SipReply>;
  on(event: 'destroy', listener: (req: SipRequest, reason?: string) => void): unknown;
  on(event: 'ack', listener: (req: SipRequest) => void): unknown;
  on(
    event: 'modify' | 'update' | 'info' | 'notify' | 'refer' | 'options' | 'message',
    listener: (req: SipRequest, res: SipResponse) => void,
  ): unknown;
}

export function locals(req: SipRequest): RequestLocals {
  if (!req.locals) req.locals = {};
  return req.locals;
}
