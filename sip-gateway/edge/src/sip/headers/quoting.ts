/**
 * Lexical helpers shared by the header parsers: RFC 3261 tokens, quoted-strings (with quoted-pair
 * escapes) and splitting a value on a separator that is not inside a quoted-string or <...>.
 * Nothing here throws; malformed input yields undefined.
 */

const TOKEN_RE = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

/** true when `s` is a non-empty RFC 3261 token */
export function isToken(s: string): boolean {
  return TOKEN_RE.test(s);
}

/** true when `s` holds a control character other than HTAB (CR, LF, NUL, DEL, ...) */
export function hasControlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

/**
 * Read the quoted-string that opens at `s[start]` (which must be `"`). Returns the unescaped
 * content and the index just past the closing quote, or undefined when it is unterminated.
 */
export function readQuoted(s: string, start: number): { value: string; end: number } | undefined {
  if (s[start] !== '"') return undefined;
  let out = '';
  for (let i = start + 1; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\') {
      const next = s[i + 1];
      if (next === undefined || next === '\r' || next === '\n') return undefined;
      out += next;
      i++;
    } else if (ch === '"') {
      return { value: out, end: i + 1 };
    } else if (ch === '\r' || ch === '\n') {
      return undefined;
    } else {
      out += ch;
    }
  }
  return undefined;
}

/** `"..."` with backslash and double quote escaped; CR/LF are replaced by a space */
export function quoteString(s: string): string {
  return '"' + s.replace(/[\r\n]+/g, ' ').replace(/[\\"]/g, (m) => '\\' + m) + '"';
}

/**
 * Split `s` at every `sep` that lies outside quoted-strings and outside <...>. Returns undefined when
 * a quoted-string or an angle bracket is left open. Parts are returned untrimmed.
 */
export function splitOutside(s: string, sep: string): string[] | undefined {
  const parts: string[] = [];
  let inQuote = false;
  let inAngle = false;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (inQuote) {
      if (ch === '\\') i++;
      else if (ch === '"') inQuote = false;
    } else if (inAngle) {
      if (ch === '>') inAngle = false;
    } else if (ch === '"') {
      inQuote = true;
    } else if (ch === '<') {
      inAngle = true;
    } else if (ch === sep) {
      parts.push(s.slice(from, i));
      from = i + 1;
    }
  }
  if (inQuote || inAngle) return undefined;
  parts.push(s.slice(from));
  return parts;
}

/** trim SP and HTAB only (the linear white space SIP allows) */
export function trimLws(s: string): string {
  return s.replace(/^[ \t]+|[ \t]+$/g, '');
}
