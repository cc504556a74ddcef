import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger, type AgentControlEvent, type LiveEvent } from '@callgate/contracts';
import { redact, redactPartial } from '../privacy/index.js';
import { CallSession, maskNumber, type SessionPolicy, type TurnReport } from './call-session.js';
import { FakeTools, ScriptedDialogue, ScriptedStt, ToneTts, says, saysThenHangs } from './fakes.js';
import { MemoryLiveSink } from './live-publisher.js';
import type { ConversationRecorder, RecordedTurn } from './recorder.js';

const policy: SessionPolicy = {
  hints: { phrases: [], words: [] },
  repromptText: 'Sorry, I did not catch that.',
  maxEmptyTurns: 2,
  giveUpText: 'Let me get someone to help.',
  apologyText: 'Sorry, something went wrong.',
  ignoreEmptyBelowMs: 300,
  speculate: true,
};

function setup(opts: { policy?: Partial<SessionPolicy>; tools?: FakeTools } = {}) {
  const stt = new ScriptedStt();
  const dialogue = new ScriptedDialogue();
  const tts = new ToneTts();
  const tools = opts.tools ?? new FakeTools();
  const live = new MemoryLiveSink();
  const controls: AgentControlEvent[] = [];
  const audio: Array<{ replyId: string; samples: number }> = [];
  const reports: TurnReport[] = [];
  const recorded: { started: number; turns: RecordedTurn[]; ended: string[] } = { started: 0, turns: [], ended: [] };
  const recorder: ConversationRecorder = {
    started: () => recorded.started++,
    turn: (_id, t) => recorded.turns.push(t),
    ended: (_id, e) => recorded.ended.push(e.outcome),
  };
  const session = new CallSession({
    recorder,
    start: { v: 1, type: 'start', sessionId: 's1', callId: 'c1', endpointId: 'e1', agent: 'front-desk', from: 'sip:+15551234567@carrier', codec: 'PCMU', sampleRate: 8000, frameMs: 20 },
    stt,
    dialogue,
    tts,
    tools,
    bridge: { sendControl: (e) => controls.push(e), sendAudio: (replyId, pcm) => audio.push({ replyId, samples: pcm.length }) },
    live,
    redact: (t) => redact(t).text,
    redactPartial: (t) => redactPartial(t),
    policy: { ...policy, ...opts.policy },
    log: silentLogger,
    onTurnReport: (r) => reports.push(r),
  });
  const settle = () => new Promise((r) => setTimeout(r, 20));
  /** the caller says `text` (the recogniser will return it), then the bridge ends the turn */
  const callerSays = async (text: string, partial?: string, speechMs = 900) => {
    stt.finals.push(text);
    session.control({ type: 'speech_start', atMs: 1000 });
    session.callerAudio(new Int16Array(160), 1000);
    if (partial) stt.stream!.emit({ type: 'partial', text: partial });
    session.control({ type: 'speech_end', atMs: 1000 + speechMs, speechMs });
    await settle();
  };
  const replies = () => controls.filter((c) => c.type === 'reply_start').map((c) => (c as { replyId: string }).replyId);
  return { session, stt, dialogue, tts, tools, live, controls, audio, reports, settle, callerSays, replies, recorded };
}

const texts = (live: MemoryLiveSink, speaker: 'caller' | 'agent') =>
  live.events.filter((e): e is Extract<LiveEvent, { type: 'transcript' }> => e.type === 'transcript' && e.speaker === speaker && e.final).map((e) => e.text);

