/**
 * Authorization / Proxy-Authorization credentials and WWW-Authenticate / Proxy-Authenticate challenges
 * (RFC 3261 §20.7, §20.27, §20.44, §22.4; RFC 2617 Digest):
 *   Digest realm="atlanta.example", nonce="...", qop="auth,auth-int", algorithm=MD5
 * Parameter names are lower-cased, values unquoted (escapes removed). Never throws.
 */
import { hasUnescapedControlChars, isToken, quoteString, readQuoted, splitOutside, trimLws } from './quoting.js';

export interface AuthHeader {
  /** auth scheme as written, e.g. 'Digest' (compare case-insensitively) */
  scheme: string;
  params: Map<string, string>;
}

export interface DigestChallenge {
  realm: string;
  nonce: string;
  domain?: string;
  opaque?: string;
  stale?: boolean;
  algorithm?: string;
  /** qop options offered, e.g. ['auth', 'auth-int'] */
  qop?: string[];
}

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm?: string;
  cnonce?: string;
  opaque?: string;
  qop?: string;
  nc?: string;
}

/** parse one challenge or credentials value; undefined on malformed input */
export function parseAuthHeader(input: string): AuthHeader | undefined {
  if (typeof input !== 'string' || hasUnescapedControlChars(input)) return undefined;
  const text = trimLws(input);
  const m = /^([A-Za-z0-9\-.!%*_+`'~]+)(?:[ \t]+|$)/.exec(text);
  if (m === null || m[1] === undefined) return undefined;
  const params = new Map<string, string>();
  const rest = text.slice(m[0].length);
  if (trimLws(rest) === '') return { scheme: m[1], params };
  const parts = splitOutside(rest, ',');
  if (parts === undefined) return undefined;
  for (const raw of parts) {
    const part = trimLws(raw);
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const name = trimLws(part.slice(0, eq)).toLowerCase();
    const rawValue = trimLws(part.slice(eq + 1));
    if (!isToken(name)) return undefined;
    let value: string;
    if (rawValue.startsWith('"')) {
      const q = readQuoted(rawValue, 0);
      if (q === undefined || q.end !== rawValue.length) return undefined;
      value = q.value;
    } else {
      if (!/^[^\s",]+$/.test(rawValue)) return undefined;
      value = rawValue;
    }
    if (!params.has(name)) params.set(name, value);
  }
  return { scheme: m[1], params };
}

const QUOTED_IN_CHALLENGE = new Set(['realm', 'domain', 'nonce', 'opaque', 'qop']);
const QUOTED_IN_CREDENTIALS = new Set(['username', 'realm', 'nonce', 'uri', 'response', 'cnonce', 'opaque']);

/** write a header back; `kind` decides which Digest parameters are quoted (qop differs between the two) */
export function formatAuthHeader(h: AuthHeader, kind: 'challenge' | 'credentials'): string {
  const quoted = kind === 'challenge' ? QUOTED_IN_CHALLENGE : QUOTED_IN_CREDENTIALS;
  const parts: string[] = [];
  for (const [name, value] of h.params) {
    const mustQuote = quoted.has(name) || !isToken(value);
    parts.push(`${name}=${mustQuote ? quoteString(value) : value}`);
  }
  return parts.length === 0 ? h.scheme : `${h.scheme} ${parts.join(', ')}`;
}

/** a Digest challenge from a WWW-Authenticate / Proxy-Authenticate value (realm and nonce required) */
export function parseDigestChallenge(input: string): DigestChallenge | undefined {
  const h = parseAuthHeader(input);
  if (h === undefined || h.scheme.toLowerCase() !== 'digest') return undefined;
  const realm = h.params.get('realm');
  const nonce = h.params.get('nonce');
  if (realm === undefined || nonce === undefined) return undefined;
  const out: DigestChallenge = { realm, nonce };
  const domain = h.params.get('domain');
  const opaque = h.params.get('opaque');
  const stale = h.params.get('stale');
  const algorithm = h.params.get('algorithm');
  const qop = h.params.get('qop');
  if (domain !== undefined) out.domain = domain;
  if (opaque !== undefined) out.opaque = opaque;
  if (stale !== undefined) out.stale = stale.toLowerCase() === 'true';
  if (algorithm !== undefined) out.algorithm = algorithm;
  if (qop !== undefined) out.qop = qop.split(',').map((q) => q.trim()).filter((q) => q !== '');
  return out;
}

/** Digest credentials from an Authorization / Proxy-Authorization value (username, realm, nonce, uri, response required) */
export function parseDigestCredentials(input: string): DigestCredentials | undefined {
  const h = parseAuthHeader(input);
  if (h === undefined || h.scheme.toLowerCase() !== 'digest') return undefined;
  const p = h.params;
  const username = p.get('username');
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  const uri = p.get('uri');
  const response = p.get('response');
  if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) {
    return undefined;
  }
  const out: DigestCredentials = { username, realm, nonce, uri, response };
  for (const key of ['algorithm', 'cnonce', 'opaque', 'qop', 'nc'] as const) {
    const v = p.get(key);
    if (v !== undefined) out[key] = v;
  }
  return out;
}
