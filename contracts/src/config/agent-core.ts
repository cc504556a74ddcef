/**
 * Config sections of agent-core (`agentCore`) and of the Redis it uses (`redis`), version 1. Providers are named
 * once under `agentCore.providers` and referenced by name, in order of preference, per agent and stage; the
 * router tries them in that order with the stage's timeouts, retries and circuit breaker.
 */
import { z } from 'zod';

const port = z.number().int().min(0).max(65535);
const host = z.string().min(1);
const ms = z.number().int().min(0);
const url = (what: string) => z.string().regex(/^https?:\/\/.+/, `an http:// or https:// URL of ${what}`);
/** a secret in the file, or `${ENV_VAR}` read from the environment at start */
const secret = z.string().min(1);

export const providerSchema = z.discriminatedUnion('kind', [
  /** embedded STT: PocketSphinx (Debian), constrained by a language model built from the agent's flow */
  z.object({ kind: z.literal('pocketsphinx'), python: z.string().optional(), modelDir: z.string().optional(), poolSize: z.number().int().min(0).max(16).optional() }).strict(),
  /** streaming STT over WebSocket (the live-transcription protocol of Deepgram and compatible servers) */
  z.object({ kind: z.literal('ws-stt'), url: z.string().regex(/^wss?:\/\/.+/, 'a ws:// or wss:// URL'), apiKey: secret.optional(), model: z.string().optional(), language: z.string().optional() }).strict(),
  /** embedded TTS: flite (Debian); `kal` is its 8 kHz voice, the others are resampled */
  z.object({ kind: z.literal('flite'), voice: z.enum(['kal', 'kal16', 'slt', 'rms', 'awb', 'awb_time']).default('kal') }).strict(),
  /** an OpenAI-compatible /audio/speech endpoint */
  z
    .object({
      kind: z.literal('openai-speech'),
      baseUrl: url('the API (…/v1)'),
      apiKey: secret.optional(),
      model: z.string().min(1),
      voice: z.string().min(1).default('alloy'),
      format: z.enum(['pcm', 'wav']).default('pcm'),
      /** sample rate of `pcm` responses (OpenAI: 24000) */
      sampleRate: z.number().int().min(8000).max(48000).default(24000),
    })
    .strict(),
  /** embedded dialogue: the deterministic flow engine (the agent's `flow` file) */
  z.object({ kind: z.literal('flow') }).strict(),
  /** an OpenAI-compatible chat-completions stream with tool calls (also vLLM, llama.cpp server) */
  z
    .object({
      kind: z.literal('openai-chat'),
      baseUrl: url('the API (…/v1)'),
      apiKey: secret.optional(),
      model: z.string().min(1),
      temperature: z.number().min(0).max(2).optional(),
      maxTokens: z.number().int().positive().optional(),
    })
    .strict(),
]);
export type ProviderConfig = z.infer<typeof providerSchema>;
export type ProviderKind = ProviderConfig['kind'];

/** which stage each provider kind serves */
export const PROVIDER_STAGE: Record<ProviderKind, 'stt' | 'dialogue' | 'tts'> = {
  pocketsphinx: 'stt',
  'ws-stt': 'stt',
  flite: 'tts',
  'openai-speech': 'tts',
  flow: 'dialogue',
  'openai-chat': 'dialogue',
};

const stageSchema = (firstOutputTimeoutMs: number) =>
  z
    .object({
      /** no first output this long: retry (only before any output) or go to the next provider */
      firstOutputTimeoutMs: ms.default(firstOutputTimeoutMs),
      /** retries per provider, before its first output only, with full-jitter backoff */
      retries: z.number().int().min(0).max(5).default(1),
      backoffBaseMs: ms.default(100),
      backoffMaxMs: ms.default(1000),
      /** consecutive failures that open a provider's circuit breaker, and how long it stays open */
      breakerFailures: z.number().int().min(1).default(3),
      breakerOpenMs: ms.default(15_000),
    })
    .strict();

export const toolConfigSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('webhook'),
      name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'letters, digits, _ and - (at most 64)'),
      /** what the model reads to decide when to call it */
      description: z.string().min(1).max(1000),
      /** JSON Schema of the arguments */
      parameters: z.record(z.unknown()),
      /** JSON Schema the webhook's answer must match */
      result: z.record(z.unknown()).optional(),
      webhook: z
        .object({
          url: url('the webhook'),
          method: z.literal('POST').optional(),
          timeoutMs: z.number().int().positive().max(60_000).optional(),
          /** extra headers (e.g. Authorization); values may be `${ENV_VAR}` */
          headers: z.record(z.string()).optional(),
        })
        .strict(),
      /** how long the session waits for the outcome, queueing included */
      timeoutMs: z.number().int().positive().max(60_000).default(5000),
      rateLimit: z.object({ perSecond: z.number().positive(), burst: z.number().int().positive() }).strict().optional(),
      breaker: z.object({ failureThreshold: z.number().int().min(1).optional(), openMs: z.number().int().min(0).optional() }).strict().optional(),
    })
    .strict(),
  z.object({ kind: z.literal('builtin'), name: z.enum(['transfer_call', 'end_call']), description: z.string().min(1).max(1000).optional() }).strict(),
]);
export type ToolConfig = z.infer<typeof toolConfigSchema>;

