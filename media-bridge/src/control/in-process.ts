/**
 * The media control API (contract v1) implemented in the gateway's own process: allocate an RTP endpoint per
 * call, follow re-INVITEs, release, DTMF both ways, and fan media events out to subscribers. A loopback
 * HTTP/WS server can later wrap this same class so media moves to its own hosts.
 */
import { randomUUID } from 'node:crypto';
import {
  allocateRequestSchema,
  remoteMediaSchema,
  type AllocateRequest,
  type Allocation,
  type Logger,
  type MediaControl,
  type MediaConfig,
  type MediaEvent,
  type RemoteMedia,
  type CallInfo,
  type LiveEvent,
  BUILTIN_DEMO_AGENT,
} from '@callgate/contracts';
import { CallSession, type AgentChannel, type AgentChannelEvents } from '../call/call-session.js';
import type { CallMetrics } from '../call/call-metrics.js';
import { isDtmfDigits } from '../dtmf/rfc4733.js';
import { demoAgentReaction } from '../demo/demo-agent.js';
import { DemoLiveEvents } from '../demo/demo-live-events.js';
import { demoPromptPcm } from '../prompt/demo-prompt.js';
import { RtpEndpoint, type EndpointStats } from '../rtp/endpoint.js';
import { Endpointer } from '../vad/endpointer.js';
import type { VadEngine } from '../vad/vad-engine.js';
import type { Pacer } from '../rtp/pacer.js';
import type { PortPool } from '../rtp/port-pool.js';

/** What the control needs and its policy; optional fields have the documented defaults. */
export interface InProcessMediaControlOptions {
  pool: PortPool;
  pacer: Pacer;
  logger: Logger;
  /** address written into SDP answers (the allocation's `address`) */
  advertisedAddress: string;
  /** report `rtp_timeout` after this long without RTP (default 30000 ms; 0 = never) */
  rtpTimeoutMs?: number;
  /** seconds of received audio each endpoint keeps for diagnostics and tests (default 0: none) */
  recordSeconds?: number;
  /** the media config's call policy (VAD, barge-in, agent-core, jitter buffer, quality interval) */
  policy: MediaPolicy;
  /** the shared VAD engine; without it there is no speech detection or barge-in */
  vad?: VadEngine;
  metrics?: CallMetrics;
  /** opens a call's stream to agent-core (absent: only the built-in demo agent can run) */
  connectAgent?: (start: AgentStartInfo, events: AgentChannelEvents) => AgentChannel;
  /** publishes live events for the built-in demo agent's calls (agent-core publishes the others'); none when absent */
  liveEvents?: (event: LiveEvent) => void;
}

/** The parts of the media config the calls follow. */
export type MediaPolicy = Pick<MediaConfig, 'vad' | 'bargeIn' | 'agentCore' | 'jitterBuffer' | 'qualityIntervalMs'>;

/** What agent-core is told about a call when its stream opens. */
export interface AgentStartInfo {
  sessionId: string;
  endpointId: string;
  agent: string;
  codec: 'PCMU' | 'PCMA';
  callId?: string;
  from?: string;
  to?: string;
}

/** prompts `play` knows by id: the demo prompt loops until agent-core provides audio */
export const PROMPT_IDS = ['demo'] as const;

