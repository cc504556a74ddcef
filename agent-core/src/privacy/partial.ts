/**
 * Redaction of partial transcripts (the words recognised so far, shown live while the caller talks). A value
 * half said is not yet what a detector recognises: "two one two five five five" is six digits, not a phone
 * number, and "john dot smith at" has no domain yet, so `redact` leaves them. In a partial, after the usual
 * redaction, what could be the start of a value is masked too:
 *   - a run of four or more digits (written or spoken, as `digitRuns` reads them) becomes `[NUMBER]`;
 *   - an address being spelled — words joined by "dot", "underscore", "dash" or "@", with the "at" and the
 *     words around them — becomes `[EMAIL]`.
 * The final transcript is redacted with `redact` as usual and keeps its typed placeholders.
 */
import { redact, type RedactOptions } from './redact.js';
import { digitRuns, tokenize } from './spoken-digits.js';

const JOINERS = new Set(['dot', 'underscore', 'dash', 'period', 'at']);
/** a joiner that only an address has (not "at") */
const ADDRESS_JOINERS = new Set(['dot', 'underscore', 'dash', 'period']);
/** digits a partial may show in clear: a time ("ten thirty" is four) is masked too, until the final */
const MAX_CLEAR_DIGITS = 3;

function replaceSpans(text: string, spans: Array<{ start: number; end: number; label: string }>): string {
  let out = '';
  let at = 0;
  for (const s of spans.sort((a, b) => a.start - b.start)) {
    if (s.start < at) continue;
    out += `${text.slice(at, s.start)}[${s.label}]`;
    at = s.end;
  }
  return out + text.slice(at);
}

/** Masks the beginnings of values in already-redacted partial text. */
export function maskPartial(text: string): string {
  const spans: Array<{ start: number; end: number; label: string }> = [];
  const tokens = tokenize(text);
  // an address being spelled: a word, then (joiner word)+ with at least one joiner only addresses have; a
  // joiner at the very end ("john dot") belongs to it
  for (let i = 0; i < tokens.length; i++) {
    let j = i;
    let address = false;
    while (tokens[j + 1] && JOINERS.has(tokens[j + 1]!.lower)) {
      address ||= ADDRESS_JOINERS.has(tokens[j + 1]!.lower);
      j = tokens[j + 2] ? j + 2 : j + 1;
    }
    if (address) {
      spans.push({ start: tokens[i]!.start, end: tokens[j]!.end, label: 'EMAIL' });
      i = j;
    }
  }
  // a written one being typed or recognised: "john.smith@exa"
  for (const m of text.matchAll(/[\w.+-]+@[\w.-]*/g)) spans.push({ start: m.index, end: m.index + m[0].length, label: 'EMAIL' });
  for (const run of digitRuns(text, tokens)) {
    if (run.digits.length > MAX_CLEAR_DIGITS) spans.push({ start: run.start, end: run.end, label: 'NUMBER' });
  }
  return spans.length ? replaceSpans(text, spans) : text;
}

/** A partial transcript redacted: `redact`, then the beginnings of values masked. */
export function redactPartial(text: string, opts?: RedactOptions): string {
  return maskPartial(redact(text, opts).text);
}