export const agentSchema = z
  .object({
    /** the flow file for the `flow` dialogue provider (a path relative to the working directory) */
    flow: z.string().min(1).optional(),
    /** the system prompt for chat-model providers */
    systemPrompt: z.string().max(20_000).optional(),
    /** provider names, in order of preference */
    stt: z.array(z.string().min(1)).min(1).default(['pocketsphinx']),
    dialogue: z.array(z.string().min(1)).min(1).default(['flow']),
    tts: z.array(z.string().min(1)).min(1).default(['flite']),
    /** the TTS voice (provider-specific); the provider's default when absent */
    voice: z.string().optional(),
    /** tools this agent may call, by name (from `agentCore.tools` or the built-ins transfer_call, end_call) */
    tools: z.array(z.string().min(1)).default(['transfer_call', 'end_call']),
    /** a short line spoken when a reply's first audio is this late (null: never) */
    filler: z.object({ afterMs: ms.default(900), text: z.string().min(1).max(200).default('One moment.') }).strict().nullable().default({}),
    repromptText: z.string().min(1).max(300).default("Sorry, I didn't catch that. Could you say it again?"),
    maxEmptyTurns: z.number().int().min(1).max(10).default(3),
    giveUpText: z.string().min(1).max(300).default("I'm having trouble hearing you. Let me transfer you to someone who can help."),
    apologyText: z.string().min(1).max(300).default("Sorry, I'm having a problem on my side. Could you say that again?"),
    /** turns shorter than this with nothing recognised are ignored (a cough, a click) */
    ignoreEmptyBelowMs: ms.default(400),
    /** start the reply on the last partial transcript at speech end (kept only when the final agrees) */
    speculate: z.boolean().default(true),
  })
  .strict();
export type AgentConfig = z.infer<typeof agentSchema>;

/** the tools the built-in demo calendar serves (added to `agentCore.tools` while it is enabled) */
export const DEMO_CALENDAR_TOOLS = ['book_appointment', 'take_callback'] as const;

export const agentCoreServiceSchema = z
  .object({
    /** where media bridges connect (agent-stream v1 at /v1/stream) */
    listen: z.object({ address: host.default('127.0.0.1'), port: port.default(9024) }).strict().default({}),
    providers: z.record(providerSchema).default({ pocketsphinx: { kind: 'pocketsphinx' }, flite: { kind: 'flite', voice: 'kal' }, flow: { kind: 'flow' } }),
    router: z
      .object({ stt: stageSchema(3000).default({}), dialogue: stageSchema(2500).default({}), tts: stageSchema(2000).default({}) })
      .strict()
      .default({}),
    agents: z.record(agentSchema).default({}),
    tools: z.array(toolConfigSchema).default([]),
    /**
     * 32-byte key (64 hex characters or base64; `${ENV_VAR}`) sealing tool arguments and results in Redis with
     * AES-256-GCM; without it each agent-core uses a random key of its own (set one when several share a queue)
     */
    toolDataKey: secret.optional(),
    /** tool executions running at once per agent-core (the realtime queue's worker) */
    toolConcurrency: z.number().int().min(1).max(256).default(16),
    /** the built-in demo calendar (the front-desk agent's booking webhook) on loopback */
    demoCalendar: z.object({ enabled: z.boolean().default(true), address: host.default('127.0.0.1'), port: port.default(9025) }).strict().default({}),
    redaction: z
      .object({
        /** `[CARD]` placeholders, or keyed HMAC tokens (`[CARD:ab12cd34]`) so equal values can be correlated */
        mode: z.enum(['placeholder', 'hmac']).default('placeholder'),
        hmacKey: secret.optional(),
      })
      .strict()
      .default({})
      .refine((r) => r.mode !== 'hmac' || r.hmacKey, { message: 'hmac mode needs hmacKey', path: ['hmacKey'] }),
    /** how long a session waits for its media bridge to reconnect */
    resumeGraceMs: ms.default(15_000),
    /** the post-call flow on the BullMQ batch queue, and when batch work yields to live calls */
    postCall: z
      .object({
        enabled: z.boolean().default(true),
        concurrency: z.number().int().min(1).max(64).default(2),
        attempts: z.number().int().min(1).max(20).default(5),
        backoffMs: ms.default(2000),
        /** batch workers pause while live calls are at least this many … */
        maxLiveCalls: z.number().int().min(1).default(50),
        /** … or while the oldest waiting realtime job is this old */
        maxRealtimeLagMs: ms.default(500),
      })
      .strict()
      .default({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    const demo = c.demoCalendar.enabled ? DEMO_CALENDAR_TOOLS : [];
    const toolNames = new Set(['transfer_call', 'end_call', ...demo, ...c.tools.map((t) => t.name)]);
    for (const [name, agent] of Object.entries(c.agents)) {
      for (const stage of ['stt', 'dialogue', 'tts'] as const) {
        agent[stage].forEach((id, i) => {
          const p = c.providers[id];
          const path = ['agents', name, stage, i];
          if (!p) ctx.addIssue({ code: z.ZodIssueCode.custom, path, message: `no provider '${id}' in agentCore.providers` });
          else if (PROVIDER_STAGE[p.kind] !== stage) ctx.addIssue({ code: z.ZodIssueCode.custom, path, message: `provider '${id}' (${p.kind}) is a ${PROVIDER_STAGE[p.kind]} provider, not ${stage}` });
          else if (p.kind === 'flow' && !agent.flow) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['agents', name, 'flow'], message: `the flow provider needs the agent's flow file` });
        });
      }
      agent.tools.forEach((t, i) => {
        if (!toolNames.has(t)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['agents', name, 'tools', i], message: `no tool '${t}' in agentCore.tools` });
      });
    }
  });
