/**
 * PII/PHI redaction of transcript text at ingestion, aware of how speech-to-text writes what callers say.
 */
export { redact, detectPii, hmacToken, DETECTORS, type RedactOptions, type RedactResult } from './redact.js';
export { PII_TYPES, type PiiType, type PiiSpan, type Detector } from './types.js';
export { tokenize, numberAt, digitRuns, type Token, type DigitRun, type NumberUnit } from './spoken-digits.js';
export { luhnValid } from './detectors/card.js';
export { scoreUtterance, expectedRanges, type CorpusUtterance, type CorpusRange } from './corpus-score.js';
export { mayContainPii, redactLogText } from './log-text.js';
export { maskPartial, redactPartial } from './partial.js';
