/**
 * RFC 3261 §17 timer values (Table 4) plus RFC 6026 Timers L and M, derived from T1/T2/T4 and the
 * transport. Retransmission timers (A, E, G) are `undefined` on reliable transports: they never start.
 */

export interface SipTimers {
  /** RTT estimate, default 500 ms */
  t1: number;
  /** maximum retransmit interval for non-INVITE requests and INVITE responses, default 4 s */
  t2: number;
  /** maximum time a message stays in the network, default 5 s */
  t4: number;
}

export const DEFAULT_SIP_TIMERS: Readonly<SipTimers> = Object.freeze({ t1: 500, t2: 4000, t4: 5000 });

export type TransportKind = 'udp' | 'tcp';

/** TCP (and anything but UDP) is reliable: no retransmissions, and the "wait" timers are zero. */
export function isReliable(transport: TransportKind): boolean {
  return transport !== 'udp';
}

/** Fill in defaults and check the values (T1 > 0, T2 ≥ T1, T4 > 0; all finite). */
export function resolveSipTimers(partial: Partial<SipTimers> = {}): SipTimers {
  const t = { ...DEFAULT_SIP_TIMERS, ...stripUndefined(partial) };
  for (const k of ['t1', 't2', 't4'] as const) {
    if (!Number.isFinite(t[k]) || t[k] <= 0) throw new RangeError(`SIP timer ${k} must be a positive number, got ${t[k]}`);
  }
  if (t.t2 < t.t1) throw new RangeError(`SIP timer t2 (${t.t2}) must not be below t1 (${t.t1})`);
  return t;
}

function stripUndefined(p: Partial<SipTimers>): Partial<SipTimers> {
  const out: Partial<SipTimers> = {};
  if (p.t1 !== undefined) out.t1 = p.t1;
  if (p.t2 !== undefined) out.t2 = p.t2;
  if (p.t4 !== undefined) out.t4 = p.t4;
  return out;
}

/** Every §17 timer for one transport, in milliseconds. */
export interface DerivedTimers {
  readonly t1: number;
  readonly t2: number;
  readonly t4: number;
  /** INVITE request retransmit, initial interval (doubles, uncapped); UDP only */
  readonly A: number | undefined;
  /** INVITE client transaction timeout: 64*T1 */
  readonly B: number;
  /** wait for response retransmissions (INVITE client, non-2xx): max(32 s, 64*T1) on UDP, 0 on TCP */
  readonly D: number;
  /** non-INVITE request retransmit, initial interval (doubles up to T2); UDP only */
  readonly E: number | undefined;
  /** non-INVITE client transaction timeout: 64*T1 */
  readonly F: number;
  /** INVITE non-2xx response retransmit, initial interval (doubles up to T2); UDP only */
  readonly G: number | undefined;
  /** wait for ACK to a non-2xx final: 64*T1 */
  readonly H: number;
  /** wait for ACK retransmissions: T4 on UDP, 0 on TCP */
  readonly I: number;
  /** wait for non-INVITE request retransmissions: 64*T1 on UDP, 0 on TCP */
  readonly J: number;
  /** wait for non-INVITE response retransmissions: T4 on UDP, 0 on TCP */
  readonly K: number;
  /** RFC 6026: INVITE server in Accepted, wait for INVITE retransmissions: 64*T1 */
  readonly L: number;
  /** RFC 6026: INVITE client in Accepted, wait for 2xx retransmissions: 64*T1 */
  readonly M: number;
}

export function deriveTimers(t: SipTimers, transport: TransportKind): DerivedTimers {
  const reliable = isReliable(transport);
  const t64 = 64 * t.t1;
  return {
    t1: t.t1,
    t2: t.t2,
    t4: t.t4,
    A: reliable ? undefined : t.t1,
    B: t64,
    D: reliable ? 0 : Math.max(32_000, t64),
    E: reliable ? undefined : t.t1,
    F: t64,
    G: reliable ? undefined : t.t1,
    H: t64,
    I: reliable ? 0 : t.t4,
    J: reliable ? 0 : t64,
    K: reliable ? 0 : t.t4,
    L: t64,
    M: t64,
  };
}
