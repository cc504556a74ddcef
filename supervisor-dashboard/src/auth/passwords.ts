/**
 * Password hashing with scrypt (node:crypto; memory-hard). Stored form: `scrypt$N$r$p$salt$hash` (base64), so
 * the cost can rise later without breaking old hashes. Verification is constant-time.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** N = 2^15, r = 8, p = 1: 32 MiB and tens of ms per hash on one core (OWASP's scrypt minimum is N = 2^17 at r = 8 / p = 1 for 128 MiB; this is the same class at a quarter of the memory, chosen for small appliances) */
export const DEFAULT_SCRYPT = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LEN = 32;

function scrypt(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize('NFKC'), salt, KEY_LEN, { ...opts, maxmem: 256 * opts.N! * opts.r! }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string, cost: { N: number; r: number; p: number } = DEFAULT_SCRYPT): Promise<string> {
  if (password.length === 0) throw new Error('empty password');
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((x) => Number.isInteger(x) && x > 0) || N > 2 ** 20 || (N & (N - 1)) !== 0) return false;
  const salt = Buffer.from(parts[4]!, 'base64');
  const want = Buffer.from(parts[5]!, 'base64');
  if (want.length !== KEY_LEN) return false;
  const got = await scrypt(password, salt, { N, r, p });
  return timingSafeEqual(got, want);
}
