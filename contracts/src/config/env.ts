/**
 * Environment overrides: CALLGATE_<SECTION>__<FIELD>[__<FIELD>…]=value sets a field of the config, e.g.
 * CALLGATE_EDGE__CONTROL__SECRET=s3cret or CALLGATE_GATEWAY__ADMISSION__MAXCONCURRENTCALLS=50.
 * Names are matched case-insensitively against the fields already in the file or in the schema defaults;
 * values are parsed as JSON when they look like JSON (numbers, booleans, arrays), else kept as strings.
 */
const PREFIX = 'CALLGATE_';

const KNOWN_FIELDS: Record<string, string> = Object.fromEntries(
  [
    'version', 'services', 'edge', 'listen', 'advertisedAddress', 'timers', 't1', 't2', 't4', 'control', 'address',
    'port', 'secret', 'maxMessageBytes', 'tcpIdleTimeoutMs', 'overloadDelayMs', 'gateway', 'drachtio', 'host', 'trunks', 'numbers',
    'admission', 'maxConcurrentCalls', 'maxCallsPerSecond', 'retryAfterSeconds', 'codecs', 'transferTarget',
    'maxCallSeconds', 'media', 'rtpPortMin', 'rtpPortMax', 'metrics', 'enabled', 'log', 'level',
  ].map((f) => [f.toLowerCase(), f]),
);

function parseValue(value: string): unknown {
  const v = value.trim();
  if (/^(-?\d+(\.\d+)?|true|false|null|\[.*\]|\{.*\})$/s.test(v)) {
    try {
      return JSON.parse(v);
    } catch {
      return value;
    }
  }
  return value;
}

export function applyEnvOverrides(raw: unknown, env: NodeJS.ProcessEnv): unknown {
  const root: Record<string, unknown> = raw && typeof raw === 'object' ? structuredClone(raw as object) as Record<string, unknown> : {};
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith(PREFIX) || value === undefined || key === 'CALLGATE_CONFIG') continue;
    const path = key.slice(PREFIX.length).split('__').map((p) => p.toLowerCase());
    let node: Record<string, unknown> = root;
    for (let i = 0; i < path.length; i++) {
      const part = path[i] as string;
      const existing = Object.keys(node).find((k) => k.toLowerCase() === part);
      const field = existing ?? KNOWN_FIELDS[part] ?? part;
      if (i === path.length - 1) {
        node[field] = parseValue(value);
      } else {
        const next = node[field];
        if (!next || typeof next !== 'object') node[field] = {};
        node = node[field] as Record<string, unknown>;
      }
    }
  }
  return root;
}
