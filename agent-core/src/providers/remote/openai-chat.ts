/**
 * DialogueModel over the OpenAI chat-completions protocol with streaming (SSE). The same protocol is spoken by
 * vLLM, llama.cpp's server, Ollama's /v1 and most hosted LLM gateways, so the adapter is lenient about what
 * those differ in: tool calls without `id` (one is generated), without `index` (matched by id or appended),
 * any non-empty `finish_reason`, `[DONE]` missing after a finish_reason, and `{error}` objects mid-stream.
 */
import { randomUUID } from 'node:crypto';
import type {
  DialogueChunk,
  DialogueMessage,
  DialogueModel,
  DialogueRequest,
  ToolCall,
  ToolDefinition,
} from '../ports.js';
import { RemoteRequest, hasHeader, joinUrl, truncate } from './http.js';
import { SseParser } from './sse.js';

export interface OpenAiChatOptions {
  /** provider id as named in config */
  id: string;
  /** API root including the version, e.g. `http://127.0.0.1:8000/v1`; `/chat/completions` is appended */
  baseUrl: string;
  model: string;
  /** sent as `Authorization: Bearer <apiKey>` when set */
  apiKey?: string;
  temperature?: number;
  /** sent as `max_tokens` (understood by OpenAI, vLLM and llama.cpp) */
  maxTokens?: number;
  extraHeaders?: Record<string, string>;
  /** prepended as the first system message */
  systemPrompt?: string;
  /** merged into the request body last (e.g. `{ top_p: 0.9 }` or server-specific switches) */
  extraBody?: Record<string, unknown>;
  /** longest wait for the response headers and between two pieces of the stream; default 30 000, 0 = none */
  idleTimeoutMs?: number;
  /** appended to the content of assistant messages the caller cut off; default ' [interrupted by the caller]' */
  interruptedMarker?: string;
}

