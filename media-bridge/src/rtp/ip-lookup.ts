/**
 * The `lookup` of the RTP and RTCP sockets. Node resolves the address of every `send` through `dns.lookup`,
 * which for an IP literal answers on the next tick: each packet pays a lookup and a deferred send, about half
 * of what a send costs in JavaScript. SDP gives IP literals, so those resolve at once, in the same call, and
 * the packet goes out inside `send`; anything else (a host name) still goes to `dns.lookup`.
 */
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';

type Callback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/** dgram's lookup signature; Node passes the socket's family as a number (4 or 6) */
export function ipLiteralLookup(hostname: string, options: LookupOneOptions | number, callback: Callback): void {
  const family = isIP(hostname);
  if (family !== 0) return callback(null, hostname, family);
  const opts: LookupOneOptions = typeof options === 'number' ? { family: options } : options;
  dnsLookup(hostname, opts, (err, address, fam) => callback(err, address, fam));
}
