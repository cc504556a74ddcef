/**
 * Environment overrides: CALLGATE_<SECTION>__<FIELD>[__<FIELD>…]=value sets a field of the config, e.g.
 * CALLGATE_EDGE__CONTROL__SECRET=s3cret or CALLGATE_GATEWAY__ADMISSION__MAXCONCURRENTCALLS=50.
 * Names are matched case-insensitively against the fields already in the file, then against every field the
 * schema knows;
 * values are parsed as JSON when they look like JSON (numbers, booleans, arrays), else kept as strings.
 */
import { z } from 'zod';
import { configSchema } from './schema.js';

const PREFIX = 'CALLGATE_';

/** every field name the schema knows, by its lower-case form (env names are upper case) */
let knownFields: Map<string, string> | undefined;

function fieldNames(): Map<string, string> {
  if (!knownFields) {
    knownFields = new Map();
    const seen = new Set<z.ZodTypeAny>();
    const walk = (t: z.ZodTypeAny): void => {
      if (seen.has(t)) return;
      seen.add(t);
      const def = t._def as { innerType?: z.ZodTypeAny; schema?: z.ZodTypeAny; type?: z.ZodTypeAny; valueType?: z.ZodTypeAny; options?: z.ZodTypeAny[] | Map<unknown, z.ZodTypeAny> };
      if (t instanceof z.ZodObject) {
        for (const [k, v] of Object.entries(t.shape as Record<string, z.ZodTypeAny>)) {
          knownFields!.set(k.toLowerCase(), k);
          walk(v);
        }
      }
      for (const inner of [def.innerType, def.schema, def.type, def.valueType]) if (inner instanceof z.ZodType) walk(inner);
      const options = def.options instanceof Map ? [...def.options.values()] : def.options;
      if (Array.isArray(options)) options.forEach(walk);
    };
    walk(configSchema);
  }
  return knownFields;
}

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
      const field = existing ?? fieldNames().get(part) ?? part;
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
