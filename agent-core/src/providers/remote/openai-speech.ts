/**
 * TextToSpeech over the OpenAI speech protocol: POST {baseUrl}/audio/speech {model, input, voice,
 * response_format}. The body is read as it arrives and every piece is decoded, resampled to 8 kHz and handed
 * on at once. Formats: 'pcm' (raw 16-bit LE mono; OpenAI sends 24 kHz, other servers may differ — see
 * `sourceSampleRate`) and 'wav' (16-bit PCM at whatever rate the header says). Servers that speak the same
 * protocol (OpenAI-compatible Kokoro/Piper/XTTS front ends) work as long as they offer one of the two.
 */
import type { TextToSpeech, TtsOptions } from '../ports.js';
import { RemoteRequest, hasHeader, joinUrl } from './http.js';
import { Pcm16Decoder, WavStreamDecoder } from './pcm-decode.js';
import { StreamingResampler, type ResamplerOptions } from './resample.js';

export interface OpenAiSpeechOptions {
  /** provider id as named in config */
  id: string;
  /** API root including the version, e.g. `https://…/v1`; `/audio/speech` is appended */
  baseUrl: string;
  model: string;
  /** sent as `Authorization: Bearer <apiKey>` when set */
  apiKey?: string;
  /** voice when the request names none; default 'alloy' */
  voice?: string;
  /** default 'pcm' */
  responseFormat?: 'pcm' | 'wav';
  /** rate of 'pcm' responses; default 24 000 (OpenAI's). Ignored for 'wav' (the header says). */
  sourceSampleRate?: number;
  /** sent as `speed` when set */
  speed?: number;
  /** sent as `instructions` when set (voice direction on models that take it) */
  instructions?: string;
  extraHeaders?: Record<string, string>;
  /** merged into the request body last */
  extraBody?: Record<string, unknown>;
  /** longest wait for the response headers and between two body pieces; default 20 000, 0 = none */
  idleTimeoutMs?: number;
  resampler?: ResamplerOptions;
}

const OUT_RATE = 8000;

export class OpenAiSpeechTts implements TextToSpeech {
  readonly id: string;
  private readonly url: string;

  constructor(private readonly opts: OpenAiSpeechOptions) {
    this.id = opts.id;
    this.url = joinUrl(opts.baseUrl, 'audio/speech');
    new URL(this.url); // fails early on a malformed baseUrl
    const rate = opts.sourceSampleRate ?? 24_000;
    if (!Number.isInteger(rate) || rate <= 0) throw new Error(`${opts.id}: bad sourceSampleRate ${rate}`);
  }

  /** The request body for `text` (exposed for tests and debugging). */
  buildBody(text: string, opts: TtsOptions): Record<string, unknown> {
    const body: Record<string, unknown> = {
      model: this.opts.model,
      input: text,
      voice: opts.voice ?? this.opts.voice ?? 'alloy',
      response_format: this.opts.responseFormat ?? 'pcm',
    };
    if (this.opts.speed !== undefined) body.speed = this.opts.speed;
    if (this.opts.instructions !== undefined) body.instructions = this.opts.instructions;
    return { ...body, ...this.opts.extraBody };
  }

  async *synthesize(text: string, opts: TtsOptions, signal: AbortSignal): AsyncGenerator<Int16Array> {
    const req = new RemoteRequest({ provider: this.id, signal, idleTimeoutMs: this.opts.idleTimeoutMs ?? 20_000 });
    try {
      req.throwIfAborted();
      if (text.trim() === '') return;
      const headers: Record<string, string> = { ...this.opts.extraHeaders };
      if (this.opts.apiKey && !hasHeader(headers, 'authorization')) headers.authorization = `Bearer ${this.opts.apiKey}`;
      const res = await req.postJson(this.url, headers, this.buildBody(text, opts));

      const format = this.opts.responseFormat ?? 'pcm';
      const wav = format === 'wav' ? new WavStreamDecoder() : undefined;
      const pcm = format === 'pcm' ? new Pcm16Decoder() : undefined;
      let resampler: StreamingResampler | undefined =
        format === 'pcm' ? new StreamingResampler(this.opts.sourceSampleRate ?? 24_000, OUT_RATE, this.opts.resampler) : undefined;
      let emitted = false;

      for await (const bytes of req.body(res, () => emitted)) {
        let samples: Int16Array;
        try {
          samples = wav ? wav.push(bytes) : (pcm as Pcm16Decoder).push(bytes);
        } catch (err) {
          throw new Error(`${this.id}: ${(err as Error).message}`);
        }
        if (!resampler && wav?.format) {
          resampler = new StreamingResampler(wav.format.sampleRate, OUT_RATE, this.opts.resampler);
        }
        if (samples.length === 0 || !resampler) continue;
        const out = resampler.push(samples);
        if (out.length > 0) {
          req.throwIfAborted();
          emitted = true;
          yield out;
        }
      }
      req.throwIfAborted();
      if (wav && !wav.format) {
        throw req.streamError(new Error('ended inside the WAV header'), emitted);
      }
      if (wav?.format?.dataBytes !== undefined && !wav.complete) {
        throw req.streamError(new Error('ended before the announced WAV data size'), emitted);
      }
      if (resampler) {
        const tail = resampler.flush();
        if (tail.length > 0) yield tail;
      }
    } finally {
      req.dispose();
    }
  }
}
