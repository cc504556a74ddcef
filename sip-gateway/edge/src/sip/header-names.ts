/**
 * Canonical spelling of header names for what the edge writes. Header names are case-insensitive (RFC 3261
 * §7.3.1), but many peers compare them case-sensitively, so the edge writes the RFC spelling.
 */
const SPECIAL: Record<string, string> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  'rack': 'RAck',
  'rseq': 'RSeq',
  'sip-etag': 'SIP-ETag',
  'sip-if-match': 'SIP-If-Match',
  'p-asserted-identity': 'P-Asserted-Identity',
  'p-preferred-identity': 'P-Preferred-Identity',
};

export function canonicalHeaderName(name: string): string {
  const lower = name.toLowerCase();
  const special = SPECIAL[lower];
  if (special) return special;
  return lower.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}
