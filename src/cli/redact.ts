/**
 * `callgate redact [--mode placeholder|hmac] [--key-env VAR] [--json]`: reads standard input line by line and
 * writes each line redacted (agent-core's `redact`) to standard output as soon as it is read; exits 0 at the end
 * of the input. Needs no config file. `--mode hmac` takes its key from the environment variable named by
 * `--key-env` (never from the command line, where `ps` would show it).
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { redact, type RedactOptions } from '@callgate/agent-core';
import { USAGE, UsageError } from './args.js';

export interface RedactCliOptions {
  mode: 'placeholder' | 'hmac';
  /** the environment variable holding the HMAC key */
  keyEnv: string | undefined;
  /** one JSON object per line: `{text, found:[{type,start,end}]}` */
  json: boolean;
}

export function parseRedactArgs(argv: string[]): RedactCliOptions {
  const o: RedactCliOptions = { mode: 'placeholder', keyEnv: undefined, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const eq = a.indexOf('=');
    const [name, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (!v) throw new UsageError(`${name} needs a value`);
      return v;
    };
    if (name === '--mode') {
      const m = value();
      if (m !== 'placeholder' && m !== 'hmac') throw new UsageError(`--mode must be placeholder or hmac, not '${m}'`);
      o.mode = m;
    } else if (name === '--key-env') o.keyEnv = value();
    else if (name === '--json' && inline === undefined) o.json = true;
    else throw new UsageError(`unknown redact option '${a}'`);
  }
  if (o.mode === 'hmac' && o.keyEnv === undefined) throw new UsageError('--mode hmac needs --key-env VAR (the environment variable holding the key)');
  if (o.mode !== 'hmac' && o.keyEnv !== undefined) throw new UsageError('--key-env applies to --mode hmac only');
  return o;
}

export interface RedactIo {
  input: Readable;
  output: Writable;
  /** where the error messages go */
  error: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

/** Redacts `input` to `output` line by line; resolves with the exit status. */
export async function runRedact(o: RedactCliOptions, io: RedactIo): Promise<number> {
  const opts: RedactOptions = { mode: o.mode };
  if (o.mode === 'hmac') {
    const key = io.env[o.keyEnv ?? ''];
    if (!key) {
      io.error(`callgate redact: --mode hmac: the environment variable ${o.keyEnv} (named by --key-env) is not set or empty; it must hold the HMAC key`);
      return 1;
    }
    opts.hmacKey = key;
  }
  const { input, output } = io;
  let outputError: Error | undefined;
  const lines = createInterface({ input, crlfDelay: Infinity });
  const onError = (err: Error): void => {
    outputError = err;
    lines.close();
  };
  output.on('error', onError);
  try {
    for await (const line of lines) {
      const r = redact(line, opts);
      const ok = output.write(`${o.json ? JSON.stringify({ text: r.text, found: r.found }) : r.text}\n`);
      if (!ok && !outputError) await new Promise<void>((resolve) => output.once('drain', resolve).once('close', resolve));
      if (outputError) break;
    }
    if (!outputError) await new Promise<void>((resolve) => output.write('', () => resolve()));
  } finally {
    output.off('error', onError);
  }
  // a reader that went away (`callgate redact | head`) is the end of the job, not a failure
  if (outputError && (outputError as NodeJS.ErrnoException).code !== 'EPIPE') {
    io.error(`callgate redact: cannot write the output: ${outputError.message}`);
    return 1;
  }
  return 0;
}

/** the `redact` command: parses its options and redacts standard input to standard output */
export async function redactCommand(argv: string[]): Promise<number> {
  let o: RedactCliOptions;
  try {
    o = parseRedactArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`callgate: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  return runRedact(o, { input: process.stdin, output: process.stdout, error: (line) => console.error(line), env: process.env });
}
