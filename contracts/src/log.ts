/**
 * Structured JSON logs, one line per event, with correlation fields (session_id, call_id, turn_id…).
 * Never pass transcript text or other caller content in `fields`: logs leave the appliance.
 *
 * Redaction. Every line passes a redaction stage before it is written, in case content got in anyway:
 *  1. By key, as pino's `redact` does: the value of a field whose name is sensitive ({@link SENSITIVE_LOG_KEYS}:
 *     caller content such as `text`, `transcript`, `partial`; credentials such as `password`, `token`,
 *     `authorization`, `apiKey`) becomes "[REDACTED]", at any depth of nested objects and arrays. Names are
 *     compared in lower case with `_` and `-` ignored (`apiKey`, `api_key`, `API-KEY`); credential names also
 *     match as the end of a name (`webhookToken`, `db_password`, `client_secret`). Booleans and null stay:
 *     `raw_text: true` says whether something is on, not what it holds.
 *  2. Free text, when the logger has a `redactText` function (agent-core's text redactor, the one used at
 *     ingestion; contracts cannot depend on agent-core, so whoever creates the logger injects it): `msg` and
 *     every other string value, nested ones included, are redacted — except structural fields
 *     ({@link isStructuralLogKey}: time, level, service, component, ids, urls, paths, hosts, ports, durations…),
 *     which stay byte for byte. Inside free text, machine tokens (ISO timestamps, UUIDs, hex ids, IP addresses
 *     and host:port, numbers with a unit such as "250 ms") are set aside before the redactor runs and put back
 *     after it, so they never become placeholders.
 * A redactor that throws fails closed: that string becomes "[REDACTION_FAILED]". The fields given to `child`
 * are redacted once, when the child is made; each line only pays for its own `msg` and fields.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** where lines go; default process.stdout */
  write?: (line: string) => void;
  /**
   * free-text redactor for `msg` and non-structural string fields (agent-core's `redactLogText`); without it
   * only the key-based redaction runs
   */
  redactText?: (text: string) => string;
  /** field names whose values are always replaced by "[REDACTED]" (default SENSITIVE_LOG_KEYS) */
  redactKeys?: readonly string[];
}

/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';
/** What a string becomes when the free-text redactor threw on it. */
export const REDACTION_FAILED = '[REDACTION_FAILED]';

/**
 * Field names whose values are never logged: caller content (what was said or typed, prompts, tool arguments,
 * personal values) and credentials. The credential names (CREDENTIAL_LOG_KEYS) also match as a suffix.
 */
export const CONTENT_LOG_KEYS = [
  'text', 'transcript', 'utterance', 'partial', 'final', 'prompt', 'caller_text', 'agent_text', 'raw_text', 'heard',
  'said', 'content', 'arguments', 'email', 'phone', 'phone_number', 'card_number', 'ssn', 'dob', 'date_of_birth',
] as const;
export const CREDENTIAL_LOG_KEYS = [
  'password', 'passwd', 'secret', 'token', 'authorization', 'api_key', 'cookie', 'set_cookie', 'credentials',
  'private_key', 'hmac_key',
] as const;
export const SENSITIVE_LOG_KEYS: readonly string[] = [...CONTENT_LOG_KEYS, ...CREDENTIAL_LOG_KEYS];

const normKey = (key: string): string => key.toLowerCase().replace(/[_-]/g, '');
const CREDENTIAL_SUFFIXES = CREDENTIAL_LOG_KEYS.map(normKey);

