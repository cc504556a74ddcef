/** `callgate` entry point: parse arguments, load and validate the config, start services, stop on signals. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, createLogger, loadConfig } from '@callgate/contracts';
import { redactLogText } from '@callgate/agent-core';
import { parseArgs, UsageError, USAGE } from './args.js';
import { redactCommand } from './redact.js';
import { hashPasswordCommand } from './hash-password.js';
import { startAppliance } from '../appliance/start.js';
import { needsSingleThreadedGc, rerunWithSingleThreadedGc } from './realtime-reexec.js';

const PACKAGED_DEFAULT = fileURLToPath(new URL('../../../callgate.yaml', import.meta.url));

function configFile(explicit: string | undefined): string {
  if (explicit) return resolve(explicit);
  if (process.env.CALLGATE_CONFIG) return resolve(process.env.CALLGATE_CONFIG);
  const local = resolve('callgate.yaml');
  return existsSync(local) ? local : PACKAGED_DEFAULT;
}

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`callgate: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (args.command === 'redact') return redactCommand(args.redactArgs ?? []);
  if (args.command === 'hash-password') return hashPasswordCommand();
  if (args.command === 'help') {
    console.log(USAGE);
    return 0;
  }
  const path = configFile(args.configPath);
  let config;
  try {
    config = loadConfig(path);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`callgate: ${err.message}`);
      return 1;
    }
    throw err;
  }
  if (args.command === 'check-config') {
    console.log(`callgate: ${path} is valid`);
    return 0;
  }
  // every line is redacted: sensitive fields by name, free text by the transcript redactor (contracts/src/log.ts)
  const redactText = (text: string): string => redactLogText(text);
  const logger = createLogger('callgate', { level: config.log.level, redactText });
  // lifecycle lines (ready, stopping, stopped) are printed at any log level: scripts wait for them
  const lifecycle = createLogger('callgate', { level: 'info', redactText });
  const services = args.services.length ? args.services : config.services;
  // the media thread on SCHED_FIFO needs every GC on the main thread: a node flag, so start again with it
  if (needsSingleThreadedGc(services, config.media.realtimePriority)) return rerunWithSingleThreadedGc();
  let appliance;
  try {
    appliance = await startAppliance(config, services, logger);
  } catch (err) {
    logger.error('callgate failed to start', { err: (err as Error).message });
    return 1;
  }
  lifecycle.info('callgate ready', { config: path, services, ...appliance.summary });
  await new Promise<void>((done) => {
    let stopping = false;
    const stop = (signal: string) => {
      // a second signal (a wrapper passing one on, and a process group's own) must not cut the stop short
      if (stopping) return;
      stopping = true;
      lifecycle.info('callgate stopping', { signal });
      appliance
        .stop()
        .catch((err: Error) => logger.error('error while stopping', { err: err.message }))
        .finally(done);
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
  lifecycle.info('callgate stopped');
  return 0;
}
