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
 * true when `s` holds a control character (other than HTAB) that is not a quoted-pair inside a quoted-string:
 * RFC 3261 lets `\` escape any character but CR and LF there, so `"BEL:\<0x07>"` is a valid display name.
 */
export function hasUnescapedControlChars(s: string): boolean {
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (quoted && c === 0x5c /* \ */) {
      const next = s.charCodeAt(i + 1);
      if (next === 0x0d || next === 0x0a || Number.isNaN(next)) return true;
      i++;
      continue;
    }
    if (c === 0x22 /* " */) quoted = !quoted;
    else if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
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

/** `"..."` with backslash, double quote and other control characters escaped; CR/LF become a space */
export function quoteString(s: string): string {
  // eslint-disable-next-line no-control-regex
  return '"' + s.replace(/[\r\n]+/g, ' ').replace(/[\\"\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, (m) => '\\' + m) + '"';
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
