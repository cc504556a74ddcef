export * from './schema.js';
export { loadConfig, validateConfig, parseConfigText, ConfigError, formatIssues } from './load.js';
export { applyEnvOverrides } from './env.js';
export * from './agent-core.js';
export * from './dashboard.js';
