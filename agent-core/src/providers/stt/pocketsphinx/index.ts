/** Embedded offline speech-to-text on PocketSphinx; see README.md beside this file. */
export {
  PocketSphinxStt,
  PocketSphinxStream,
  PocketSphinxUnavailableError,
  pocketSphinxUnavailableReason,
  cleanTranscript,
  POCKETSPHINX_DEBIAN_PACKAGES,
  DEFAULT_MODEL_DIR,
  DEFAULT_PYTHON,
  type PocketSphinxSttOptions,
  type UtteranceStats,
} from './pocketsphinx-stt.js';
export {
  buildLanguageModel,
  normalizeText,
  numberToWords,
  parseArpa,
  arpaProbability,
  DEFAULT_BASE_WORDS,
  DIGIT_WORDS,
  FILLER_WORDS,
  type LanguageModel,
  type LanguageModelOptions,
  type ParsedArpa,
} from './language-model.js';
export { PronunciationDictionary } from './dictionary.js';
export { Upsampler2x, type UpsamplingFilter } from './upsample.js';
export {
  measureAccuracy,
  synthesize,
  wordEdits,
  containsKeyword,
  FRONT_DESK_CORPUS,
  FRONT_DESK_HINTS,
  DEFAULT_VOICES,
  type AccuracyOptions,
  type AccuracyReport,
  type CorpusUtterance,
  type UtteranceResult,
  type VoiceAccuracy,
  type VoiceId,
} from './accuracy.js';
