/**
 * Options, events and counters of `AgentLink`, the media bridge's client for the agent-stream v1 contract,
 * with the defaults it applies.
 */
import type { AgentControlEvent, AgentStreamStart, Logger } from '@callgate/contracts';

/** The start message without its fixed fields; `resume` is set by the link on reconnects. */
export type AgentLinkStart = Omit<AgentStreamStart, 'v' | 'type' | 'resume'> & Partial<Pick<AgentStreamStart, 'v' | 'type' | 'resume'>>;

/** Options for `AgentLink`; everything but `url` and `start` has a default. */
export interface AgentLinkOptions {
  /** ws:// or wss:// address of agent-core */
  url: string;
  start: AgentLinkStart;
  logger?: Logger;
  /** a connection try that has not opened by then is abandoned (default 2000); also bounds `close()` */
  connectTimeoutMs?: number;
  reconnect?: {
    /** tries after a failed connect or a lost connection, before giving up (default 3); an open restores them */
    attempts?: number;
    /** wait before the first retry (default 250), doubled each further try, with jitter */
    backoffMs?: number;
  };
  /** caller audio is dropped while the socket holds more than this unsent (default 64 KiB) */
  maxBufferedBytes?: number;
  /** control events held while not connected; one more fails the link (default 1000) */
  maxQueuedControl?: number;
}

/** Lifecycle: idle → connecting → open ⇄ (backoff → connecting) → closing → closed, or failed. */
export type AgentLinkState = 'idle' | 'connecting' | 'open' | 'backoff' | 'closing' | 'closed' | 'failed';

/** Events of `AgentLink` (typed EventEmitter map). */
export type AgentLinkEvents = {
  /** connected and `start` sent (with `resume: true` when `resumed`); queued control events follow it */
  open: [info: { resumed: boolean }];
  /** one tts_audio frame of an announced reply; `offsetMs` is its position within the reply */
  ttsAudio: [replyId: string, seq: number, pcm: Int16Array, offsetMs: number];
  control: [event: AgentControlEvent];
  /** the agent reported an error (the link stays up) */
  agentError: [code: string, message: string];
  /** a connection was lost or a try failed; a retry follows unless `gaveUp` comes next */
  down: [reason: string];
  /** the link is over: retries spent, control queue overflowed, or the agent closed the stream (1000) */
  gaveUp: [reason: string];
  /** a message from the agent was refused and dropped */
  invalid: [reason: string];
};

/** Counters for metrics and tests. */
export interface AgentLinkStats {
  state: AgentLinkState;
  audioFramesSent: number;
  /** frames refused because the link was down or the socket backed up (their seq numbers are skipped) */
  audioFramesDropped: number;
  controlSent: number;
  /** control events waiting for the next connection */
  controlQueued: number;
  ttsFramesReceived: number;
  invalidMessages: number;
  /** successful re-opens after the first */
  reconnects: number;
  connectFailures: number;
}

/** Options with the defaults applied. */
export interface ResolvedAgentLinkOptions {
  connectTimeoutMs: number;
  attempts: number;
  backoffMs: number;
  maxBufferedBytes: number;
  maxQueuedControl: number;
}

/** Applies the defaults; throws RangeError on a negative or fractional value. */
export function resolveOptions(o: AgentLinkOptions): ResolvedAgentLinkOptions {
  const r = {
    connectTimeoutMs: o.connectTimeoutMs ?? 2000,
    attempts: o.reconnect?.attempts ?? 3,
    backoffMs: o.reconnect?.backoffMs ?? 250,
    maxBufferedBytes: o.maxBufferedBytes ?? 64 * 1024,
    maxQueuedControl: o.maxQueuedControl ?? 1000,
  };
  for (const [k, n] of Object.entries(r)) {
    const min = k === 'attempts' || k === 'backoffMs' ? 0 : 1;
    if (!Number.isInteger(n) || n < min) throw new RangeError(`agent link: ${k} must be an integer ≥ ${min}`);
  }
  return r;
}
