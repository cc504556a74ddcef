/** Provider routing per pipeline stage: fallback, retries, circuit breakers, provider health. */
export * from './circuit-breaker.js';
export * from './errors.js';
export * from './events.js';
export * from './health.js';
export * from './retry.js';
export { DialogueRouter, DIALOGUE_FIRST_OUTPUT_TIMEOUT_MS, isDialogueOutput, type DialogueRouterOptions } from './dialogue-router.js';
export { TtsRouter, TTS_FIRST_OUTPUT_TIMEOUT_MS, type TtsRouterOptions } from './tts-router.js';
export { SttRouter, STT_START_TIMEOUT_MS, STT_FINAL_TIMEOUT_MS, STT_REPLAY_MS, type SttRouterOptions } from './stt-router.js';
export type { RouterCommonOptions } from './pool.js';
