/** Remote provider adapters over real protocols (OpenAI chat completions and speech, Deepgram-style live STT). */
export { OpenAiChatModel, type OpenAiChatOptions } from './openai-chat.js';
export { OpenAiSpeechTts, type OpenAiSpeechOptions } from './openai-speech.js';
export { WebSocketStt, type WebSocketSttOptions } from './ws-stt.js';
export { StreamingResampler, resamplePcm16, type ResamplerOptions } from './resample.js';
