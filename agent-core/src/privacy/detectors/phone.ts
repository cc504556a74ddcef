/**
 * North American phone numbers: ten digits with an area code that starts 2-9, optionally led by a country
 * code 1 ("+1", "plus one", "one eight hundred ..."), written or spoken in any grouping.
 */
import { digitRuns } from '../spoken-digits.js';
import type { PiiSpan } from '../types.js';

/** Finds phone numbers in the text. */
export function detectPhones(text: string): PiiSpan[] {
  const out: PiiSpan[] = [];
  for (const run of digitRuns(text)) {
    let digits = run.digits;
    if (digits.length === 11 && digits[0] === '1') digits = digits.slice(1);
    if (digits.length !== 10 || !/^[2-9]/.test(digits)) continue;
    const lead = /(?:\+|\bplus\s+)$/i.exec(text.slice(0, run.start));
    const start = lead ? lead.index : text[run.start - 1] === '(' ? run.start - 1 : run.start;
    out.push({ type: 'PHONE_NUMBER', start, end: run.end, normalized: digits });
  }
  return out;
}
