import type { CallInfo } from '@callgate/contracts';
/** Small fakes of drachtio-srf requests, responses and dialogs, and of MediaControl, for unit tests. */
import { EventEmitter } from 'node:events';
import type { AllocateRequest, Allocation, MediaControl, MediaEvent, RemoteMedia } from '@callgate/contracts';
import type { DialogLike, RequestLocals, SendOptions, SipHeaders, SipReply, SipRequest, SipResponse } from '../sip/types.js';

export class FakeRequest extends EventEmitter implements SipRequest {
  method: string;
  uri: string;
  body?: string;
  source?: string;
  source_address: string;
  locals?: RequestLocals;
  private readonly headers = new Map<string, string>();

  constructor(init: { method?: string; uri?: string; body?: string; source?: string; source_address?: string; headers?: SipHeaders } = {}) {
    super();
    this.method = init.method ?? 'INVITE';
    this.uri = init.uri ?? 'sip:+15550100@gw.example.com';
    if (init.body !== undefined) this.body = init.body;
    if (init.source !== undefined) this.source = init.source;
    this.source_address = init.source_address ?? '192.0.2.10';
    const h: SipHeaders = { 'Call-ID': 'call-1@test', From: '<sip:caller@example.net>;tag=abc', To: `<${this.uri}>`, ...(init.headers ?? {}) };
    for (const [k, v] of Object.entries(h)) this.headers.set(k.toLowerCase(), v);
  }

  get(name: string): string | undefined {
    return this.headers.get(name.toLowerCase());
  }

  has(name: string): boolean {
    return this.headers.has(name.toLowerCase());
  }
}

export interface SentResponse {
  status: number;
  reason?: string;
  headers: SipHeaders;
  body?: string;
}

export class FakeResponse extends EventEmitter implements SipResponse {
  readonly sent: SentResponse[] = [];

  get finalResponseSent(): boolean {
    return this.sent.some((s) => s.status >= 200);
  }

  get last(): SentResponse | undefined {
    return this.sent[this.sent.length - 1];
  }

  send(status: number, reasonOrOpts?: string | SendOptions, maybeOpts?: SendOptions): void {
    const reason = typeof reasonOrOpts === 'string' ? reasonOrOpts : undefined;
    const opts = (typeof reasonOrOpts === 'object' ? reasonOrOpts : maybeOpts) ?? {};
    this.sent.push({ status, ...(reason ? { reason } : {}), headers: opts.headers ?? {}, ...(opts.body !== undefined ? { body: opts.body } : {}) });
    if (status >= 200) this.emit('end', { status, reason });
  }
}

export class FakeDialog extends EventEmitter implements DialogLike {
  readonly sip = { callId: 'call-1@test', localTag: 'l1', remoteTag: 'abc' };
  local = { uri: 'sip:gw@192.0.2.1', sdp: '', contact: '<sip:gw@192.0.2.1:5060>' };
  remote = { uri: 'sip:caller@192.0.2.10', sdp: '' };
  readonly requests: Array<{ method: string; headers?: SipHeaders; body?: string }> = [];
  destroyed: { headers?: SipHeaders } | undefined;
  /** what the next in-dialog request gets back */
  nextReply: SipReply = { status: 202, get: () => undefined };

  destroy(opts?: { headers?: SipHeaders }): Promise<unknown> {
    this.destroyed = opts ?? {};
    return Promise.resolve();
  }

  request(opts: { method: string; headers?: SipHeaders; body?: string }): Promise<SipReply> {
    this.requests.push(opts);
    return Promise.resolve(this.nextReply);
  }
}

export class FakeMedia implements MediaControl {
  readonly allocations: AllocateRequest[] = [];
  readonly updates: Array<{ endpointId: string; remote: RemoteMedia }> = [];
  readonly releases: Array<{ endpointId: string; reason: string }> = [];
  readonly dtmf: Array<{ endpointId: string; digit: string; durationMs: number }> = [];
  failAllocate = false;
  /** when set, allocate waits for this promise before answering */
  gate: Promise<void> | undefined;
  private handler: ((e: MediaEvent) => void) | undefined;
  private n = 0;

  async allocate(req: AllocateRequest): Promise<Allocation> {
    this.allocations.push(req);
    if (this.gate) await this.gate;
    if (this.failAllocate) throw new Error('no ports');
    this.n++;
    return { v: 1, endpointId: `ep-${this.n}`, address: '198.51.100.5', port: 20000 + this.n * 2 };
  }
  async update(endpointId: string, remote: RemoteMedia): Promise<void> {
    this.updates.push({ endpointId, remote });
  }
  async release(endpointId: string, reason: string): Promise<void> {
    this.releases.push({ endpointId, reason });
  }
  readonly plays: Array<{ endpointId: string; promptId: string }> = [];
  async play(endpointId: string, promptId: string): Promise<void> {
    this.plays.push({ endpointId, promptId });
  }
  readonly connects: Array<{ endpointId: string; call?: CallInfo }> = [];
  async connect(endpointId: string, call?: CallInfo): Promise<void> {
    this.connects.push({ endpointId, call });
  }
  dtmfFromSignalling(endpointId: string, digit: string, durationMs: number): void {
    this.dtmf.push({ endpointId, digit, durationMs });
  }
  async sendDtmf(): Promise<void> {}
  onEvent(handler: (event: MediaEvent) => void): void {
    this.handler = handler;
  }
  emit(event: MediaEvent): void {
    this.handler?.(event);
  }
}

/** lets pending promise callbacks run */
export function flush(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

export const OFFER_PCMU = [
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 192.0.2.10',
  's=-',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 49170 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=sendrecv',
  '',
].join('\r\n');