/** One message in the chat-completions wire format. */
export type ChatWireMessage =
  | { role: 'system' | 'user'; content: string }
  | {
      role: 'assistant';
      content: string | null;
      tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
    }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface ChatWireTool {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

const DEFAULT_INTERRUPTED_MARKER = ' [interrupted by the caller]';

/** `123#` → `[keypad: 1 2 3 #]` */
export function dtmfText(dtmf: string): string {
  return `[keypad: ${[...dtmf.replace(/\s+/g, '')].join(' ')}]`;
}

/** Maps the port's messages onto chat-completions messages. */
export function toWireMessages(
  messages: DialogueMessage[],
  systemPrompt?: string,
  interruptedMarker = DEFAULT_INTERRUPTED_MARKER,
): ChatWireMessage[] {
  const out: ChatWireMessage[] = [];
  if (systemPrompt) out.push({ role: 'system', content: systemPrompt });
  for (const m of messages) {
    switch (m.role) {
      case 'system':
        out.push({ role: 'system', content: m.content });
        break;
      case 'user': {
        const parts = [m.content.trim()];
        if (m.dtmf) parts.push(dtmfText(m.dtmf));
        out.push({ role: 'user', content: parts.filter((p) => p !== '').join(' ') });
        break;
      }
      case 'assistant': {
        let content = m.content;
        if (m.interrupted) content = `${content.trimEnd()}${interruptedMarker}`.trim();
        const calls = m.toolCalls ?? [];
        if (calls.length > 0) {
          out.push({
            role: 'assistant',
            content: content === '' ? null : content,
            tool_calls: calls.map((c) => ({
              id: c.id,
              type: 'function',
              function: { name: c.name, arguments: JSON.stringify(c.arguments) },
            })),
          });
        } else {
          out.push({ role: 'assistant', content });
        }
        break;
      }
      case 'tool':
        out.push({
          role: 'tool',
          tool_call_id: m.toolCallId,
          content: m.ok ? m.content : `ERROR: ${m.content}`,
        });
        break;
    }
  }
  return out;
}

export function toWireTools(tools: ToolDefinition[]): ChatWireTool[] {
  return tools.map((t) => ({
    type: 'function',
    function: { name: t.name, description: t.description, parameters: t.parameters },
  }));
}

interface PartialToolCall {
  id?: string;
  name: string;
  args: string;
}

/** Accumulates streamed tool-call fragments by index (or by id when a server leaves index out). */
export class ToolCallAccumulator {
  private readonly slots = new Map<number, PartialToolCall>();
  private lastIndex = -1;

  get size(): number {
    return this.slots.size;
  }

  add(fragment: unknown): void {
    if (!fragment || typeof fragment !== 'object') return;
    const f = fragment as {
      index?: unknown;
      id?: unknown;
      function?: { name?: unknown; arguments?: unknown };
    };
    const id = typeof f.id === 'string' && f.id !== '' ? f.id : undefined;
    let index: number;
    if (typeof f.index === 'number') index = f.index;
    else if (id !== undefined) {
      const found = [...this.slots.entries()].find(([, s]) => s.id === id);
      index = found ? found[0] : this.nextIndex();
    } else index = this.lastIndex >= 0 ? this.lastIndex : 0;
    this.lastIndex = index;
    let slot = this.slots.get(index);
    if (!slot) {
      slot = { name: '', args: '' };
      this.slots.set(index, slot);
    }
    if (id !== undefined && slot.id === undefined) slot.id = id;
    const name = f.function?.name;
    if (typeof name === 'string' && name !== '' && name !== slot.name) slot.name += name;
    const args = f.function?.arguments;
    if (typeof args === 'string') slot.args += args;
    else if (args && typeof args === 'object') slot.args += JSON.stringify(args);
  }

  /** Legacy `delta.function_call` (one call per reply). */
  addLegacy(fc: unknown): void {
    if (!fc || typeof fc !== 'object') return;
    this.add({ index: 0, function: fc });
  }

  private nextIndex(): number {
    let i = 0;
    while (this.slots.has(i)) i++;
    return i;
  }

  /** The complete calls in index order; throws when a call's arguments are not a JSON object. */
  finish(): ToolCall[] {
    const out: ToolCall[] = [];
    for (const [, slot] of [...this.slots.entries()].sort((a, b) => a[0] - b[0])) {
      const name = slot.name || 'unknown';
      if (!slot.name) throw new Error(`tool call without a function name (arguments: ${truncate(slot.args, 100)})`);
      const raw = slot.args.trim();
      let parsed: unknown;
      try {
        parsed = raw === '' ? {} : JSON.parse(raw);
      } catch (err) {
        throw new Error(
          `tool call "${name}": arguments are not valid JSON (${(err as Error).message}): ${truncate(raw, 200)}`,
        );
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new Error(`tool call "${name}": arguments are not a JSON object: ${truncate(raw, 200)}`);
      }
      out.push({
        id: slot.id ?? `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
        name,
        arguments: parsed as Record<string, unknown>,
      });
    }
    this.slots.clear();
    return out;
  }
}

export class OpenAiChatModel implements DialogueModel {
  readonly id: string;
  private readonly url: string;

  constructor(private readonly opts: OpenAiChatOptions) {
    this.id = opts.id;
    this.url = joinUrl(opts.baseUrl, 'chat/completions');
    new URL(this.url); // fails early on a malformed baseUrl
  }

  /** The request body this adapter sends for `request` (exposed for tests and debugging). */
  buildBody(request: DialogueRequest): Record<string, unknown> {
    const body: Record<string, unknown> = {
      model: this.opts.model,
      messages: toWireMessages(request.messages, this.opts.systemPrompt, this.opts.interruptedMarker),
      stream: true,
    };
    if (request.tools.length > 0) body.tools = toWireTools(request.tools);
    if (this.opts.temperature !== undefined) body.temperature = this.opts.temperature;
    if (this.opts.maxTokens !== undefined) body.max_tokens = this.opts.maxTokens;
    return { ...body, ...this.opts.extraBody };
  }

  async *generate(request: DialogueRequest, signal: AbortSignal): AsyncGenerator<DialogueChunk> {
    const req = new RemoteRequest({ provider: this.id, signal, idleTimeoutMs: this.opts.idleTimeoutMs ?? 30_000 });
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream', ...this.opts.extraHeaders };
      if (this.opts.apiKey && !hasHeader(headers, 'authorization')) headers.authorization = `Bearer ${this.opts.apiKey}`;
      const res = await req.postJson(this.url, headers, this.buildBody(request));

      const sse = new SseParser();
      const tools = new ToolCallAccumulator();
      let emitted = false;
      let finished = false;
      let done = false;
      let toolsSent = false;

      // turns one SSE payload into chunks; sets finished/done
      const handle = (data: string): DialogueChunk[] => {
        if (data.trim() === '[DONE]') {
          done = true;
          return [];
        }
        let obj: Record<string, unknown>;
        try {
          obj = JSON.parse(data) as Record<string, unknown>;
        } catch {
          throw new Error(`${this.id}: unreadable stream event: ${truncate(data, 120)}`);
        }
        if (obj.error !== undefined && obj.error !== null) {
          const e = obj.error as { message?: unknown };
          const msg = typeof e === 'object' && typeof e.message === 'string' ? e.message : JSON.stringify(obj.error);
          throw new Error(`${this.id}: error in stream: ${truncate(msg)}`);
        }
        const out: DialogueChunk[] = [];
        const choices = Array.isArray(obj.choices) ? (obj.choices as Array<Record<string, unknown>>) : [];
        const choice = choices.find((c) => (c.index ?? 0) === 0) ?? choices[0];
        if (!choice) return out; // e.g. the usage-only chunk
        const delta = (choice.delta ?? choice.message ?? {}) as Record<string, unknown>;
        if (typeof delta.content === 'string' && delta.content !== '') out.push({ type: 'text', text: delta.content });
        if (Array.isArray(delta.tool_calls)) for (const tc of delta.tool_calls) tools.add(tc);
        if (delta.function_call) tools.addLegacy(delta.function_call);
        if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') finished = true;
        return out;
      };

      const take = (chunks: DialogueChunk[]): DialogueChunk[] => {
        if ((finished || done) && !toolsSent) {
          toolsSent = true;
          for (const call of tools.finish()) chunks.push({ type: 'tool_call', call });
        }
        return chunks;
      };

      for await (const bytes of req.body(res, () => emitted)) {
        for (const data of sse.push(bytes)) {
          for (const chunk of take(handle(data))) {
            req.throwIfAborted();
            emitted = true;
            yield chunk;
          }
          if (done) break;
        }
        if (done) break;
      }
      if (!done) {
        for (const data of sse.end()) {
          for (const chunk of take(handle(data))) {
            req.throwIfAborted();
            emitted = true;
            yield chunk;
          }
        }
      }
      req.throwIfAborted();
      if (!done && !finished) {
        throw req.streamError(new Error('ended without [DONE] or finish_reason'), emitted);
      }
      req.markComplete();
    } finally {
      req.dispose();
    }
  }
}
