/** The one small interface every SIP transport of the edge implements (UDP and TCP today). */

export type TransportName = 'udp' | 'tcp';

export interface Remote {
  transport: TransportName;
  address: string;
  port: number;
}

export interface InboundPacket {
  data: Buffer;
  remote: Remote;
  local: { address: string; port: number };
}

export interface SipTransport {
  readonly name: TransportName;
  /** bind and start receiving; port 0 picks an ephemeral port; resolves with the bound address */
  listen(address: string, port: number): Promise<{ address: string; port: number }>;
  /** TCP: reuses an open connection to that address:port (inbound or outbound), else connects */
  send(remote: Remote, data: Buffer): Promise<void>;
  close(): Promise<void>;
  /** one call per datagram (UDP) or per framed message (TCP) */
  onMessage(handler: (packet: InboundPacket) => void): void;
  /** TCP framing error: the caller may answer 400; the transport then closes that connection */
  onStreamError(handler: (remote: Remote, error: string, partial?: Buffer) => void): void;
}

/** where transports report errors that are not tied to a message (socket errors, handler exceptions) */
export type TransportErrorHandler = (error: Error, remote?: Remote) => void;

/** `::ffff:192.0.2.1` → `192.0.2.1`, so one peer has one key whatever the socket family */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** connection-table key of a peer */
export function remoteKey(address: string, port: number): string {
  return `${normalizeAddress(address).toLowerCase()}|${String(port)}`;
}
