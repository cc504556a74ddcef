/**
 * The sessions' recorder over the conversation store. Writes are queued per session (in order), retried with
 * backoff while the store is unreachable, and never block or fail a call; a write that still fails is logged
 * and counted. Each turn is written with its outbox event in one transaction (`turn.stored`), which the relay
 * publishes. When a call's end is stored, `onEnded` starts its post-call flow.
 */
import type { Logger } from '@callgate/contracts';
import type { ConversationRecorder, RecordedTurn } from '../session/recorder.js';
import { deriveCallerKey, type ConversationStore, type JsonValue } from '../store/index.js';

export interface StoreRecorderOptions {
  store: ConversationStore;
  /** HMAC key for caller keys (deletion by caller matches them; the number itself is never stored) */
  callerKeySecret: string;
  log: Logger;
  /** the call's end is stored */
  onEnded?: (sessionId: string) => void;
  onWriteFailed?: (what: string) => void;
  /** tries per write (default 6: about 6 s of backoff) */
  attempts?: number;
}

/** quality samples kept per call (every 5 s by default: a 20-minute call) */
const MAX_QUALITY_SAMPLES = 240;

export class StoreRecorder implements ConversationRecorder {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly qualitySamples = new Map<string, { at: number; mos: number; jitterMs: number; lossPct: number }[]>();

  constructor(private readonly o: StoreRecorderOptions) {}

  started(info: Parameters<ConversationRecorder['started']>[0]): void {
    const { store, callerKeySecret } = this.o;
    const caller = info.from ? userPart(info.from) : '';
    // anonymous callers (no digits in the user part) get no caller key
    const callerKey = /\d/.test(caller) ? deriveCallerKey(caller, callerKeySecret) : undefined;
    const dialed = info.to ? userPart(info.to) : undefined;
    this.queue(info.sessionId, 'session', () =>
      store.createSession({ id: info.sessionId, callId: info.callId, agent: info.agent, startedAt: info.at, ...(callerKey ? { callerKey } : {}), ...(dialed ? { dialed } : {}) }),
    );
  }

  turn(sessionId: string, t: RecordedTurn): void {
    this.queue(sessionId, 'turn', () =>
      this.o.store.appendTurn(
        {
          sessionId,
          seq: t.seq,
          turnId: t.turnId,
          at: t.at,
          ...(t.callerText ? { callerText: t.callerText } : {}),
          ...(t.agentText ? { agentText: t.agentText } : {}),
          interrupted: t.interrupted,
          timings: t.timings,
          meta: {
            toolCalls: t.tools.map((x) => ({ tool: x.tool, ok: x.ok, ms: x.ms, ...(x.errorCode ? { errorCode: x.errorCode } : {}), ...(x.result !== undefined ? { result: x.result as JsonValue } : {}) })),
            ...(t.dtmf ? { dtmf: true } : {}),
            ...(t.callerSpeechMs !== undefined ? { callerSpeechMs: t.callerSpeechMs } : {}),
            ...(t.agentAudioMs !== undefined ? { agentAudioMs: t.agentAudioMs } : {}),
          },
        },
        [{ topic: 'turn.stored', payload: { sessionId, turnId: t.turnId, seq: t.seq } }],
      ),
    );
  }

  quality(sessionId: string, sample: { at: number; mos: number; jitterMs: number; lossPct: number }): void {
    const samples = this.qualitySamples.get(sessionId) ?? [];
    // a long call keeps its first and its latest samples within the bound
    if (samples.length >= MAX_QUALITY_SAMPLES) samples.splice(1, 1);
    samples.push(sample);
    this.qualitySamples.set(sessionId, samples);
  }

  ended(sessionId: string, info: Parameters<ConversationRecorder['ended']>[1]): void {
    const quality = this.qualitySamples.get(sessionId);
    this.qualitySamples.delete(sessionId);
    if (quality?.length) this.queue(sessionId, 'quality', () => this.o.store.setSessionAnalytics(sessionId, { quality }));
    this.queue(sessionId, 'end', async () => {
      await this.o.store.endSession(sessionId, { endedAt: info.at, outcome: info.outcome });
      this.o.onEnded?.(sessionId);
    });
    // the session's chain is not needed once its end is written
    void this.chains.get(sessionId)?.then(() => this.chains.delete(sessionId));
  }

  /** resolves when every queued write has settled (shutdown) */
  async flush(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }

  private queue(sessionId: string, what: string, write: () => Promise<unknown>): void {
    const prev = this.chains.get(sessionId) ?? Promise.resolve();
    const next = prev.then(() => this.withRetry(sessionId, what, write));
    this.chains.set(sessionId, next);
  }

  private async withRetry(sessionId: string, what: string, write: () => Promise<unknown>): Promise<void> {
    const attempts = this.o.attempts ?? 6;
    for (let i = 1; ; i++) {
      try {
        await write();
        return;
      } catch (err) {
        if (i >= attempts) {
          this.o.log.error('agent-core: store write failed for good', { session_id: sessionId, what, attempts: i, err });
          this.o.onWriteFailed?.(what);
          return;
        }
        this.o.log.warn('agent-core: store write failed; retrying', { session_id: sessionId, what, attempt: i, err });
        await new Promise((r) => setTimeout(r, Math.min(3000, 100 * 2 ** i)));
      }
    }
  }
}

/** the user part of a SIP/tel URI (`sip:+15551234567@host` → `+15551234567`) */
function userPart(uri: string): string {
  return uri.replace(/^.*?(sips?|tel):/i, '').replace(/[@;].*$/, '');
}
