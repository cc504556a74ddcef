/**
 * Generic `;name=value` parameter lists, as found after a header value (header params, where values
 * may be quoted-strings) and inside a SIP URI (uri params, never quoted, possibly %-escaped).
 * Names are lower-cased (parameter names are case-insensitive); a flag parameter has the value null.
 * The first occurrence of a name wins. Never throws: malformed input yields undefined.
 */
import { hasUnescapedControlChars, quoteString, readQuoted, splitOutside, trimLws } from './quoting.js';

export type Params = Map<string, string | null>;

export type ParamMode = 'header' | 'uri';

const HEADER_NAME_RE = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const URI_NAME_RE = /^[A-Za-z0-9\-_.!~*'()[\]/:&+$%]+$/;
/** an unquoted value: anything visible except the characters that delimit SIP values */
const HEADER_VALUE_RE = /^[^\s"<>,;\\]+$/;
const URI_VALUE_RE = /^[^\s"<>,;?\\]*$/;
const BAD_ESCAPE_RE = /%(?![0-9A-Fa-f]{2})/;
/** values that can be written without quotes: token characters plus the host punctuation ':[]' */
const BARE_VALUE_RE = /^[A-Za-z0-9\-.!%*_+`'~:[\]]+$/;

/**
 * Parse a parameter list. `input` is what follows the part the parameters belong to: it is either empty
 * or starts (after optional white space) with ';'. Empty parameters (`;;`) are skipped.
 */
export function parseParams(input: string, mode: ParamMode = 'header'): Params | undefined {
  const params: Params = new Map();
  const text = trimLws(input);
  if (text === '') return params;
  if (text[0] !== ';' || hasUnescapedControlChars(text)) return undefined;
  const parts = mode === 'header' ? splitOutside(text.slice(1), ';') : text.slice(1).split(';');
  if (parts === undefined) return undefined;
  for (const raw of parts) {
    const part = trimLws(raw);
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = trimLws(eq < 0 ? part : part.slice(0, eq));
    const nameOk = mode === 'header' ? HEADER_NAME_RE.test(name) : URI_NAME_RE.test(name) && !BAD_ESCAPE_RE.test(name);
    if (!nameOk) return undefined;
    let value: string | null = null;
    if (eq >= 0) {
      const v = parseValue(trimLws(part.slice(eq + 1)), mode);
      if (v === undefined) return undefined;
      value = v;
    }
    const key = name.toLowerCase();
    if (!params.has(key)) params.set(key, value);
  }
  return params;
}

function parseValue(v: string, mode: ParamMode): string | undefined {
  if (mode === 'uri') return URI_VALUE_RE.test(v) && !BAD_ESCAPE_RE.test(v) ? v : undefined;
  if (v.startsWith('"')) {
    const q = readQuoted(v, 0);
    return q !== undefined && q.end === v.length ? q.value : undefined;
  }
  return HEADER_VALUE_RE.test(v) ? v : undefined;
}

/** true when a header parameter value must be written as a quoted-string */
export function needsQuoting(value: string): boolean {
  return !BARE_VALUE_RE.test(value);
}

/** `;a=b;flag;c="quoted value"` (empty string for no params); uri mode never quotes */
export function formatParams(params: Params, mode: ParamMode = 'header'): string {
  let out = '';
  for (const [name, value] of params) {
    out += ';' + name;
    if (value === null) continue;
    out += '=' + (mode === 'header' && needsQuoting(value) ? quoteString(value) : value);
  }
  return out;
}

/** value of a parameter (case-insensitive name); null for a flag, undefined when absent */
export function getParam(params: Params, name: string): string | null | undefined {
  return params.get(name.toLowerCase());
}
