/** The live-event filter: our call by Call-ID → session id, other calls and bad messages ignored, turn windows. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LiveEvent, LiveEventBody } from '@callgate/contracts';
import { LiveTracker } from './live.js';

const CALL = 'callgate-call-abc123-1';
const seqs = new Map<string, number>();
function ev(sessionId: string, body: LiveEventBody): string {
  const seq = (seqs.get(sessionId) ?? 0) + 1;
  seqs.set(sessionId, seq);
  return JSON.stringify({ v: 1, sessionId, seq, at: 1_800_000_000_000 + seq, ...body });
}

describe('caller: live events of our call', () => {
  it('follows the session whose call_started names our Call-ID and ignores the others', () => {
    const t = new LiveTracker(CALL);
    const seen: LiveEvent[] = [];
    t.onEvent((e) => seen.push(e));
    t.handle(ev('other', { type: 'call_started', agent: 'front-desk', callId: 'someone-else' }));
    t.handle(ev('other', { type: 'transcript', turnId: 't0', speaker: 'agent', final: true, text: 'not ours' }));
    assert.equal(t.handle(ev('ours', { type: 'call_started', agent: 'front-desk', callId: CALL }))?.type, 'call_started');
    t.handle(ev('ours', { type: 'transcript', turnId: 't0', speaker: 'agent', final: true, text: 'Thanks for calling.' }));
    t.handle(ev('other', { type: 'transcript', turnId: 't1', speaker: 'caller', final: true, text: 'other caller' }));
    assert.deepEqual([...t.sessionIds], ['ours']);
    assert.equal(t.callStarted?.agent, 'front-desk');
    assert.equal(seen.length, 2);
    assert.deepEqual(t.eventsOf(0).agentFinals, [{ turnId: 't0', text: 'Thanks for calling.', interrupted: false }]);
    assert.equal(t.stats.otherCalls, 3);
    assert.equal(t.stats.ours, 2);
  });

  it('events before our call_started are not ours', () => {
    const t = new LiveTracker(CALL);
    t.handle(ev('early', { type: 'transcript', turnId: 't0', speaker: 'agent', final: true, text: 'early' }));
    t.handle(ev('early', { type: 'call_started', agent: 'a', callId: CALL }));
    assert.equal(t.eventsOf(0).agentFinals.length, 0);
    assert.equal(t.stats.otherCalls, 1);
  });

  it('ignores invalid JSON and messages that are not v1 live events, without throwing', () => {
    const t = new LiveTracker(CALL);
    assert.equal(t.handle('{not json'), undefined);
    assert.equal(t.handle(JSON.stringify({ v: 2, type: 'call_started' })), undefined);
    assert.equal(t.handle(JSON.stringify({ v: 1, sessionId: 's', seq: 1, at: 1, type: 'call_started', agent: 'a', callId: CALL, extra: 1 })), undefined);
    assert.equal(t.handle(Buffer.from('null')), undefined);
    assert.equal(t.stats.invalid, 4);
    assert.equal(t.sessionIds.size, 0);
    assert.ok(t.lastInvalid);
  });

  it('puts turns into the window that was playing when their turn id was first seen', () => {
    const t = new LiveTracker(CALL);
    t.handle(ev('s1', { type: 'call_started', agent: 'front-desk', callId: CALL }));
    t.handle(ev('s1', { type: 'transcript', turnId: 't0', speaker: 'agent', final: true, text: 'Hello.' }));
    t.setWindow(1);
    t.handle(ev('s1', { type: 'transcript', turnId: 't1', speaker: 'caller', final: false, text: 'what are' }));
    t.handle(ev('s1', { type: 'transcript', turnId: 't1', speaker: 'caller', final: true, text: 'what are your opening hours' }));
    // the caller barges in (window 2) before t1's reply ended: its cut text and timing still belong to window 1
    t.setWindow(2);
    t.handle(ev('s1', { type: 'transcript', turnId: 't2', speaker: 'caller', final: false, text: 'i would' }));
    t.handle(ev('s1', { type: 'barge_in', turnId: 't1', heardMs: 1200 }));
    t.handle(ev('s1', { type: 'transcript', turnId: 't1', speaker: 'agent', final: true, interrupted: true, text: "We're open Monday" }));
    const timing = { sttFirstPartialMs: 150, sttFinalMs: 200, firstTokenMs: 210, firstAudioMs: 480, firstRtpOutMs: 520, bargeInMs: 2100, playbackStoppedMs: 2150, filler: false };
    t.handle(ev('s1', { type: 'turn_timing', turnId: 't1', ...timing }));
    t.handle(ev('s1', { type: 'transcript', turnId: 't2', speaker: 'caller', final: true, text: 'my card is [CARD]' }));
    t.handle(ev('s1', { type: 'tool', turnId: 't2', tool: 'book_appointment', status: 'ok', ms: 12 }));
    t.handle(ev('s1', { type: 'call_ended', reason: 'caller_done', turns: 2 }));

    const w1 = t.eventsOf(1);
    assert.deepEqual(w1.turnIds, ['t1']);
    assert.deepEqual(w1.callerFinals, [{ turnId: 't1', text: 'what are your opening hours', dtmf: false }]);
    assert.deepEqual(w1.agentFinals, [{ turnId: 't1', text: "We're open Monday", interrupted: true }]);
    assert.deepEqual(w1.bargeIns, [{ turnId: 't1', heardMs: 1200 }]);
    assert.equal(w1.timings[0]?.firstRtpOutMs, 520);
    const w2 = t.eventsOf(2);
    assert.equal(w2.callerPartial, 'i would');
    assert.equal(w2.callerFinals[0]?.text, 'my card is [CARD]');
    assert.deepEqual(w2.tools, [{ turnId: 't2', tool: 'book_appointment', status: 'ok', ms: 12 }]);
    assert.equal(t.windowOf('t1'), 1);
    assert.equal(t.callEnded?.reason, 'caller_done');
  });

  it('keeps DTMF caller turns marked as keys', () => {
    const t = new LiveTracker(CALL);
    t.handle(ev('s2', { type: 'call_started', agent: 'front-desk', callId: CALL }));
    t.setWindow(3);
    t.handle(ev('s2', { type: 'transcript', turnId: 't3', speaker: 'caller', final: true, text: 'keypad 0', dtmf: true }));
    assert.deepEqual(t.eventsOf(3).callerFinals, [{ turnId: 't3', text: 'keypad 0', dtmf: true }]);
  });
});
