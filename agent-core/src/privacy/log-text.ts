/**
 * The text redactor for log lines: the same detectors as at ingestion (`redact`), behind a cheap pre-check.
 * Logging is on hot paths and most log text ("agent: tool", "session ended") holds nothing any detector could
 * find, so a string that has none of the things every detector needs is returned as it is:
 *   - a digit, or a number word (cards, SSNs, phones, accounts, house numbers, dates are all numbers; spoken
 *     ones are words: "four one one one", "double five", "nineteen eighty");
 *   - an '@', or "dot"/"underscore"/"dash", or "at" before a written domain (email addresses);
 *   - a name cue ("my name is", "this is", "I'm", "it's", "call me", "speaking", "here", "ask for", …);
 *   - a date-of-birth cue ("born", "birth", "birthday", "DOB").
 * The corpus test (log-text.test.ts) proves the pre-check lets every PII utterance of test/fixtures through,
 * and that every string it stops is one the redactor would have left unchanged.
 *
 * contracts' `createLogger({ redactText: redactLogText })` uses it; see contracts/src/log.ts for which fields it
 * runs over.
 */
import { redact, type RedactOptions } from './redact.js';

const NUMBER_WORDS = [
  'zero', 'oh', 'o', 'nought', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven',
  'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen', 'twenty', 'thirty',
  'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety', 'hundred', 'thousand', 'double', 'triple',
];
const EMAIL_WORDS = ['dot', 'underscore', 'dash'];
/** the name detector's cues (detectors/name.ts): strong, weak, and the words after a name ("Dana speaking") */
const NAME_CUES = [
  'name', "name's", 'names', 'call me', 'this is', "i'm", 'i am', "it's", 'speaking', 'here', 'calling for', 'call for',
  'behalf', 'ask for', 'patient is', 'son is', 'daughter is', 'wife is', 'husband is',
];
const DOB_WORDS = ['born', 'birth', 'birthday', "birthday's", 'birthdate', 'dob', 'd'];

const TRIGGER = new RegExp(
  String.raw`[0-9@]|\bat\s+[a-z0-9-]+\.[a-z]|(?<![\w'’])(?:${[...NUMBER_WORDS, ...EMAIL_WORDS, ...NAME_CUES, ...DOB_WORDS]
    .map((w) => w.replace(/'/g, "['’]").replace(/ /g, String.raw`\s+`))
    .join('|')})(?![\w'’])`,
  'i',
);

/** false when no detector could find anything in the text (the redactor would return it unchanged). */
export function mayContainPii(text: string): boolean {
  return TRIGGER.test(text);
}

/** `redact(text).text`, skipped for text that cannot hold PII (see the file comment). */
export function redactLogText(text: string, opts?: RedactOptions): string {
  return mayContainPii(text) ? redact(text, opts).text : text;
}
