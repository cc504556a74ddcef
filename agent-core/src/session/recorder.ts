/**
 * What a session hands to the conversation store, at its boundaries: the call's start, each turn once it has
 * played (or was cut), the call's end. Everything here is already redacted; the recorder must never block or
 * fail the call (it queues, retries, logs).
 */

export interface RecordedTool {
  tool: string;
  ok: boolean;
  ms: number;
  errorCode?: string;
  /** the tool's result, its strings redacted (the summary names what was booked) */
  result?: unknown;
}

export interface RecordedTurn {
  /** 1, 2, 3 … in the order turns finished */
  seq: number;
  turnId: string;
  /** epoch ms when the turn started (the caller's speech end, or when the agent began on its own) */
  at: number;
  /** redacted */
  callerText?: string;
  dtmf?: boolean;
  /** redacted: what the caller heard */
  agentText?: string;
  interrupted: boolean;
  timings: Record<string, number>;
  tools: RecordedTool[];
  callerSpeechMs?: number;
  agentAudioMs?: number;
}

export interface ConversationRecorder {
  started(info: { sessionId: string; callId: string; agent: string; from?: string; to?: string; at: number }): void;
  turn(sessionId: string, turn: RecordedTurn): void;
  /** a call-quality sample from the media bridge (kept for the post-call MOS summary) */
  quality?(sessionId: string, sample: { at: number; mos: number; jitterMs: number; lossPct: number }): void;
  ended(sessionId: string, info: { at: number; outcome: 'completed' | 'transferred' | 'caller_hung_up' | 'failed'; reason: string }): void;
}