export type AgentCoreServiceConfig = z.infer<typeof agentCoreServiceSchema>;

export const redisSchema = z
  .object({
    /** start a private redis-server (Debian's) for this appliance; false: use `url` */
    embedded: z.boolean().default(true),
    address: host.default('127.0.0.1'),
    port: port.default(6390),
    /** where the embedded server keeps its append-only file */
    dataDir: z.string().min(1).default('data/redis'),
    /** AOF fsync: `everysec` loses at most about a second of queue writes on a power cut; `always` none */
    appendfsync: z.enum(['everysec', 'always']).default('everysec'),
    /** an external Redis (redis:// URL) when not embedded */
    url: z.string().regex(/^rediss?:\/\/.+/, 'a redis:// or rediss:// URL').optional(),
    /** an external Redis behind Sentinel: the clients ask these sentinels for the master of `name` and follow failovers */
    sentinel: z
      .object({
        name: z.string().min(1),
        sentinels: z.array(z.object({ host, port }).strict()).min(1),
        /** the Redis password (`${ENV_VAR}`); `sentinelPassword` for the sentinels themselves */
        password: secret.optional(),
        sentinelPassword: secret.optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((r) => r.embedded || r.url || r.sentinel, { message: 'set redis.url or redis.sentinel when redis.embedded is false', path: ['url'] });
export type RedisConfig = z.infer<typeof redisSchema>;

/**
 * Where a service finds Redis: a URL, a host and port, or a Sentinel group (ioredis and BullMQ take each of
 * these as their connection options and follow a Sentinel failover by themselves).
 */
export type RedisTarget = string | { host: string; port: number } | { sentinels: Array<{ host: string; port: number }>; name: string; password?: string; sentinelPassword?: string };

/** connection options (ioredis' and BullMQ's) for a target: a redis:// or rediss:// URL is taken apart */
export function redisConnectionOptions(target: RedisTarget): Exclude<RedisTarget, string> & { username?: string; password?: string; tls?: object } {
  if (typeof target !== 'string') return target;
  const u = new URL(target);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port || 6379),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

const day = 24 * 60 * 60 * 1000;
/** the conversation store (SQLite file by default; MongoDB in production) */
export const storeSchema = z
  .object({
    kind: z.enum(['sqlite', 'mongodb']).default('sqlite'),
    sqlite: z.object({ path: z.string().min(1).default('data/callgate.db') }).strict().default({}),
    mongodb: z
      .object({
        /** mongodb:// URI; may be `${ENV_VAR}` */
        uri: secret.optional(),
        dbName: z.string().min(1).default('callgate'),
        /** turn + outbox in one transaction: `auto` when the deployment supports it (replica set) */
        transactions: z.enum(['auto', 'always', 'never']).default('auto'),
      })
      .strict()
      .default({}),
    /** retention per collection in days (defaults: sessions/turns/annotations 90, fragments/tokens/audio/raw text 1, tool results 30, outbox 7, audit 365) */
    retentionDays: z.record(z.number().positive().max(3650)).default({}),
    /** how often expired records are purged */
    purgeIntervalMs: ms.default(day / 24),
    /** keep the unredacted caller text, encrypted (AES-256-GCM) with this 32-byte key (64 hex chars or base64; `${ENV_VAR}`), on a short retention */
    rawTextKey: secret.optional(),
    /** HMAC key that turns a caller's number into the caller key deletions match (`${ENV_VAR}`) */
    callerKeySecret: secret.default('callgate-embedded-default'),
  })
  .strict()
  .refine((s) => s.kind !== 'mongodb' || s.mongodb.uri, { message: 'store.kind mongodb needs store.mongodb.uri', path: ['mongodb', 'uri'] });
export type StoreSectionConfig = z.infer<typeof storeSchema>;
