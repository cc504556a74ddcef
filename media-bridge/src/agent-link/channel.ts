/** Opens a call's AgentLink and presents it to the call session as its AgentChannel. */
import { createHash } from 'node:crypto';
import type { AgentCoreConfig, Logger } from '@callgate/contracts';
import type { AgentChannel, AgentChannelEvents } from '../call/call-session.js';
import type { AgentStartInfo } from '../control/in-process.js';
import { AgentLink } from './agent-link.js';

/**
 * The agent-core a session is pinned to: rendezvous (highest random weight) hashing of the session id over the
 * URLs, so every reconnect of a call reaches the same agent-core, and removing one moves only its own calls.
 */
export function pickAgentCore(urls: readonly string[], sessionId: string): string {
  let best = urls[0]!;
  let bestWeight = -1n;
  for (const url of urls) {
    const weight = createHash('sha256').update(`${url}\u0000${sessionId}`).digest().readBigUInt64BE(0);
    if (weight > bestWeight) {
      best = url;
      bestWeight = weight;
    }
  }
  return best;
}

/** A `connectAgent` for the media control: one AgentLink per call to its agent-core (`urls`, else `url`). */
export function agentLinkConnector(config: AgentCoreConfig & { url?: string; urls?: string[] }, logger: Logger) {
  const urls = config.urls ?? (config.url ? [config.url] : []);
  if (urls.length === 0) throw new TypeError('agent link: no agent-core URL');
  return (info: AgentStartInfo, events: AgentChannelEvents): AgentChannel => {
    const link = new AgentLink({
      url: pickAgentCore(urls, info.sessionId),
      start: {
        sessionId: info.sessionId,
        callId: info.callId ?? info.sessionId,
        endpointId: info.endpointId,
        agent: info.agent,
        ...(info.from ? { from: info.from } : {}),
        ...(info.to ? { to: info.to } : {}),
        codec: info.codec,
        sampleRate: 8000,
        frameMs: 20,
      },
      logger,
      connectTimeoutMs: config.connectTimeoutMs,
      reconnect: { attempts: config.reconnectAttempts, backoffMs: config.reconnectBackoffMs },
      maxBufferedBytes: config.maxBufferedBytes,
    });
    link.on('open', () => events.open());
    link.on('ttsAudio', (replyId, _seq, pcm) => events.audio(replyId, pcm));
    link.on('control', (event) => events.control(event));
    link.on('down', (reason) => events.down(reason));
    link.on('gaveUp', (reason) => events.gaveUp(reason));
    void link.connect();
    return {
      sendAudio: (pcm, mediaMs) => void link.sendAudio(pcm, mediaMs),
      sendControl: (event) => {
        try {
          link.sendControl(event);
        } catch (err) {
          // an event that breaks the contract is a bug here; it must not take the call down
          logger.error('agent link: control event refused by the contract', { err, type: event.type });
        }
      },
      close: (reason) => void link.close(reason),
    };
  };
}