describe('CallSession', () => {
  it('greets, then answers each caller turn through dialogue → TTS → bridge, and reports the turn timings', async () => {
    const t = setup();
    await t.session.begin();
    assert.equal(t.replies().length, 1, 'greeting');
    assert.ok(t.controls.some((c) => c.type === 'reply_end'));
    await t.callerSays('what are your opening hours');
    assert.equal(t.dialogue.requests.length, 2);
    const req = t.dialogue.requests[1]!;
    assert.deepEqual(req.messages.at(-1), { role: 'user', content: 'what are your opening hours' });
    assert.deepEqual(req.state, { turns: 1 }, 'the state the model returned comes back');
    const reply = t.replies()[1]!;
    assert.ok(t.audio.some((a) => a.replyId === reply));
    t.session.control({ type: 'playback_start', replyId: reply, atMs: 2300 });
    t.session.control({ type: 'playback_done', replyId: reply, playedMs: 900 });
    assert.equal(t.reports.length, 1);
    const r = t.reports[0]!;
    for (const v of [r.sttFinalMs, r.firstTokenMs, r.firstAudioMs, r.firstRtpOutMs]) assert.equal(typeof v, 'number');
    assert.ok(r.firstRtpOutMs! >= r.firstAudioMs!, 'first RTP out follows the first audio');
    assert.ok(t.live.events.some((e) => e.type === 'turn_timing'));
    t.session.close('bye');
  });

  it('barge-in aborts the model at once and keeps only what the caller heard', async () => {
    const t = setup();
    await t.session.begin();
    t.dialogue.steps.push(saysThenHangs('We are open from nine to five on weekdays. '));
    await t.callerSays('hours please');
    const reply = t.replies()[1]!;
    t.session.control({ type: 'playback_start', replyId: reply, atMs: 2000 });
    // the first sentence has 42 characters → 420 ms of tone; the caller heard about half
    t.session.control({ type: 'barge_in', replyId: reply, atMs: 2210, heardMs: 210 });
    await t.settle();
    assert.equal(t.dialogue.aborted, 1, 'the hanging generation was aborted');
    await t.callerSays('actually book an appointment');
    const history = t.dialogue.requests.at(-1)!.messages;
    const cut = history.find((m) => m.role === 'assistant' && m.interrupted);
    assert.ok(cut && cut.role === 'assistant');
    assert.ok(cut.content.length > 0 && cut.content.length < 'We are open from nine to five on weekdays.'.length, `heard: "${cut.content}"`);
    assert.ok(texts(t.live, 'agent').length >= 0);
    assert.ok(t.live.events.some((e) => e.type === 'barge_in'));
    t.session.close('bye');
  });

  it('a barge-in after the whole reply was generated still rewrites the history to what was heard', async () => {
    const t = setup();
    await t.session.begin();
    t.dialogue.steps.push(says('We open at nine. We close at five. '));
    await t.callerSays('when are you open');
    const reply = t.replies()[1]!;
    assert.ok(t.controls.some((c) => c.type === 'reply_end' && c.replyId === reply), 'generation finished first');
    t.session.control({ type: 'playback_start', replyId: reply, atMs: 2000 });
    // "We open at nine." is 16 characters → 160 ms of tone
    t.session.control({ type: 'barge_in', replyId: reply, atMs: 2200, heardMs: 170 });
    await t.callerSays('and on saturday');
    const assistant = t.dialogue.requests.at(-1)!.messages.filter((m) => m.role === 'assistant');
    assert.deepEqual(assistant.at(-1), { role: 'assistant', content: 'We open at nine.', interrupted: true });
    const cut = t.live.events.find((e) => e.type === 'transcript' && e.interrupted);
    assert.ok(cut && cut.type === 'transcript' && cut.text === 'We open at nine.');
    t.session.close('bye');
  });

  it('an early start on the partial is kept when the final agrees (one model call) and discarded when not', async () => {
    const t = setup();
    await t.session.begin();
    await t.callerSays('yes please', 'yes please');
    assert.equal(t.dialogue.requests.length, 2, 'the speculative reply was adopted');
    await t.callerSays('no thanks', 'yes thanks');
    assert.equal(t.dialogue.requests.length, 4, 'a wrong guess is redone with the final');
    const sent = new Set(t.audio.map((a) => a.replyId));
    assert.equal(t.replies().length, 3, 'the discarded guess never reached the bridge');
    assert.ok(!t.live.events.some((e) => e.type === 'transcript' && e.speaker === 'agent' && /yes thanks/.test(e.text)), 'nor the live transcript');
    assert.equal(sent.size, 3);
    assert.deepEqual(t.dialogue.requests[3]!.messages.filter((m) => m.role === 'user').map((m) => m.content), ['yes please', 'no thanks']);
    t.session.close('bye');
  });

  it('nothing recognised: short noise is ignored, then a reprompt, then a transfer after the last try', async () => {
    const t = setup();
    await t.session.begin();
    await t.callerSays('', undefined, 100);
    assert.equal(t.replies().length, 1, 'noise ignored');
    await t.callerSays('', undefined, 800);
    assert.equal(t.tts.texts.at(-1), policy.repromptText);
    await t.callerSays('', undefined, 800);
    assert.equal(t.tts.texts.at(-1), policy.giveUpText);
    const last = t.replies().at(-1)!;
    assert.ok(!t.controls.some((c) => c.type === 'transfer'), 'not before the line was heard');
    t.session.control({ type: 'playback_done', replyId: last, playedMs: 1000 });
    assert.ok(t.controls.some((c) => c.type === 'transfer'));
    assert.equal(t.dialogue.requests.length, 1, 'the model never saw the empty turns');
    t.session.close('bye');
  });

  it('runs tools between model rounds with a per-call idempotency key and hangs up after the goodbye played', async () => {
    const tools = new FakeTools({ book_appointment: { ok: true, result: { reference: 'A-17' } } });
    const t = setup({ tools });
    await t.session.begin();
    t.dialogue.steps.push(says('Let me book that. ', [{ type: 'tool_call', call: { id: 'call-1', name: 'book_appointment', arguments: { day: 'tuesday' } } }]));
    t.dialogue.steps.push(says('You are booked, reference A 17. Goodbye. ', [{ type: 'tool_call', call: { id: 'call-2', name: 'end_call', arguments: {} } }]));
    await t.callerSays('book tuesday');
    await t.settle();
    assert.deepEqual(tools.calls.map((c) => c.call.name), ['book_appointment', 'end_call']);
    assert.equal(tools.calls[0]!.key, 's1.call-1', 'keyed by session and call id: a re-sent call after a dropped reply runs once');
    const second = t.dialogue.requests[2]!;
    const toolMsg = second.messages.at(-1)!;
    assert.ok(toolMsg.role === 'tool' && toolMsg.ok && JSON.parse(toolMsg.content).reference === 'A-17');
    assert.ok(!t.controls.some((c) => c.type === 'hangup'));
    t.session.control({ type: 'playback_done', replyId: t.replies().at(-1)!, playedMs: 3000 });
    assert.ok(t.controls.some((c) => c.type === 'hangup'));
    t.session.close('bye');
  });

  it('a failing model is answered with the apology instead of silence', async () => {
    const t = setup();
    await t.session.begin();
    t.dialogue.steps.push(async function* () {
      yield* [];
      throw new Error('model down');
    });
    await t.callerSays('hello');
    await t.settle();
    assert.equal(t.tts.texts.at(-1), policy.apologyText);
    t.session.close('bye');
  });

  it('live transcripts are redacted and the caller number masked; a value half said is masked in partials', async () => {
    const t = setup();
    await t.session.begin();
    await t.callerSays('my card is four one one one one one one one one one one one one one one one', 'my card is four one one one one one');
    const partials = t.live.events.filter((e) => e.type === 'transcript' && !e.final && e.speaker === 'caller').map((e) => (e.type === 'transcript' ? e.text : ''));
    assert.equal(partials.length, 1);
    assert.ok(!/one one one/.test(partials[0]!), partials[0]);
    const caller = texts(t.live, 'caller');
    assert.equal(caller.length, 1);
    assert.ok(!/four one one one/.test(caller[0]!), caller[0]);
    const started = t.live.events.find((e) => e.type === 'call_started');
    assert.ok(started && started.type === 'call_started' && started.from === '********4567');
    assert.equal(maskNumber('sip:12@x'), '****');
    assert.equal(maskNumber('sip:alice.smith@example.com'), '****', 'a user name shows nothing');
    assert.equal(maskNumber('tel:+12125550198'), '********0198');
    // stamped in order
    assert.deepEqual(t.live.events.map((e) => e.seq), t.live.events.map((_, i) => i + 1));
    t.session.close('bye');
  });

  it("passes the bridge's quality samples on as live events and to the recorder", async () => {
    const t = setup();
    const samples: number[] = [];
    t.recorded.started = 0;
    (t.session as unknown as { o: { recorder: ConversationRecorder } }).o.recorder.quality = (_id, q) => samples.push(q.mos);
    await t.session.begin();
    t.session.control({ type: 'quality', mos: 4.21, jitterMs: 3.5, lossPct: 0.5, packetsReceived: 250, packetsLost: 1 });
    const q = t.live.events.find((e) => e.type === 'quality');
    assert.ok(q && q.type === 'quality');
    assert.deepEqual([q.mos, q.jitterMs, q.lossPct], [4.21, 3.5, 0.5]);
    assert.deepEqual(samples, [4.21]);
    t.session.close('bye');
  });

  it('records each finished turn, redacted, with what was heard, its tools and timings, and the call outcome', async () => {
    const tools = new FakeTools({ take_callback: { ok: true, result: { reference: 'C-1' } } });
    const t = setup({ tools });
    await t.session.begin();
    t.session.control({ type: 'playback_done', replyId: t.replies()[0]!, playedMs: 900 });
    t.dialogue.steps.push(says('Noted. ', [{ type: 'tool_call', call: { id: 'c1', name: 'take_callback', arguments: {} } }]));
    await t.callerSays('call me on five five five one two three four five six seven');
    const reply = t.replies()[1]!;
    t.session.control({ type: 'playback_start', replyId: reply, atMs: 2000 });
    t.session.control({ type: 'barge_in', replyId: reply, atMs: 2100, heardMs: 40 });
    t.dialogue.steps.push(says('Goodbye. ', [{ type: 'tool_call', call: { id: 'c2', name: 'end_call', arguments: {} } }]));
    await t.callerSays('bye');
    t.session.control({ type: 'playback_done', replyId: t.replies()[2]!, playedMs: 500 });
    t.session.close('agent hangup');
    const [greeting, second, third] = t.recorded.turns;
    assert.equal(t.recorded.started, 1);
    assert.equal(t.recorded.turns.length, 3);
    assert.deepEqual(t.recorded.turns.map((x) => x.seq), [1, 2, 3]);
    assert.ok(greeting && !greeting.callerText && greeting.agentText);
    assert.ok(second && second.callerText && !/five five five/.test(second.callerText), `redacted: ${second?.callerText}`);
    assert.equal(second.interrupted, true);
    assert.deepEqual(second.tools.map((x) => [x.tool, x.ok, x.result]), [['take_callback', true, { reference: 'C-1' }]]);
    assert.equal(typeof second.timings.firstRtpOutMs, 'number');
    assert.equal(third?.agentText, 'Goodbye.');
    assert.deepEqual(t.recorded.ended, ['completed']);
  });

  it('DTMF keys make a turn of their own', async () => {
    const t = setup();
    await t.session.begin();
    for (const d of '12#') t.session.control({ type: 'dtmf', digit: d, durationMs: 100, source: 'rfc4733' });
    await t.settle();
    assert.deepEqual(t.dialogue.requests.at(-1)!.messages.at(-1), { role: 'user', content: '', dtmf: '12#' });
    t.session.close('bye');
  });
});
