/**
 * `callgate hash-password`: reads a password from standard input (its first line) and prints the scrypt hash to
 * put in `dashboard.users[].passwordHash`. The password never appears on the command line, where `ps` shows it.
 */
import type { Readable } from 'node:stream';
import { hashPassword } from '@callgate/supervisor-dashboard';

export async function hashPasswordCommand(input: Readable = process.stdin, write: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of input as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    if (Buffer.concat(chunks).includes(0x0a)) break;
  }
  const password = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (password.length < 8) {
    console.error('callgate hash-password: give a password of at least 8 characters on standard input');
    return 2;
  }
  write((await hashPassword(password)) + '\n');
  return 0;
}
