/**
 * Tool configuration: what an agent may call. Two kinds:
 *
 * - `webhook`: an HTTP endpoint the tool worker POSTs the validated arguments to (see webhook.ts);
 * - `builtin`: `transfer_call` and `end_call`, actions the call's session performs itself. The tool layer only
 *   declares them to the model and validates their arguments.
 *
 * Configs are plain data (from callgate.yaml or code). `compileTools` checks them against a JSON Schema of the
 * config shape, compiles every argument/result schema once with ajv (JSON Schema draft 2020-12, strict: unknown
 * keywords and formats are refused), resolves `${ENV_VAR}` references in webhook header values and throws one
 * `ToolConfigError` listing every problem, each naming its tool.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { JsonSchema } from '../providers/ports.js';

export type BuiltinToolName = 'transfer_call' | 'end_call';
export const BUILTIN_TOOL_NAMES: readonly BuiltinToolName[] = ['transfer_call', 'end_call'];

export interface WebhookConfig {
  /** http(s) URL the arguments are POSTed to */
  url: string;
  /** only POST is supported */
  method?: 'POST';
  /** how long one HTTP request may take (default: the tool's `timeoutMs`; must not exceed it) */
  timeoutMs?: number;
  /**
   * extra request headers, typically auth. A value may reference environment variables as `${NAME}`
   * (`"Bearer ${BOOKING_TOKEN}"`), resolved when the config is loaded; an unset variable is a load error.
   */
  headers?: Record<string, string>;
}

export interface RateLimitConfig {
  /** tokens added per second */
  perSecond: number;
  /** bucket size: calls allowed at once after an idle period */
  burst: number;
}

export interface BreakerConfig {
  /** consecutive failures that open the tool's circuit (default 3) */
  failureThreshold?: number;
  /** how long it stays open before one trial call (default 10 000 ms) */
  openMs?: number;
}

export interface WebhookToolConfig {
  kind: 'webhook';
  /** what the model calls it: letters, digits, `_` and `-`, at most 64 */
  name: string;
  /** what the model reads to decide when to call it */
  description: string;
  /** JSON Schema of the arguments object (root `type: 'object'`) */
  parameters: JsonSchema;
  /** JSON Schema the webhook's JSON response must match (any JSON when absent) */
  result?: JsonSchema;
  webhook: WebhookConfig;
  /** how long the session waits for the outcome, queueing included (default 5000 ms) */
  timeoutMs?: number;
  /** token bucket; excess calls fail at once with `rate_limited` (none by default) */
  rateLimit?: RateLimitConfig;
  breaker?: BreakerConfig;
}

export interface BuiltinToolConfig {
  kind: 'builtin';
  name: BuiltinToolName;
  /** replaces the built-in description the model reads */
  description?: string;
}

export type ToolConfig = WebhookToolConfig | BuiltinToolConfig;

/** a validated, compiled webhook tool */
export interface CompiledWebhookTool {
  kind: 'webhook';
  name: string;
  description: string;
  parameters: JsonSchema;
  result?: JsonSchema;
  url: string;
  method: 'POST';
  /** header values with `${ENV}` resolved */
  headers: Record<string, string>;
  /** per-request HTTP timeout */
  webhookTimeoutMs: number;
  /** overall deadline of a call, queueing included */
  timeoutMs: number;
  rateLimit?: RateLimitConfig;
  breaker?: BreakerConfig;
  validateArgs: ValidateFunction;
  validateResult?: ValidateFunction;
}

export interface CompiledBuiltinTool {
  kind: 'builtin';
  name: BuiltinToolName;
  description: string;
  parameters: JsonSchema;
  validateArgs: ValidateFunction;
}

export type CompiledTool = CompiledWebhookTool | CompiledBuiltinTool;

export const DEFAULT_TOOL_TIMEOUT_MS = 5000;

const BUILTIN_SPECS: Record<BuiltinToolName, { description: string; parameters: JsonSchema }> = {
  transfer_call: {
    description:
      'Transfer the caller to a human colleague. Use when the caller asks for a person or when you cannot help.',
    parameters: {
      type: 'object',
      properties: { reason: { type: 'string', maxLength: 500, description: 'why the call is transferred' } },
      additionalProperties: false,
    },
  },
  end_call: {
    description: 'End the call politely once the caller has nothing more to ask.',
    parameters: {
      type: 'object',
      properties: { reason: { type: 'string', maxLength: 500, description: 'why the call ends' } },
      additionalProperties: false,
    },
  },
};