/** Thrown for a request that does not match the contract (a caller bug, not a media failure). */
export class InvalidMediaRequestError extends Error {
  constructor(what: string, error: { issues: ReadonlyArray<{ path: ReadonlyArray<string | number>; message: string }> }) {
    super(`invalid ${what}: ${error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidMediaRequestError';
  }
}

/** `MediaControl` over RTP endpoints in this process. */
export class InProcessMediaControl implements MediaControl {
  private readonly endpoints = new Map<string, RtpEndpoint>();
  private readonly sessions = new Map<string, CallSession>();
  private readonly calls = new Map<string, { sessionId: string; agent: string; codec: 'PCMU' | 'PCMA' }>();
  private readonly handlers = new Set<(event: MediaEvent) => void>();
  private readonly log: Logger;

  private readonly demoLive: DemoLiveEvents | undefined;

  constructor(private readonly opts: InProcessMediaControlOptions) {
    this.log = opts.logger;
    this.demoLive = opts.liveEvents ? new DemoLiveEvents(opts.liveEvents) : undefined;
  }

  /** Validates the request, binds a port pair and starts the endpoint (silent until `play`). */
  async allocate(req: AllocateRequest): Promise<Allocation> {
    const parsed = allocateRequestSchema.safeParse(req);
    if (!parsed.success) throw new InvalidMediaRequestError('allocate request', parsed.error);
    const r = parsed.data;
    const lease = await this.opts.pool.allocate();
    const endpointId = `ep-${randomUUID()}`;
    let endpoint: RtpEndpoint;
    try {
      endpoint = new RtpEndpoint({
        id: endpointId,
        lease,
        codec: r.codec,
        telephoneEventPayloadType: r.telephoneEventPayloadType,
        remote: r.remote,
        pacer: this.opts.pacer,
        logger: this.log.child({ session_id: r.sessionId }),
        emit: (event) => this.emit(event),
        rtpTimeoutMs: this.opts.rtpTimeoutMs,
        recordSeconds: this.opts.recordSeconds ?? 0,
        jitterBuffer: this.opts.policy.jitterBuffer,
        qualityIntervalMs: this.opts.policy.qualityIntervalMs,
      });
    } catch (err) {
      lease.release();
      throw err;
    }
    this.endpoints.set(endpointId, endpoint);
    this.calls.set(endpointId, { sessionId: r.sessionId, agent: r.agent, codec: r.codec.name });
    this.sessions.set(endpointId, this.createSession(endpoint, r.sessionId, r.agent));
    this.log.info('media: endpoint allocated', {
      session_id: r.sessionId,
      endpoint_id: endpointId,
      rtp_port: lease.port,
      codec: r.codec.name,
      agent: r.agent,
    });
    return { v: 1, endpointId, address: this.opts.advertisedAddress, port: lease.port };
  }

  /** re-INVITE: new remote address/port/direction. Throws for an unknown endpoint or invalid media. */
  async update(endpointId: string, remote: RemoteMedia): Promise<void> {
    const parsed = remoteMediaSchema.safeParse(remote);
    if (!parsed.success) throw new InvalidMediaRequestError('remote media', parsed.error);
    this.require(endpointId).update(parsed.data);
    this.log.info('media: endpoint updated', { endpoint_id: endpointId, direction: parsed.data.direction });
  }

  /** Starts a known prompt (`demo`) on the endpoint; the demo agent then answers the caller's keys. */
  async play(endpointId: string, promptId: string): Promise<void> {
    if (!(PROMPT_IDS as readonly string[]).includes(promptId)) throw new Error(`unknown prompt '${promptId}' (known: ${PROMPT_IDS.join(', ')})`);
    this.require(endpointId).playout.enqueuePrompt(promptId, demoPromptPcm(), true);
    this.demoEndpoints.add(endpointId);
  }

  /**
   * The call is confirmed: its agent starts. The built-in `demo` agent plays its prompt and answers keys and
   * turns by itself; any other agent gets a stream to agent-core.
   */
  async connect(endpointId: string, call: CallInfo = {}): Promise<void> {
    this.require(endpointId);
    const session = this.sessions.get(endpointId)!;
    const info = this.calls.get(endpointId)!;
    if (info.agent === BUILTIN_DEMO_AGENT) {
      this.demoEndpoints.add(endpointId);
      this.demoLive?.started(info.sessionId, call);
    }
    session.start(call);
  }

  private createSession(endpoint: RtpEndpoint, sessionId: string, agent: string): CallSession {
    const { policy, connectAgent } = this.opts;
    const vad = policy.vad.enabled ? this.opts.vad : undefined;
    const endpointers = vad && {
      turn: new Endpointer(policy.vad),
      bargeIn: new Endpointer({ ...policy.vad, minSpeechMs: policy.bargeIn.minSpeechMs }),
    };
    const info = { sessionId, endpointId: endpoint.id, agent, codec: endpoint.codec.name };
    const session = new CallSession({
      endpointId: endpoint.id,
      sessionId,
      agent,
      playout: endpoint.playout,
      vad,
      endpointers,
      config: policy,
      emit: (event) => this.emit(event),
      logger: this.log.child({ session_id: sessionId, endpoint_id: endpoint.id }),
      metrics: this.opts.metrics,
      connectAgent: agent === BUILTIN_DEMO_AGENT || !connectAgent ? undefined : (call, events) => connectAgent({ ...info, ...call }, events),
    });
    endpoint.attach(session);
    return session;
  }

  /** endpoints playing the demo prompt: the demo agent reacts to their DTMF */
  private readonly demoEndpoints = new Set<string>();

  /** RTP packet totals since start: released endpoints plus the live ones (read by the metrics at scrape time) */
  totals(): { received: number; lost: number; sent: number; endpoints: number } {
    const t = { ...this.released, endpoints: this.endpoints.size };
    for (const e of this.endpoints.values()) {
      const s = e.stats();
      t.received += s.received.packets;
      t.lost += s.received.lost;
      t.sent += s.sent.packets;
    }
    return t;
  }

  private readonly released = { received: 0, lost: 0, sent: 0 };

  /** Frees the endpoint and its ports; releasing an unknown or released endpoint is a no-op. */
  async release(endpointId: string, reason: string): Promise<void> {
    const endpoint = this.endpoints.get(endpointId);
    if (!endpoint) return;
    const s = endpoint.stats();
    if (s.received.packets > 0) this.emit(endpoint.quality()); // the call's final quality report (the agent hears it before the end)
    const info = this.calls.get(endpointId);
    if (info) this.demoLive?.ended(info.sessionId, reason);
    this.endpoints.delete(endpointId);
    this.demoEndpoints.delete(endpointId);
    this.sessions.get(endpointId)?.close(reason);
    this.sessions.delete(endpointId);
    this.calls.delete(endpointId);
    this.released.received += s.received.packets;
    this.released.lost += s.received.lost;
    this.released.sent += s.sent.packets;
    await endpoint.close();
    this.log.info('media: endpoint released', {
      endpoint_id: endpointId,
      reason,
      rx_packets: s.received.packets,
      rx_lost: s.received.lost,
      tx_packets: s.sent.packets,
    });
  }

  /** Reports a SIP INFO digit exactly like an RFC 4733 one (source `sip-info`). Unknown endpoints are ignored. */
  dtmfFromSignalling(endpointId: string, digit: string, durationMs: number): void {
    if (!this.endpoints.has(endpointId)) {
      this.log.warn('media: dtmf for unknown endpoint', { endpoint_id: endpointId });
      return;
    }
    if (digit.length !== 1 || !isDtmfDigits(digit)) {
      this.log.warn('media: ignoring invalid SIP INFO digit', { endpoint_id: endpointId });
      return;
    }
    const ms = Number.isFinite(durationMs) && durationMs >= 0 ? durationMs : 0;
    this.sessions.get(endpointId)?.dtmf(digit.toUpperCase(), ms, 'sip-info');
    this.emit({ v: 1, type: 'dtmf', endpointId, digit: digit.toUpperCase(), durationMs: ms, source: 'sip-info' });
  }

  /** Sends digits as RFC 4733 events; rejects when no telephone-event type was negotiated or on hold. */
  async sendDtmf(endpointId: string, digits: string): Promise<void> {
    return this.require(endpointId).sendDtmf(digits);
  }

  /** Subscribes to media events; returns a function that unsubscribes. */
  onEvent(handler: (event: MediaEvent) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Counters of one endpoint, or undefined when it is not allocated. */
  stats(endpointId: string): EndpointStats | undefined {
    return this.endpoints.get(endpointId)?.stats();
  }

  /** ids of the endpoints allocated now */
  activeEndpoints(): string[] {
    return [...this.endpoints.keys()];
  }

  /** The endpoint itself, for in-process collaborators (tests, later the agent bridge); undefined if unknown. */
  endpoint(endpointId: string): RtpEndpoint | undefined {
    return this.endpoints.get(endpointId);
  }

  /** Releases every endpoint (shutdown). */
  async releaseAll(reason: string): Promise<void> {
    await Promise.all(this.activeEndpoints().map((id) => this.release(id, reason)));
  }

  private recordQuality(q: Extract<MediaEvent, { type: 'quality' }>): void {
    this.sessions.get(q.endpointId)?.quality(q);
    const info = this.calls.get(q.endpointId);
    if (info) this.demoLive?.quality(info.sessionId, q);
    this.opts.metrics?.mos.observe(q.mos);
    this.opts.metrics?.jitterMs.observe(q.jitterMs);
    this.log.info('media: quality', {
      endpoint_id: q.endpointId,
      mos: q.mos,
      jitter_ms: q.jitterMs,
      loss_pct: q.lossPct,
      late: q.lateDiscards,
      jb_ms: q.jitterBufferMs,
      rx: q.packetsReceived,
      tx: q.packetsSent,
    });
  }

  private require(endpointId: string): RtpEndpoint {
    const endpoint = this.endpoints.get(endpointId);
    if (!endpoint) throw new Error(`unknown media endpoint ${endpointId}`);
    return endpoint;
  }

  private emit(event: MediaEvent): void {
    if (event.type === 'quality') this.recordQuality(event);
    else if (event.type === 'dtmf') {
      this.opts.metrics?.dtmf.inc({ source: event.source });
      // the key itself is not logged: callers key in card and account numbers
      this.log.info('media: dtmf received', { endpoint_id: event.endpointId, source: event.source, duration_ms: event.durationMs });
    }
    for (const handler of [...this.handlers]) {
      try {
        handler(event);
      } catch (err) {
        this.log.error('media: event handler failed', { err, type: event.type });
      }
    }
    // the demo prompt stands in for the agent, and so does the demo agent for its decisions
    const reaction = this.demoEndpoints.has(event.endpointId) ? demoAgentReaction(event) : undefined;
    if (reaction) this.emit(reaction);
  }
}
