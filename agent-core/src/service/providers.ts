/**
 * Builds the providers named in `agentCore.providers` and, per agent, one router per stage over the agent's
 * ordered provider list. The flow engine is per agent (it runs that agent's flow file); every other provider
 * instance is shared by all agents that name it.
 */
import { loadFlowFile, type AgentConfig, type AgentCoreServiceConfig, type AgentFlow, type ProviderConfig } from '@callgate/contracts';
import { FlowEngine, flowHints } from '../dialogue/flow/index.js';
import type { DialogueModel, SpeechToText, SttHints, TextToSpeech } from '../providers/ports.js';
import { OpenAiChatModel } from '../providers/remote/openai-chat.js';
import { OpenAiSpeechTts } from '../providers/remote/openai-speech.js';
import { WebSocketStt } from '../providers/remote/ws-stt.js';
import { DialogueRouter, SttRouter, TtsRouter, type ProviderHealth, type RouterEventListener } from '../providers/router/index.js';
import { PocketSphinxStt } from '../providers/stt/pocketsphinx/pocketsphinx-stt.js';
import { FliteTts } from '../providers/tts/flite-tts.js';

type Shared = SpeechToText | TextToSpeech | DialogueModel | 'flow';

/** `${NAME}` in a configured secret is read from the environment; an unset variable names the field. */
export function resolveSecret(value: string | undefined, field: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (value === undefined) return undefined;
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const v = env[name];
    if (v === undefined) throw new Error(`${field}: environment variable ${name} is not set`);
    return v;
  });
}

function buildProvider(id: string, p: ProviderConfig): Shared {
  const field = `agentCore.providers.${id}.apiKey`;
  switch (p.kind) {
    case 'pocketsphinx':
      return new PocketSphinxStt({ id, ...(p.python ? { pythonPath: p.python } : {}), ...(p.modelDir ? { modelDir: p.modelDir } : {}), ...(p.poolSize !== undefined ? { poolSize: p.poolSize } : {}) });
    case 'ws-stt':
      return new WebSocketStt({ id, url: p.url, ...opt('apiKey', resolveSecret(p.apiKey, field)), ...opt('model', p.model), ...opt('language', p.language) });
    case 'flite':
      return new FliteTts({ id, voice: p.voice });
    case 'openai-speech':
      return new OpenAiSpeechTts({ id, baseUrl: p.baseUrl, model: p.model, voice: p.voice, responseFormat: p.format, sourceSampleRate: p.sampleRate, ...opt('apiKey', resolveSecret(p.apiKey, field)) });
    case 'openai-chat':
      return new OpenAiChatModel({ id, baseUrl: p.baseUrl, model: p.model, ...opt('apiKey', resolveSecret(p.apiKey, field)), ...opt('temperature', p.temperature), ...opt('maxTokens', p.maxTokens) });
    case 'flow':
      return 'flow';
  }
}

function opt<K extends string, V>(key: K, value: V | undefined): { [k in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [k in K]?: V };
}

/** What a session of one agent runs on. */
export interface AgentProviders {
  stt: SpeechToText;
  dialogue: DialogueModel;
  tts: TextToSpeech;
  hints: SttHints;
  flow?: AgentFlow;
}

export class ProviderSet {
  private readonly shared = new Map<string, Shared>();

  constructor(
    private readonly config: AgentCoreServiceConfig,
    private readonly health: ProviderHealth,
    private readonly onEvent: RouterEventListener,
  ) {
    for (const [id, p] of Object.entries(config.providers)) this.shared.set(id, buildProvider(id, p));
  }

  /** the routers (and flow engine) of one agent */
  forAgent(name: string, agent: AgentConfig): AgentProviders {
    const flow = agent.flow ? loadFlowFile(agent.flow) : undefined;
    const pick = <T>(ids: string[]): T[] =>
      ids.map((id) => {
        const p = this.shared.get(id);
        if (p === 'flow') return new FlowEngine(flow!, { id }) as unknown as T;
        return p as T;
      });
    const r = this.config.router;
    const common = (stage: 'stt' | 'dialogue' | 'tts') => ({
      id: `${name}/${stage}`,
      retries: r[stage].retries,
      backoff: { baseMs: r[stage].backoffBaseMs, maxMs: r[stage].backoffMaxMs },
      breaker: { failureThreshold: r[stage].breakerFailures, openMs: r[stage].breakerOpenMs },
      health: this.health,
      onEvent: this.onEvent,
    });
    return {
      stt: new SttRouter({ ...common('stt'), providers: pick<SpeechToText>(agent.stt), startTimeoutMs: r.stt.firstOutputTimeoutMs }),
      dialogue: new DialogueRouter({ ...common('dialogue'), providers: pick<DialogueModel>(agent.dialogue), firstOutputTimeoutMs: r.dialogue.firstOutputTimeoutMs }),
      tts: new TtsRouter({ ...common('tts'), providers: pick<TextToSpeech>(agent.tts), firstOutputTimeoutMs: r.tts.firstOutputTimeoutMs }),
      hints: flow ? flowHints(flow) : { phrases: [], words: [] },
      ...(flow ? { flow } : {}),
    };
  }

  async close(): Promise<void> {
    for (const p of this.shared.values()) {
      const closable = p as { close?: () => Promise<void> | void };
      if (typeof closable.close === 'function') await closable.close();
    }
  }
}
