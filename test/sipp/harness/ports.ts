/**
 * Loopback port plan: every test file owns a block of 100 ports (slot N -> 10000 + 100*N) so files never collide
 * with each other, nor with a developer's appliance on 5060/9022/9464; the blocks lie below Linux's ephemeral
 * range (32768–60999), so no client socket of another test can take one of them first.
 */
export interface PortPlan {
  /** the appliance's SIP port (UDP and TCP) */
  sip: number;
  /** the edge's drachtio control port */
  control: number;
  /** the media-bridge control port */
  mediaControl: number;
  metrics: number;
  /** agent-core's WebSocket, the demo calendar, the private Redis */
  agentCore: number;
  demoCalendar: number;
  redis: number;
  /** the supervisor dashboard's HTTP port */
  dashboard: number;
  /** the appliance's RTP range */
  rtpMin: number;
  rtpMax: number;
  /** local SIP/media ports for SIPp runs and the harness' RTP sockets, handed out by `next*` */
  nextSippPort(): number;
  nextMediaPort(): number;
}

export function portPlan(slot: number, opts: { rtpMin?: number; rtpMax?: number } = {}): PortPlan {
  if (!Number.isInteger(slot) || slot < 0 || slot > 80) throw new Error(`port slot ${slot} out of range 0..80`);
  const base = 10000 + slot * 100;
  let sipp = 0;
  let media = 0;
  return {
    sip: base,
    control: base + 1,
    mediaControl: base + 2,
    metrics: base + 3,
    agentCore: base + 4,
    demoCalendar: base + 5,
    redis: base + 6,
    dashboard: base + 7,
    rtpMin: opts.rtpMin ?? base + 50,
    rtpMax: opts.rtpMax ?? base + 99,
    // 10..29: SIPp SIP ports (cycled)
    nextSippPort: () => base + 10 + (sipp++ % 20),
    // 30..49: even media ports in steps of 4 (SIPp may bind port and port+2)
    nextMediaPort: () => base + 30 + 4 * (media++ % 5),
  };
}
