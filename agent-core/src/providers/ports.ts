/**
 * The three provider ports of agent-core. Every adapter (embedded CPU default, remote service, local GPU engine)
 * implements one of them; the router (providers/router/) wraps several adapters of one stage behind the same
 * port. All audio is PCM16 mono at 8 kHz (the phone leg's rate). Everything is cancellable with an AbortSignal:
 * once it fires, an adapter stops work, releases what it holds and emits nothing more.
 */

/** Hints that constrain recognition to what the agent expects (derived from its flow: phrases, keywords). */
export interface SttHints {
  /** whole phrases callers are likely to say ("book an appointment") */
  phrases: string[];
  /** single words worth recognising (digits, days, names of things) */
  words: string[];
}

export interface SttStartOptions {
  sessionId: string;
  hints: SttHints;
  /** BCP-47, default 'en-US' */
  language?: string;
}

/** What a recognition stream reports. `final` closes one utterance; partials of the next may follow. */
export type SttEvent =
  | { type: 'partial'; text: string }
  | { type: 'final'; text: string; confidence?: number }
  | { type: 'error'; error: Error };

/** One call's recognition stream. */
export interface SttStream {
  /** 8 kHz PCM16 from the caller, in order, any length (usually 20 ms) */
  push(pcm: Int16Array): void;
  /**
   * The media bridge says the caller's turn ended (speech_end): finish the utterance now and emit its `final`
   * (with empty text when nothing was recognised) instead of waiting for the engine's own endpointing.
   */
  flush(): void;
  onEvent(listener: (event: SttEvent) => void): void;
  close(): Promise<void>;
}

export interface SpeechToText {
  /** provider id as named in config, e.g. `pocketsphinx`, `remote-stt` */
  readonly id: string;
  /** opens a stream; rejects when the provider cannot start one (the router then tries the next) */
  start(opts: SttStartOptions, signal: AbortSignal): Promise<SttStream>;
}

/** JSON Schema (draft 2020-12 subset) as plain data. */
export type JsonSchema = Record<string, unknown>;

export interface ToolDefinition {
  name: string;
  description: string;
  /** JSON Schema of the arguments object */
  parameters: JsonSchema;
}

export interface ToolCall {
  /** unique within the session; becomes part of the idempotency key */
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

export type DialogueMessage =
  | { role: 'system'; content: string }
  /** what the caller said (redaction happens outside the model's view) and/or the DTMF keys pressed */
  | { role: 'user'; content: string; dtmf?: string }
  /** what the agent said, truncated to what the caller heard after a barge-in */
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[]; interrupted?: boolean }
  | { role: 'tool'; toolCallId: string; name: string; content: string; ok: boolean };

/**
 * Opaque per-call state a stateful dialogue engine (the flow engine) keeps between turns. The session owns it
 * (single writer) and hands it back on every request; an LLM adapter ignores it.
 */
export type DialogueState = Record<string, unknown>;

export interface DialogueRequest {
  sessionId: string;
  /** the agent's name from the number plan */
  agent: string;
  messages: DialogueMessage[];
  tools: ToolDefinition[];
  state: DialogueState;
}

/** What a dialogue model streams. Text arrives in pieces of any size; tool calls arrive whole. */
export type DialogueChunk =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; call: ToolCall }
  /** the engine's new state for this call (the flow engine sends it once per request, last) */
  | { type: 'state'; state: DialogueState };

export interface DialogueModel {
  readonly id: string;
  /** streams the agent's next move; throws (or the iterator throws) on failure; stops when `signal` aborts */
  generate(request: DialogueRequest, signal: AbortSignal): AsyncIterable<DialogueChunk>;
}

export interface TtsOptions {
  sessionId: string;
  /** voice name as the provider knows it; the provider's default when absent */
  voice?: string;
}

export interface TextToSpeech {
  readonly id: string;
  /** streams 8 kHz PCM16 for `text` as soon as the first piece exists; stops when `signal` aborts */
  synthesize(text: string, opts: TtsOptions, signal: AbortSignal): AsyncIterable<Int16Array>;
}

/** An error a provider raises when the failure is worth retrying on the same provider (429, 5xx, reset). */
export class RetryableProviderError extends Error {
  constructor(
    message: string,
    /** seconds the provider asked us to wait (Retry-After), when it said */
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = 'RetryableProviderError';
  }
}
