/**
 * One SIP dialog (RFC 3261 §12) as the edge keeps it for an application: tags, route set, CSeq counters,
 * remote target and where its requests travel. The id is drachtio's: `<Call-ID>;from-tag=<caller's tag>`.
 */
import type { Remote } from '../transport/types.js';

export type DialogRole = 'uas' | 'uac';

export interface DialogInit {
  role: DialogRole;
  callId: string;
  localTag: string;
  remoteTag: string;
  /** From/To header values of each side, tags included */
  localParty: string;
  remoteParty: string;
  remoteTarget: string;
  /** Route header values in the order requests must carry them */
  routeSet: string[];
  localSeq: number;
  remoteSeq: number;
  localContact: string;
  /** the flow the dialog was created on (used for TCP reuse and as the fallback target) */
  flow: Remote;
  appId: string;
  /** CSeq number of the INVITE that created the dialog (for the ACK) */
  inviteSeq: number;
}

export class Dialog {
  readonly id: string;
  readonly role: DialogRole;
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  localParty: string;
  remoteParty: string;
  remoteTarget: string;
  routeSet: string[];
  localSeq: number;
  remoteSeq: number;
  localContact: string;
  flow: Remote;
  appId: string;
  inviteSeq: number;
  confirmed = false;
  terminated = false;
  /** stops 2xx retransmission once the ACK arrives (UAS) */
  onAck?: () => void;
  /** the last ACK we sent for a 2xx (UAC), re-sent when the 2xx is retransmitted */
  lastAck?: { data: Buffer; target: Remote };

  constructor(init: DialogInit) {
    this.role = init.role;
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.localParty = init.localParty;
    this.remoteParty = init.remoteParty;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.localContact = init.localContact;
    this.flow = init.flow;
    this.appId = init.appId;
    this.inviteSeq = init.inviteSeq;
    this.id = `${init.callId};from-tag=${init.role === 'uas' ? init.remoteTag : init.localTag}`;
  }

  /** key for matching requests: Call-ID + local tag + remote tag */
  get matchKey(): string {
    return dialogKey(this.callId, this.localTag, this.remoteTag);
  }
}

export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\u0000${localTag}\u0000${remoteTag}`;
}

/** the dialogs the edge holds, by drachtio id and by RFC 3261 matching key */
export class DialogStore {
  private readonly byId = new Map<string, Dialog>();
  private readonly byKey = new Map<string, Dialog>();

  add(d: Dialog): void {
    this.byId.set(d.id, d);
    this.byKey.set(d.matchKey, d);
  }

  get(id: string): Dialog | undefined {
    return this.byId.get(id);
  }

  match(callId: string, localTag: string, remoteTag: string): Dialog | undefined {
    return this.byKey.get(dialogKey(callId, localTag, remoteTag));
  }

  findByCallId(callId: string): Dialog | undefined {
    for (const d of this.byId.values()) if (d.callId === callId) return d;
    return undefined;
  }

  remove(d: Dialog): void {
    d.terminated = true;
    if (this.byId.get(d.id) === d) this.byId.delete(d.id);
    if (this.byKey.get(d.matchKey) === d) this.byKey.delete(d.matchKey);
  }

  ownedBy(appId: string): Dialog[] {
    return [...this.byId.values()].filter((d) => d.appId === appId);
  }

  all(): Dialog[] {
    return [...this.byId.values()];
  }

  get size(): number {
    return this.byId.size;
  }
}
