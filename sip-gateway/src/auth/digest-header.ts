/**
 * Authorization / WWW-Authenticate values for SIP digest (RFC 3261 §22.4, RFC 2617 §3.2), on top of the SIP
 * header syntax shared with the edge (`edge/src/sip/headers/auth.ts`). Parsing never throws.
 */
import { formatAuthHeader, parseAuthHeader, parseDigestCredentials, type DigestCredentials } from '../../edge/src/sip/headers/auth.js';

export type { DigestCredentials };

/** `name=value` / `name="quoted"` pairs separated by commas; null on a syntax error */
export function parseAuthParams(text: string): Map<string, string> | null {
  return parseAuthHeader(`Digest ${text}`)?.params ?? null;
}

/**
 * Digest credentials from an Authorization header value. When several Authorization headers were folded
 * into one value (`Digest …, Digest …`), every credential is returned.
 */
export function parseAuthorization(value: string | undefined): DigestCredentials[] {
  if (!value) return [];
  const out: DigestCredentials[] = [];
  for (const chunk of value.split(/,\s*(?=Digest\s)/i)) {
    const c = parseDigestCredentials(chunk);
    if (c) out.push(c);
  }
  return out;
}

/** the WWW-Authenticate value of a 401 challenge (qop=auth, MD5; stale=TRUE when the nonce expired) */
export function formatChallenge(opts: { realm: string; nonce: string; stale?: boolean }): string {
  const params = new Map([
    ['realm', opts.realm],
    ['nonce', opts.nonce],
    ['qop', 'auth'],
    ['algorithm', 'MD5'],
  ]);
  if (opts.stale) params.set('stale', 'TRUE');
  return formatAuthHeader({ scheme: 'Digest', params }, 'challenge');
}