/** Fields that hold no free text: never run through the text redactor (exact names, compared normalised). */
const STRUCTURAL_KEYS = new Set(
  [
    'time', 'level', 'service', 'component', 'id', 'ids', 'url', 'uri', 'path', 'file', 'dir', 'host', 'hostname',
    'address', 'addr', 'ip', 'port', 'ports', 'pid', 'method', 'status', 'code', 'event', 'event_type', 'type',
    'state', 'phase', 'stage', 'step', 'agent', 'tool', 'tools', 'queue', 'provider', 'model', 'codec',
    'direction', 'transport', 'version', 'signal', 'config', 'source', 'remote', 'local', 'services', 'db',
  ].map(normKey),
);
/** …and names ending like ids, urls, paths, ports, times and sizes: session_id, callId, base_url, rtp_ports, onset_ms, started_at */
const STRUCTURAL_SUFFIX = /(?:_id|Id|ID|_ids|Ids|_url|Url|URL|_uri|Uri|_path|Path|_dir|Dir|_ports?|Ports?|_ms|Ms|_s|_at|At|_bytes|Bytes)$/;

/** Whether a field holds structural data (ids, times, addresses) that the free-text redactor must not touch. */
export function isStructuralLogKey(key: string): boolean {
  return STRUCTURAL_KEYS.has(normKey(key)) || STRUCTURAL_SUFFIX.test(key);
}

/**
 * Machine tokens kept out of the free-text redactor: ISO timestamps, UUIDs, IPv4 (with a port), IPv6 (full, or
 * with "::"), host:port (a dotted host or localhost), port ranges ("ports 40000-40999"), hex ids that mix letters
 * and digits, numbers with a unit.
 * None may end or start next to another group of digits ("host:212 555 0198" stays whole for the redactor), so
 * setting them aside never splits a number that could be a phone or card number.
 */
const NO_DIGITS_AFTER = String.raw`(?![\s.,:/-]?\d)`;
const NO_DIGITS_BEFORE = String.raw`(?<!\d[\s.,:/-]?)`;
const MACHINE_TOKEN = new RegExp(
  [
    String.raw`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?`,
    String.raw`\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`,
    String.raw`${NO_DIGITS_BEFORE}\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b${NO_DIGITS_AFTER}`,
    String.raw`\[?\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b\]?(?::\d{1,5}\b)?${NO_DIGITS_AFTER}`,
    String.raw`\[?(?:\b[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*\b)?\]?(?::\d{1,5}\b)?${NO_DIGITS_AFTER}`,
    String.raw`\b(?:localhost|[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)+):\d{1,5}\b${NO_DIGITS_AFTER}`,
    String.raw`(?<=\bports?:?\s{0,3})\d{1,5}\s?[-–]\s?\d{1,5}\b${NO_DIGITS_AFTER}`,
    String.raw`\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{8,}\b`,
    String.raw`${NO_DIGITS_BEFORE}\b\d+(?:\.\d+)?\s?(?:ms|us|µs|ns|s|sec|secs|seconds|min|kb|kib|mb|mib|gb|gib|bytes|hz|khz|fps|dbfs|db)\b`,
    String.raw`${NO_DIGITS_BEFORE}\b\d+(?:\.\d+)?%`,
  ].join('|'),
  'gi',
);
/** private-use characters stand in for the set-aside tokens: no letters or digits a detector could read */
const MARK_BASE = 0xe000;
const MARK_LIMIT = 0x1900;
const MARKS = /[\ue000-\uf8ff]/g;
const HAS_MARK = /[\ue000-\uf8ff]/;
const HAS_DIGIT = /\d/;

/** Runs `redactText` over free text with its machine tokens set aside. */
function redactFree(text: string, redactText: (text: string) => string): string {
  if (text === '') return text;
  let out: string;
  try {
    // every machine token has a digit; text that already holds private-use characters is redacted as it is
    if (!HAS_DIGIT.test(text) || HAS_MARK.test(text)) return redactText(text);
    const kept: string[] = [];
    const masked = text.replace(MACHINE_TOKEN, (m) => (kept.length >= MARK_LIMIT ? m : String.fromCharCode(MARK_BASE + kept.push(m) - 1)));
    out = redactText(masked);
    if (kept.length > 0) out = out.replace(MARKS, (c) => kept[c.charCodeAt(0) - MARK_BASE] ?? c);
  } catch {
    return REDACTION_FAILED;
  }
  return out;
}

