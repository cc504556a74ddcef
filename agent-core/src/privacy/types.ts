/**
 * The shared vocabulary of the privacy module: the PII/PHI types we redact and the span a detector reports.
 */

/** Every kind of personal data the redactor knows; each names its placeholder (`[CARD_NUMBER]`). */
export const PII_TYPES = [
  'CARD_NUMBER',
  'SSN',
  'PHONE_NUMBER',
  'EMAIL',
  'DATE_OF_BIRTH',
  'ADDRESS',
  'NAME',
  'ACCOUNT_NUMBER',
] as const;

export type PiiType = (typeof PII_TYPES)[number];

/** One detection: a half-open character range of the original text and the value in normal form. */
export interface PiiSpan {
  type: PiiType;
  start: number;
  end: number;
  /** canonical value (digits only, lower-case email, ...) that HMAC tokens are computed over */
  normalized: string;
}

/** A detector reads the whole transcript text and returns the spans it believes are its type. */
export type Detector = (text: string) => PiiSpan[];
