/**
 * Reads the config file, applies CALLGATE_* environment overrides and validates it. A bad file stops the
 * start with a ConfigError whose message names every wrong field and what was expected.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ZodError } from 'zod';
import { configSchema, type CallgateConfig } from './schema.js';
import { applyEnvOverrides } from './env.js';

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: string[] = [],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function formatIssues(err: ZodError): string[] {
  return err.issues.map((issue) => {
    const field = issue.path.length ? issue.path.join('.') : '(root)';
    let expected = issue.message;
    if (issue.code === 'invalid_type') expected = `expected ${issue.expected}, got ${issue.received}`;
    if (issue.code === 'unrecognized_keys') expected = `unknown field(s) ${issue.keys.join(', ')}`;
    return `${field}: ${expected}`;
  });
}

/** validate an already-parsed object */
export function validateConfig(raw: unknown, source = 'config'): CallgateConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issues = formatIssues(result.error);
    throw new ConfigError(`invalid ${source}:\n  ${issues.join('\n  ')}`, issues);
  }
  return result.data;
}

export function parseConfigText(text: string, source = 'config'): unknown {
  try {
    return source.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${source} is not valid ${source.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
}

export function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): CallgateConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  const raw = parseConfigText(text, path);
  return validateConfig(applyEnvOverrides(raw, env), path);
}
