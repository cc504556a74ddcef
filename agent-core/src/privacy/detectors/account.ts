/**
 * Account, member, policy, customer, subscriber, patient and claim numbers, only after such a cue ("account
 * number", "member ID", "policy number is"): five or more digits or letters with at least three digits,
 * written ("AB-448201"), spoken ("four four eight two oh one") or spelled ("A B four four eight two oh one").
 */
import { numberAt, tokenize, type Token } from '../spoken-digits.js';
import type { PiiSpan } from '../types.js';

const CUE = /\b(?:account|acct|member(?:ship)?|policy|customer|subscriber|patient|claim|group)\s*(?:number|no\.?|num|#|id|i\.?\s?d\.?)?(?:\s*(?:is|was|it's|should\s+be|would\s+be|that's|:|uh|um|,))*\s*/gi;
const MAX_GAP = /^[\s,.\-#:]*$/;

/** a written token with digits in it ("448201", "AB448201") or a short letter prefix ("HX", a spelled "B") */
const alnum = (t: Token): boolean => /^[a-z]*\d[a-z0-9]*$/i.test(t.text) || /^[a-z]{1,3}$/i.test(t.text);

/** Reads the identifier at token i: letters, digits and spoken numbers until something else. */
function idAt(text: string, tokens: Token[], i: number): { to: number; value: string } | undefined {
  let j = i;
  let value = '';
  while (tokens[j]) {
    if (j > i && !MAX_GAP.test(text.slice(tokens[j - 1]!.end, tokens[j]!.start).replace(/\b(uh|um)\b/gi, ''))) break;
    const u = numberAt(tokens, j);
    if (u && !u.literal) {
      value += u.digits;
      j = u.to;
    } else if (alnum(tokens[j]!) && !(tokens[j]!.lower === 'a' && j === i && !alnum(tokens[j + 1] ?? tokens[j]!))) {
      value += tokens[j]!.text.toUpperCase();
      j++;
    } else if (/^(uh|um)$/i.test(tokens[j]!.text) && j > i) {
      j++;
    } else break;
  }
  while (j > i && /^(uh|um)$/i.test(tokens[j - 1]!.text)) j--;
  const digits = value.replace(/\D/g, '').length;
  return value.length >= 5 && digits >= 3 ? { to: j, value } : undefined;
}

/** Finds cued account-type numbers in the text. */
export function detectAccounts(text: string): PiiSpan[] {
  const tokens = tokenize(text);
  const out: PiiSpan[] = [];
  for (const m of text.matchAll(CUE)) {
    const at = m.index + m[0].length;
    const i = tokens.findIndex((t) => t.start >= at);
    if (i < 0 || tokens[i]!.start - at > 2) continue;
    const id = idAt(text, tokens, i);
    if (id) out.push({ type: 'ACCOUNT_NUMBER', start: tokens[i]!.start, end: tokens[id.to - 1]!.end, normalized: id.value });
  }
  return out;
}
