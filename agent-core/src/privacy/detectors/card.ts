/**
 * Payment card numbers: 13 to 19 digits, written or spoken in any grouping, that pass the Luhn check. A run
 * longer than a card (a number said straight after another) is searched for a Luhn-valid stretch of whole
 * numbers within it.
 */
import { digitRuns, subRuns } from '../spoken-digits.js';
import type { PiiSpan } from '../types.js';

/** The Luhn (mod 10) check every payment card number passes. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const isCard = (digits: string): boolean => digits.length >= 13 && digits.length <= 19 && luhnValid(digits) && !/^0+$/.test(digits);

/** Finds card numbers in the text. */
export function detectCards(text: string): PiiSpan[] {
  const out: PiiSpan[] = [];
  for (const run of digitRuns(text)) {
    if (run.digits.length < 13) continue;
    const hit = isCard(run.digits) ? run : run.digits.length > 19 ? subRuns(run, 13, 19).find((r) => isCard(r.digits)) : undefined;
    if (hit) out.push({ type: 'CARD_NUMBER', start: hit.start, end: hit.end, normalized: hit.digits });
  }
  return out;
}
