/**
 * Transcript redaction at ingestion: runs every detector, resolves overlaps and rewrites the text. Placeholder
 * mode writes the type (`[CARD_NUMBER]`); HMAC mode writes the type and a keyed token of the normalised value
 * (`[CARD_NUMBER:3f9a1c2b]`, the first 8 hex digits of HMAC-SHA256), so analytics can join calls on the same
 * card or phone without ever seeing it: "four one one one ..." and "4111 1111 ..." give the same token.
 */
import { createHmac } from 'node:crypto';
import { detectAccounts } from './detectors/account.js';
import { detectAddresses } from './detectors/address.js';
import { detectCards } from './detectors/card.js';
import { detectDatesOfBirth } from './detectors/dob.js';
import { detectEmails } from './detectors/email.js';
import { detectNames } from './detectors/name.js';
import { detectPhones } from './detectors/phone.js';
import { detectSsns } from './detectors/ssn.js';
import { resolveOverlaps } from './resolve.js';
import type { Detector, PiiSpan, PiiType } from './types.js';

/** How redacted spans are written. */
export interface RedactOptions {
  /** 'placeholder' (default): `[TYPE]`; 'hmac': `[TYPE:xxxxxxxx]`, which needs hmacKey */
  mode?: 'placeholder' | 'hmac';
  hmacKey?: Buffer | string;
}

/** A redacted text and where, in the original text, each redacted span was. */
export interface RedactResult {
  text: string;
  found: Array<{ type: PiiType; start: number; end: number }>;
}

/** Every detector, in no particular order (the resolver decides). */
export const DETECTORS: readonly Detector[] = [
  detectCards, detectSsns, detectPhones, detectEmails, detectDatesOfBirth, detectAddresses, detectNames, detectAccounts,
];

/** All PII spans in the text, non-overlapping, in text order. */
export function detectPii(text: string): PiiSpan[] {
  return resolveOverlaps(DETECTORS.flatMap((d) => d(text)));
}

/** The keyed token for a normalised value: the first 8 hex digits of HMAC-SHA256(key, value). */
export function hmacToken(normalized: string, key: Buffer | string): string {
  return createHmac('sha256', key).update(normalized).digest('hex').slice(0, 8);
}

/** Redacts PII from a transcript. Throws when mode is 'hmac' and no key is given. */
export function redact(text: string, opts: RedactOptions = {}): RedactResult {
  const mode = opts.mode ?? 'placeholder';
  const key = opts.hmacKey;
  if (mode === 'hmac' && (key === undefined || key.length === 0)) {
    throw new Error("redact: mode 'hmac' needs a non-empty hmacKey (Buffer or string)");
  }
  const spans = detectPii(text);
  let out = '';
  let at = 0;
  for (const s of spans) {
    const label = mode === 'hmac' ? `${s.type}:${hmacToken(s.normalized, key!)}` : s.type;
    out += `${text.slice(at, s.start)}[${label}]`;
    at = s.end;
  }
  out += text.slice(at);
  return { text: out, found: spans.map(({ type, start, end }) => ({ type, start, end })) };
}
