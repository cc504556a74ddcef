/**
 * Authorization / WWW-Authenticate header syntax for HTTP Digest as SIP uses it (RFC 3261 §25.1 and §22.4,
 * RFC 2617 §3.2). Parsing never throws: a malformed header yields null.
 */

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

/** parses `name=value` / `name="quoted"` pairs separated by commas; null on a syntax error */
export function parseAuthParams(text: string): Map<string, string> | null {
  const params = new Map<string, string>();
  let i = 0;
  const n = text.length;
  const skipWs = () => {
    while (i < n && /\s/.test(text[i] as string)) i++;
  };
  while (i < n) {
    skipWs();
    if (i >= n) break;
    const nameMatch = /^[A-Za-z0-9_.!%*+`'~-]+/.exec(text.slice(i));
    if (!nameMatch) return null;
    const name = nameMatch[0].toLowerCase();
    i += nameMatch[0].length;
    skipWs();
    if (text[i] !== '=') return null;
    i++;
    skipWs();
    let value = '';
    if (text[i] === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const c = text[i] as string;
        if (c === '\\' && i + 1 < n) {
          value += text[i + 1];
          i += 2;
          continue;
        }
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        value += c;
        i++;
      }
      if (!closed) return null;
    } else {
      const tok = /^[^\s,"]+/.exec(text.slice(i));
      if (!tok) return null;
      value = tok[0];
      i += tok[0].length;
    }
    params.set(name, value);
    skipWs();
    if (i < n) {
      if (text[i] !== ',') return null;
      i++;
    }
  }
  return params;
}

/**
 * Digest credentials from an Authorization header value. When several Authorization headers were folded
 * into one value (`Digest …, Digest …`), every credential is returned.
 */
export function parseAuthorization(value: string | undefined): DigestCredentials[] {
  if (!value) return [];
  const out: DigestCredentials[] = [];
  for (const chunk of value.split(/,\s*(?=Digest\s)/i)) {
    const m = /^\s*Digest\s+([\s\S]*)$/i.exec(chunk);
    if (!m) continue;
    const p = parseAuthParams(m[1] as string);
    if (!p) continue;
    const username = p.get('username');
    const realm = p.get('realm');
    const nonce = p.get('nonce');
    const uri = p.get('uri');
    const response = p.get('response');
    if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) {
      continue;
    }
    out.push({
      username,
      realm,
      nonce,
      uri,
      response,
      algorithm: p.get('algorithm'),
      cnonce: p.get('cnonce'),
      opaque: p.get('opaque'),
      qop: p.get('qop'),
      nc: p.get('nc'),
    });
  }
  return out;
}

function quote(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

/** the WWW-Authenticate value of a 401 challenge (qop=auth, MD5; stale=TRUE when the nonce expired) */
export function formatChallenge(opts: { realm: string; nonce: string; stale?: boolean }): string {
  const parts = [`realm=${quote(opts.realm)}`, `nonce=${quote(opts.nonce)}`, 'qop="auth"', 'algorithm=MD5'];
  if (opts.stale) parts.push('stale=TRUE');
  return 'Digest ' + parts.join(', ');
}
