/**
 * IPv4/IPv6 address and CIDR matching for trunk `allow` lists. Addresses are compared as 128-bit numbers;
 * IPv4 is mapped into ::ffff:0:0/96 so that an IPv4-mapped IPv6 source (how dual-stack sockets report IPv4
 * peers) matches an IPv4 rule and the other way round.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  /** network address as a 128-bit number (IPv4 mapped into ::ffff:0:0/96) */
  network: bigint;
  /** prefix length in the 128-bit space */
  prefix: number;
}

const V4_MAPPED = 0xffffn << 32n;
const ALL = (1n << 128n) - 1n;

function v4ToBigInt(addr: string): bigint {
  let n = 0n;
  for (const part of addr.split('.')) n = (n << 8n) | BigInt(Number(part));
  return n;
}

function v6ToBigInt(addr: string): bigint | null {
  let text = addr;
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  let tail: bigint | null = null;
  // a dotted-quad tail (::ffff:1.2.3.4) stands for the last two groups
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    if (!isIPv4(last)) return null;
    tail = v4ToBigInt(last);
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail !== null) n = (n & ~0xffffffffn) | tail;
  return n;
}

/** an address as a 128-bit number, or null when it is not an IPv4/IPv6 literal (brackets are allowed) */
export function parseAddress(address: string): bigint | null {
  const a = address.trim().replace(/^\[(.*)\]$/, '$1');
  if (isIPv4(a)) return V4_MAPPED | v4ToBigInt(a);
  if (isIPv6(a)) return v6ToBigInt(a);
  return null;
}

/** parses `10.0.0.0/8`, `2001:db8::/32` or a bare address (a host route); null when invalid */
export function parseCidr(text: string): Cidr | null {
  const [addr = '', len, extra] = text.trim().split('/');
  if (extra !== undefined) return null;
  const n = parseAddress(addr);
  if (n === null) return null;
  const v4 = isIPv4(addr.trim());
  const max = v4 ? 32 : 128;
  let bits = max;
  if (len !== undefined) {
    if (!/^\d{1,3}$/.test(len)) return null;
    bits = Number(len);
    if (bits > max) return null;
  }
  const prefix = v4 ? 96 + bits : bits;
  return { network: n & maskOf(prefix), prefix };
}

function maskOf(prefix: number): bigint {
  return prefix === 0 ? 0n : (ALL << BigInt(128 - prefix)) & ALL;
}

export function cidrContains(cidr: Cidr, address: string): boolean {
  const n = parseAddress(address);
  if (n === null) return false;
  return (n & maskOf(cidr.prefix)) === cidr.network;
}

/** a compiled allow list; invalid entries are reported at construction, never silently widened */
export class CidrList {
  private readonly entries: Cidr[];

  constructor(list: readonly string[]) {
    this.entries = list.map((text) => {
      const c = parseCidr(text);
      if (!c) throw new Error(`invalid address or CIDR in allow list: '${text}'`);
      return c;
    });
  }

  get size(): number {
    return this.entries.length;
  }

  contains(address: string): boolean {
    return this.entries.some((c) => cidrContains(c, address));
  }
}