/** the two built-ins with their default descriptions, ready to add to an agent's tool list */
export const BUILTIN_TOOLS: readonly BuiltinToolConfig[] = BUILTIN_TOOL_NAMES.map((name) => ({
  kind: 'builtin',
  name,
}));

export class ToolConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid tool configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ToolConfigError';
  }
}

const NAME_PATTERN = '^[A-Za-z0-9_-]{1,64}$';

const configSchema = {
  type: 'object',
  required: ['kind', 'name'],
  properties: {
    kind: { enum: ['webhook', 'builtin'] },
    name: { type: 'string', pattern: NAME_PATTERN },
  },
  allOf: [
    {
      if: { properties: { kind: { const: 'webhook' } } },
      then: {
        required: ['description', 'parameters', 'webhook'],
        additionalProperties: false,
        properties: {
          kind: true,
          name: true,
          description: { type: 'string', minLength: 1 },
          parameters: { type: 'object' },
          result: { type: ['object', 'boolean'] },
          timeoutMs: { type: 'integer', minimum: 1, maximum: 600_000 },
          webhook: {
            type: 'object',
            required: ['url'],
            additionalProperties: false,
            properties: {
              url: { type: 'string', pattern: '^https?://' },
              method: { const: 'POST' },
              timeoutMs: { type: 'integer', minimum: 1, maximum: 600_000 },
              headers: { type: 'object', additionalProperties: { type: 'string' } },
            },
          },
          rateLimit: {
            type: 'object',
            required: ['perSecond', 'burst'],
            additionalProperties: false,
            properties: {
              perSecond: { type: 'number', exclusiveMinimum: 0 },
              burst: { type: 'integer', minimum: 1 },
            },
          },
          breaker: {
            type: 'object',
            additionalProperties: false,
            properties: {
              failureThreshold: { type: 'integer', minimum: 1 },
              openMs: { type: 'integer', minimum: 1 },
            },
          },
        },
      },
    },
    {
      if: { properties: { kind: { const: 'builtin' } } },
      then: {
        additionalProperties: false,
        properties: {
          kind: true,
          name: { enum: [...BUILTIN_TOOL_NAMES] },
          description: { type: 'string', minLength: 1 },
        },
      },
    },
  ],
} as const;

const configAjv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
const validateConfigShape = configAjv.compile(configSchema);