interface Redactor {
  sensitive: (key: string) => boolean;
  redactText?: (text: string) => string;
}

function makeRedactor(opts: LoggerOptions): Redactor {
  const exact = new Set((opts.redactKeys ?? SENSITIVE_LOG_KEYS).map(normKey));
  const suffixes = opts.redactKeys ? [] : CREDENTIAL_SUFFIXES;
  // field names repeat from line to line: decide each once
  const known = new Map<string, boolean>();
  return {
    sensitive: (key) => {
      let hit = known.get(key);
      if (hit === undefined) {
        const k = normKey(key);
        hit = exact.has(k) || suffixes.some((s) => k.endsWith(s));
        if (known.size < 2000) known.set(key, hit);
      }
      return hit;
    },
    ...(opts.redactText ? { redactText: opts.redactText } : {}),
  };
}

const structuralKeys = new Map<string, boolean>();
function structuralKey(key: string): boolean {
  let hit = structuralKeys.get(key);
  if (hit === undefined) {
    hit = isStructuralLogKey(key);
    if (structuralKeys.size < 2000) structuralKeys.set(key, hit);
  }
  return hit;
}

const MAX_DEPTH = 8;

/** A field value, redacted: `structural` when it sits under a structural key (free text left alone). */
function redactValue(value: unknown, r: Redactor, structural: boolean, depth: number, seen: Set<object>): unknown {
  if (typeof value === 'string') return structural || !r.redactText ? value : redactFree(value, r.redactText);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value) || depth >= MAX_DEPTH) return '[…]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => redactValue(v, r, structural, depth + 1, seen));
    // an Error logs as its message and stack (JSON.stringify would write {})
    const src: object = value instanceof Error ? { message: value.message, stack: value.stack } : value;
    if (typeof (src as { toJSON?: unknown }).toJSON === 'function') return src;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(src)) out[k] = redactField(k, v, r, structural, depth + 1, seen);
    return out;
  } finally {
    seen.delete(value);
  }
}

function redactField(key: string, value: unknown, r: Redactor, underStructural: boolean, depth: number, seen: Set<object>): unknown {
  if (value === undefined || value === null || typeof value === 'boolean') return value;
  if (r.sensitive(key)) return REDACTED;
  return redactValue(value, r, underStructural || structuralKey(key), depth, seen);
}

/** Redacts a record of fields (what `child` and a log call pass): by key, then free text. */
export function redactLogFields(fields: Record<string, unknown>, opts: Pick<LoggerOptions, 'redactText' | 'redactKeys'> = {}): Record<string, unknown> {
  return redactFieldsWith(fields, makeRedactor(opts));
}

function redactFieldsWith(fields: Record<string, unknown>, r: Redactor): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const seen = new Set<object>();
  for (const [k, v] of Object.entries(fields)) out[k] = redactField(k, v, r, false, 0, seen);
  return out;
}

export function createLogger(service: string, opts: LoggerOptions = {}, base: Record<string, unknown> = {}): Logger {
  return makeLogger(service, opts, makeRedactor(opts), redactFieldsWith(base, makeRedactor(opts)));
}

function makeLogger(service: string, opts: LoggerOptions, r: Redactor, base: Record<string, unknown>): Logger {
  const min = ORDER[opts.level ?? (process.env.CALLGATE_LOG_LEVEL as LogLevel | undefined) ?? 'info'] ?? ORDER.info;
  const write = opts.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    const text = r.redactText ? redactFree(msg, r.redactText) : msg;
    const rec: Record<string, unknown> = { time: new Date().toISOString(), level, service, msg: text, ...base, ...(fields ? redactFieldsWith(fields, r) : {}) };
    write(JSON.stringify(rec));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => makeLogger(service, opts, r, { ...base, ...redactFieldsWith(fields, r) }),
  };
}

/** a logger that drops everything (tests) */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
