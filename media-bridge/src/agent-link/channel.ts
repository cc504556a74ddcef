/** Opens a call's AgentLink and presents it to the call session as its AgentChannel. */
import type { AgentCoreConfig, Logger } from '@callgate/contracts';
import type { AgentChannel, AgentChannelEvents } from '../call/call-session.js';
import type { AgentStartInfo } from '../control/in-process.js';
import { AgentLink } from './agent-link.js';

/** A `connectAgent` for the media control: one AgentLink per call to `config.url`. */
export function agentLinkConnector(config: AgentCoreConfig & { url: string }, logger: Logger) {
  return (info: AgentStartInfo, events: AgentChannelEvents): AgentChannel => {
    const link = new AgentLink({
      url: config.url,
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