/** one readable line per schema error: `day: must be one of "mon", "tue"` */
export function formatSchemaErrors(errors: readonly ErrorObject[] | null | undefined, root: string): string {
  if (!errors || errors.length === 0) return `${root}: invalid`;
  const lines: string[] = [];
  for (const e of errors) {
    // if/then wrappers add a summary error after the real ones
    if (e.keyword === 'if') continue;
    const where = e.instancePath ? `${root}${e.instancePath.replace(/\//g, '.')}` : root;
    const params = e.params as Record<string, unknown>;
    let line: string;
    switch (e.keyword) {
      case 'required':
        line = `${where}: missing required property '${String(params.missingProperty)}'`;
        break;
      case 'additionalProperties':
        line = `${where}: unexpected property '${String(params.additionalProperty)}'`;
        break;
      case 'enum':
        line = `${where}: must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'const':
        line = `${where}: must be ${JSON.stringify(params.allowedValue)}`;
        break;
      default:
        line = `${where}: ${e.message ?? 'invalid'}`;
    }
    if (!lines.includes(line)) lines.push(line);
  }
  return lines.length > 0 ? lines.join('; ') : `${root}: invalid`;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
function isDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === mo - 1 && dt.getUTCDate() === d;
}

/** a fresh ajv for tool schemas (draft 2020-12, strict, all errors, a few common formats) */
export function createSchemaAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
  });
  ajv.addFormat('date', { type: 'string', validate: isDate });
  ajv.addFormat('time', /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/);
  ajv.addFormat('date-time', {
    type: 'string',
    validate: (s) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}/.test(s) && !Number.isNaN(Date.parse(s)),
  });
  ajv.addFormat('email', /^[^\s@]+@[^\s@]+\.[^\s@]+$/);
  ajv.addFormat('uri', {
    type: 'string',
    validate: (s) => {
      try {
        return new URL(s).protocol.length > 1;
      } catch {
        return false;
      }
    },
  });
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  return ajv;
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function resolveEnv(
  value: string,
  env: Record<string, string | undefined>,
  onMissing: (name: string) => void,
): string {
  return value.replace(ENV_REF, (_m, name: string) => {
    const v = env[name];
    if (v === undefined || v === '') {
      onMissing(name);
      return '';
    }
    return v;
  });
}

export interface CompileToolsOptions {
  /** where `${NAME}` in header values is looked up (default `process.env`) */
  env?: Record<string, string | undefined>;
}

/** validates and compiles tool configs; throws ToolConfigError listing every problem */
export function compileTools(configs: unknown, opts: CompileToolsOptions = {}): CompiledTool[] {
  const env = opts.env ?? process.env;
  if (!Array.isArray(configs)) throw new ToolConfigError(['tools: must be a list of tool configs']);
  const problems: string[] = [];
  const tools: CompiledTool[] = [];
  const seen = new Set<string>();
  const ajv = createSchemaAjv();

  configs.forEach((raw: unknown, i) => {
    const label =
      raw && typeof raw === 'object' && typeof (raw as { name?: unknown }).name === 'string'
        ? `tool "${(raw as { name: string }).name}"`
        : `tools[${i}]`;
    if (!validateConfigShape(raw)) {
      problems.push(`${label}: ${formatSchemaErrors(validateConfigShape.errors, 'config')}`);
      return;
    }
    const cfg = raw as ToolConfig;
    if (seen.has(cfg.name)) {
      problems.push(`${label}: defined twice`);
      return;
    }
    seen.add(cfg.name);

    if (cfg.kind === 'builtin') {
      const spec = BUILTIN_SPECS[cfg.name];
      tools.push({
        kind: 'builtin',
        name: cfg.name,
        description: cfg.description ?? spec.description,
        parameters: spec.parameters,
        validateArgs: ajv.compile(spec.parameters),
      });
      return;
    }

    let ok = true;
    const compile = (schema: JsonSchema, what: string): ValidateFunction | undefined => {
      try {
        return ajv.compile(schema);
      } catch (err) {
        ok = false;
        problems.push(`${label}: invalid ${what} schema: ${(err as Error).message}`);
        return undefined;
      }
    };
    if (cfg.parameters.type !== 'object') {
      ok = false;
      problems.push(`${label}: parameters schema must have type "object" at its root`);
    }
    const validateArgs = compile(cfg.parameters, 'parameters');
    const validateResult = cfg.result !== undefined ? compile(cfg.result, 'result') : undefined;

    const timeoutMs = cfg.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
    const webhookTimeoutMs = cfg.webhook.timeoutMs ?? timeoutMs;
    if (webhookTimeoutMs > timeoutMs) {
      ok = false;
      problems.push(
        `${label}: webhook.timeoutMs (${webhookTimeoutMs}) exceeds the tool's timeoutMs (${timeoutMs}); ` +
          `the caller would stop waiting before the request times out`,
      );
    }
    try {
      new URL(cfg.webhook.url);
    } catch {
      ok = false;
      problems.push(`${label}: webhook.url is not a valid URL: ${cfg.webhook.url}`);
    }
    const headers: Record<string, string> = {};
    for (const [header, value] of Object.entries(cfg.webhook.headers ?? {})) {
      if (/^(content-type|idempotency-key|content-length)$/i.test(header)) {
        ok = false;
        problems.push(`${label}: header "${header}" is set by the tool layer and cannot be configured`);
        continue;
      }
      headers[header] = resolveEnv(value, env, (name) => {
        ok = false;
        problems.push(`${label}: header "${header}" references \${${name}}, but environment variable ${name} is not set`);
      });
    }
    if (!ok || !validateArgs) return;
    tools.push({
      kind: 'webhook',
      name: cfg.name,
      description: cfg.description,
      parameters: cfg.parameters,
      ...(cfg.result !== undefined ? { result: cfg.result } : {}),
      url: cfg.webhook.url,
      method: 'POST',
      headers,
      webhookTimeoutMs,
      timeoutMs,
      ...(cfg.rateLimit ? { rateLimit: cfg.rateLimit } : {}),
      ...(cfg.breaker ? { breaker: cfg.breaker } : {}),
      validateArgs,
      ...(validateResult ? { validateResult } : {}),
    });
  });

  if (problems.length > 0) throw new ToolConfigError(problems);
  return tools;
}
