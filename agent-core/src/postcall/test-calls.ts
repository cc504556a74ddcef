/** Recorded calls for the post-call tests. */
import type { SessionRecord, TurnRecord } from './store-port.js';

const T0 = Date.UTC(2025, 0, 14, 9, 0, 0);

/**
 * A front-desk booking: the caller asks for an appointment, gives their name and number (left unredacted here,
 * as if ingestion had missed it), the agent books Tuesday 10:00 (A-1001) and the caller hangs up over the
 * goodbye.
 */
export function bookingCall(sessionId = 'sess-booking'): { session: SessionRecord; turns: TurnRecord[] } {
  const turn = (seq: number, t: Omit<TurnRecord, 'sessionId' | 'seq' | 'turnId'> & { turnId?: string }): TurnRecord => ({
    sessionId,
    seq,
    turnId: `t${seq}`,
    ...t,
  });
  return {
    session: {
      sessionId,
      callId: `call-${sessionId}`,
      agent: 'front-desk',
      startedAt: T0,
      endedAt: T0 + 30_000,
      outcome: 'caller_hangup',
      quality: [
        { at: T0 + 10_000, mos: 4.3, jitterMs: 4, lossPct: 0 },
        { at: T0 + 5_000, mos: 4.1, jitterMs: 9, lossPct: 0.5 },
        { at: T0 + 20_000, mos: 3.9, jitterMs: 15, lossPct: 1.2 },
      ],
    },
    turns: [
      turn(0, { speaker: 'agent', text: 'Hello, thanks for calling Riverside Dental. How can I help you today?', startedAt: T0, endedAt: T0 + 3000 }),
      turn(1, {
        speaker: 'caller',
        text: "Hi. I'd like to book a cleaning appointment for next Tuesday morning.",
        startedAt: T0 + 3500,
        endedAt: T0 + 7000,
        timings: { sttFinalMs: 180, firstTokenMs: 420, firstAudioMs: 650, firstRtpOutMs: 700 },
      }),
      turn(2, { speaker: 'agent', text: 'Let me check. I have Tuesday at 10:00 free. Shall I book it?', startedAt: T0 + 7700, endedAt: T0 + 11_000 }),
      turn(3, {
        speaker: 'caller',
        text: 'Yes please. My name is Karen Mills and my number is 415 555 0134.',
        startedAt: T0 + 11_500,
        endedAt: T0 + 15_500,
        timings: { sttFinalMs: 220, firstTokenMs: 510, firstAudioMs: 800, firstRtpOutMs: 860 },
      }),
      turn(4, {
        speaker: 'agent',
        text: "You're booked for Tuesday at 10:00, your reference is A-1001.",
        startedAt: T0 + 16_400,
        endedAt: T0 + 20_000,
        toolCalls: [
          { tool: 'book_appointment', ok: true, ms: 85, result: { reference: 'A-1001', day: 'tuesday', time: '10:00', name: 'Karen Mills' } },
        ],
      }),
      turn(5, {
        speaker: 'caller',
        text: 'Great, thank you. Bye.',
        startedAt: T0 + 20_500,
        endedAt: T0 + 22_000,
        timings: { sttFinalMs: 150, firstTokenMs: 300, firstAudioMs: 520, firstRtpOutMs: 590, bargeInMs: 900 },
      }),
      turn(6, { speaker: 'agent', text: 'Goodbye, have a', interrupted: true, startedAt: T0 + 22_600, endedAt: T0 + 23_500, turnId: 't5' }),
    ],
  };
}

/** a short call with nothing personal in it, for flow tests that need many sessions */
export function shortCall(sessionId: string): { session: SessionRecord; turns: TurnRecord[] } {
  return {
    session: { sessionId, callId: `call-${sessionId}`, agent: 'front-desk', startedAt: T0, endedAt: T0 + 8000, outcome: 'agent_hangup' },
    turns: [
      { sessionId, seq: 0, turnId: 't0', speaker: 'agent', text: 'Hello, how can I help?', startedAt: T0, endedAt: T0 + 1500 },
      {
        sessionId,
        seq: 1,
        turnId: 't1',
        speaker: 'caller',
        text: 'I need your opening hours on Saturday.',
        startedAt: T0 + 2000,
        endedAt: T0 + 4000,
        timings: { sttFinalMs: 200, firstTokenMs: 400, firstAudioMs: 600, firstRtpOutMs: 650 },
      },
      { sessionId, seq: 2, turnId: 't1', speaker: 'agent', text: 'We are open from nine to one on Saturday.', startedAt: T0 + 4700, endedAt: T0 + 7000 },
    ],
  };
}
