/** Command-line arguments of `callgate`. */
import { serviceNames, type ServiceName } from '@callgate/contracts';

export interface CliArgs {
  command: 'start' | 'check-config' | 'redact' | 'hash-password' | 'help';
  configPath: string | undefined;
  services: ServiceName[];
  /** the arguments after `redact` (its own options, see redact.ts) */
  redactArgs?: string[];
}

export const USAGE = `usage: callgate <command> [options] [services…]

commands:
  start          start services (default: the config's \`services\` list)
  check-config   validate the config file and exit (0 = valid)
  redact         redact PII from standard input to standard output, line by line (needs no config)
  hash-password  read a dashboard password from standard input, print its scrypt hash (dashboard.users[].passwordHash)
  help           show this text

options:
  --config FILE  config file (YAML or JSON); default $CALLGATE_CONFIG or ./callgate.yaml

redact options:
  --mode placeholder|hmac  write [TYPE] (default) or [TYPE:token], a keyed HMAC of the value
  --key-env VAR            the environment variable holding the HMAC key (needed by --mode hmac)
  --json                   print {text, found:[{type,start,end}]} per line

services: ${serviceNames.join(', ')}`;

export class UsageError extends Error {}

export function parseArgs(argv: string[]): CliArgs {
  const [command = 'help', ...rest] = argv;
  if (command !== 'start' && command !== 'check-config' && command !== 'redact' && command !== 'hash-password' && command !== 'help' && command !== '--help' && command !== '-h') {
    throw new UsageError(`unknown command '${command}'`);
  }
  if (command === 'redact') return { command, configPath: undefined, services: [], redactArgs: rest };
  if (command === 'hash-password') return { command, configPath: undefined, services: [] };
  let configPath: string | undefined;
  const services: ServiceName[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a === '--config' || a === '-c') {
      configPath = rest[++i];
      if (!configPath) throw new UsageError('--config needs a file name');
    } else if (a.startsWith('--config=')) configPath = a.slice('--config='.length);
    else if ((serviceNames as readonly string[]).includes(a)) services.push(a as ServiceName);
    else throw new UsageError(`unknown argument '${a}' (services are: ${serviceNames.join(', ')})`);
  }
  return { command: command.startsWith('-') ? 'help' : (command as CliArgs['command']), configPath, services };
}
