/**
 * Overlap resolution: detectors run independently and may claim the same characters (a cued 16-digit card
 * number is also an "account number"; "555 0100" inside a card). The winner of an overlap is the type with the
 * higher priority, then the longer span; the loser is dropped whole, so every character is redacted once.
 */
import type { PiiSpan, PiiType } from './types.js';

/** Higher wins: the specific, checksummed or strongly shaped types before the cued and fuzzy ones. */
export const PRIORITY: Record<PiiType, number> = {
  EMAIL: 8,
  CARD_NUMBER: 7,
  SSN: 6,
  DATE_OF_BIRTH: 5,
  ACCOUNT_NUMBER: 5,
  PHONE_NUMBER: 4,
  ADDRESS: 3,
  NAME: 2,
};

/** Keeps a set of non-overlapping spans, in text order. */
export function resolveOverlaps(spans: PiiSpan[]): PiiSpan[] {
  const ranked = [...spans].sort(
    (a, b) => PRIORITY[b.type] - PRIORITY[a.type] || b.end - b.start - (a.end - a.start) || a.start - b.start,
  );
  const kept: PiiSpan[] = [];
  for (const s of ranked) {
    if (s.end <= s.start) continue;
    if (kept.some((k) => s.start < k.end && k.start < s.end)) continue;
    kept.push(s);
  }
  return kept.sort((a, b) => a.start - b.start);
}
