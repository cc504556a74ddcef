/**
 * US Social Security numbers: nine digits, either grouped 3-2-4 as written or paused ("one two three, four
 * five, six seven eight nine") or said after a cue ("social", "SSN"). Numbers the SSA never issues (area 000,
 * 666 or 900+, group 00, serial 0000) are left alone. "The last four of my social" followed by four digits is
 * an SSN fragment and is redacted too.
 */
import { digitRuns } from '../spoken-digits.js';
import type { PiiSpan } from '../types.js';
import { cuedBefore } from './cues.js';

const LAST_FOUR = /\blast\s+(?:four|4)\b.{0,30}\b(?:social|ssn|security)\b.{0,20}$/i;
const CUE = /\b(social|ssn|s\.?\s?s\.?\s?n\.?|security number|tax id|taxpayer)\b/i;

/** true when nine digits could be an issued SSN */
export function ssnShaped(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  const area = digits.slice(0, 3);
  return area !== '000' && area !== '666' && area[0] !== '9' && digits.slice(3, 5) !== '00' && digits.slice(5) !== '0000';
}

/** Finds SSNs in the text. */
export function detectSsns(text: string): PiiSpan[] {
  const out: PiiSpan[] = [];
  for (const run of digitRuns(text)) {
    if (run.digits.length === 4 && cuedBefore(text, run.start, LAST_FOUR)) {
      out.push({ type: 'SSN', start: run.start, end: run.end, normalized: run.digits });
      continue;
    }
    if (!ssnShaped(run.digits)) continue;
    const grouped = run.groups.join('-') === '3-2-4';
    if (grouped || cuedBefore(text, run.start, CUE)) out.push({ type: 'SSN', start: run.start, end: run.end, normalized: run.digits });
  }
  return out;
}
