import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFlowFile, validateFlow, type AgentFlow } from '@callgate/contracts';
import type { DialogueChunk, DialogueMessage, DialogueState, ToolCall } from '../../providers/ports.js';
import { FlowEngine, resumeAfterBargeIn } from './engine.js';
import { agentFlowPath } from './index.js';

const frontDesk = loadFlowFile(agentFlowPath('front-desk'));
/** Monday 6 January 2025, 10:00 in London */
const now = () => new Date('2025-01-06T10:00:00Z');

interface Move {
  text: string;
  chunks: DialogueChunk[];
  call?: ToolCall;
}

/** Plays the session: keeps the transcript and the engine's state (through JSON, as the session stores it). */
class Call {
  readonly messages: DialogueMessage[] = [];
  stateJson = '{}';
  constructor(public engine = new FlowEngine(frontDesk, { now })) {}

  private async move(): Promise<Move> {
    const chunks: DialogueChunk[] = [];
    const request = { sessionId: 's1', agent: 'front-desk', messages: [...this.messages], tools: [], state: JSON.parse(this.stateJson) as DialogueState };
    for await (const chunk of this.engine.generate(request, new AbortController().signal)) chunks.push(chunk);
    const last = chunks[chunks.length - 1];
    assert.equal(last?.type, 'state', 'the state comes last');
    if (last?.type === 'state') this.stateJson = JSON.stringify(last.state);
    const text = chunks.map((c) => (c.type === 'text' ? c.text : '')).join('');
    const call = chunks.find((c): c is Extract<DialogueChunk, { type: 'tool_call' }> => c.type === 'tool_call')?.call;
    this.messages.push(call ? { role: 'assistant', content: text, toolCalls: [call] } : { role: 'assistant', content: text });
    return call ? { text, chunks, call } : { text, chunks };
  }

  start(): Promise<Move> {
    return this.move();
  }

  /** The caller speaks; `bargeInAfter` words of the agent's last reply were heard before they did. */
  say(content: string, bargeInAfter?: number): Promise<Move> {
    if (bargeInAfter !== undefined) {
      const last = this.messages[this.messages.length - 1];
      assert.ok(last?.role === 'assistant');
      last.content = last.content.split(' ').slice(0, bargeInAfter).join(' ');
      last.interrupted = true;
    }
    this.messages.push({ role: 'user', content });
    return this.move();
  }

  keys(dtmf: string): Promise<Move> {
    this.messages.push({ role: 'user', content: '', dtmf });
    return this.move();
  }

  /** The session ran the tool the engine asked for. */
  result(call: ToolCall | undefined, ok: boolean, content: unknown): Promise<Move> {
    assert.ok(call, 'a tool call was expected');
    this.messages.push({ role: 'tool', toolCallId: call.id, name: call.name, content: JSON.stringify(content), ok });
    return this.move();
  }

  get state(): Record<string, unknown> {
    return JSON.parse(this.stateJson) as Record<string, unknown>;
  }
}

async function started(): Promise<Call> {
  const call = new Call();
  await call.start();
  return call;
}

test('the first move is the greeting, streamed in several text chunks', async () => {
  const move = await new Call().start();
  assert.equal(move.text, frontDesk.greeting);
  assert.ok(move.text.startsWith('Thanks for calling Riverside Clinic.'));
  assert.ok(move.chunks.filter((c) => c.type === 'text').length > 5);
  assert.equal(move.call, undefined);
});

test('opening hours are answered, then "anything else?"', async () => {
  const call = await started();
  const move = await call.say('uh when are you guys open');
  assert.match(move.text, /^We're open Monday to Friday, eight A M to six P M\./);
  assert.match(move.text, /Is there anything else I can help with\?$/);
  assert.equal(move.call, undefined);
});

test('booking with day and time in one utterance goes straight to the read-back', async () => {
  const call = await started();
  const move = await call.say("hi I'd like to book an appointment for tuesday at ten a m");
  assert.equal(move.text, 'Sure. You said Tuesday at ten A M. Is that right?');
});

test('booking with day and time asked one by one, from imperfect answers', async () => {
  const call = await started();
  assert.equal((await call.say('i need an apointment')).text, 'Sure. What day would you like?');
  assert.equal((await call.say('um wensday')).text, 'And what time?');
  assert.equal((await call.say('half past two')).text, 'You said Wednesday at two thirty P M. Is that right?');
});

test('"tomorrow" is booked as the weekday it is in the clinic\'s timezone', async () => {
  const call = await started();
  await call.say('book me in tomorrow at 9');
  const move = await call.say('yes');
  assert.deepEqual(move.call?.arguments, { day: 'tuesday', time: '09:00' });
});

test('a yes to the read-back calls book_appointment with the slots; success fills the template', async () => {
  const call = await started();
  await call.say('book tuesday at ten');
  const yes = await call.say('yeah that is right');
  assert.equal(yes.text, 'One moment.');
  assert.equal(yes.call?.name, 'book_appointment');
  assert.deepEqual(yes.call?.arguments, { day: 'tuesday', time: '10:00' });
  const done = await call.result(yes.call, true, { reference: 'RC-1042', day: 'tuesday', time: '10:00' });
  assert.equal(done.text, "You're booked for Tuesday at ten A M. Your reference is R C, one zero four two. Is there anything else I can help with?");
  assert.equal(done.call, undefined);
});

test('a day said again with the time replaces the one given before', async () => {
  const call = await started();
  await call.say('book an appointment for tuesday');
  assert.equal((await call.say('actually wednesday at ten')).text, 'You said Wednesday at ten A M. Is that right?');
});

test('a no to the read-back asks for the slots again', async () => {
  const call = await started();
  await call.say('book tuesday at ten');
  assert.equal((await call.say('no')).text, "Okay, let's try again. What day would you like?");
  await call.say('thursday');
  assert.equal((await call.say('eleven thirty')).text, 'You said Thursday at eleven thirty A M. Is that right?');
});

test('a correction in reply to the read-back is read back again', async () => {
  const call = await started();
  await call.say('book tuesday at ten');
  assert.equal((await call.say('no, wednesday')).text, 'You said Wednesday at ten A M. Is that right?');
});

test('a failed booking apologises and offers the front desk; yes transfers', async () => {
  const call = await started();
  await call.say('book tuesday at ten');
  const yes = await call.say('yes');
  const failed = await call.result(yes.call, false, { error: 'no free slot' });
  assert.equal(failed.text, "Sorry, I couldn't book that. I can put you through to the front desk. Would you like that?");
  assert.equal(failed.call, undefined);
  const accept = await call.say('yes please');
  assert.equal(accept.call?.name, 'transfer_call');
  assert.match(accept.text, /put you through/);
});

test('declining the offer after a failure leads to "anything else?"', async () => {
  const call = await started();
  await call.say('book tuesday at ten');
  const yes = await call.say('yes');
  await call.result(yes.call, false, {});
  const no = await call.say('no');
  assert.equal(no.text, 'Is there anything else I can help with?');
  assert.equal(no.call, undefined);
});

test('a callback number said as digits with "oh" and "double"', async () => {
  const call = await started();
  assert.match((await call.say('can you call me back')).text, /What number should we call\?/);
  const email = await call.say('its oh seven seven double oh, nine double oh, one two three');
  assert.equal(email.text, 'And what email address should we send the details to?');
  const readBack = await call.say('jane dot doe at gmail dot com');
  assert.equal(readBack.text, "That's zero seven seven zero zero, nine zero zero, one two three, and jane dot doe at gmail dot com. Is that right?");
  const yes = await call.say('correct');
  assert.equal(yes.call?.name, 'take_callback');
  assert.deepEqual(yes.call?.arguments, { phone: '07700900123' }, 'the email is not an argument of take_callback');
  const done = await call.result(yes.call, true, { reference: 'CB7' });
  assert.match(done.text, /^Thanks\. We'll call you back soon, and email the details to jane dot doe at gmail dot com\. Your reference is C B, seven\./);
});

test('a callback number keyed in with DTMF, ending with #, across several key turns', async () => {
  const call = await started();
  await call.keys('3');
  const partial = await call.keys('0770');
  assert.equal(partial.text, '', 'silent while keys are still coming');
  assert.equal((await call.keys('0900123#')).text, 'And what email address should we send the details to?');
  const readBack = await call.say('john dot smith at example dot com');
  assert.equal(readBack.text, "That's zero seven seven zero zero, nine zero zero, one two three, and john dot smith at example dot com. Is that right?");
});

test('a callback number given in the request itself is not asked again', async () => {
  const call = await started();
  const move = await call.say('please call me back on five five five, one two three, four five six seven');
  assert.equal(move.text, 'Sure. And what email address should we send the details to?');
  const readBack = await call.say('it is mary at riverside dot org');
  assert.equal(readBack.text, "That's five five five, one two three, four five six seven, and mary at riverside dot org. Is that right?");
});

test('a keyed-in number without # is taken once it has enough digits', async () => {
  const call = await started();
  await call.keys('3');
  assert.equal((await call.keys('555')).text, '');
  assert.equal((await call.keys('1234')).text, 'And what email address should we send the details to?');
  const readBack = await call.say('jdoe at yahoo dot com');
  assert.equal(readBack.text, "That's five five five, one two three four, and jdoe at yahoo dot com. Is that right?");
});

test('the corpus callback utterance is read back and passed on as digits', async () => {
  const call = await started();
  await call.say('please call me back');
  await call.say('my number is five five five one two three four');
  await call.say('john dot smith at example dot com');
  const yes = await call.say('yes please');
  assert.deepEqual(yes.call?.arguments, { phone: '5551234' });
});

test('a number and an email address in one answer fill both slots', async () => {
  const call = await started();
  await call.say('please call me back');
  const readBack = await call.say('five five five one two three four and my email is jane underscore doe at example dot co dot uk');
  assert.equal(readBack.text, "That's five five five, one two three four, and jane underscore doe at example dot co dot uk. Is that right?");
});

test('an email address that is not one is asked again; a corrected one is read back again', async () => {
  const call = await started();
  await call.keys('3');
  await call.keys('5551234#');
  const miss = await call.say('at the clinic');
  assert.equal(miss.text, 'Sorry, which email address? Please say dot and at as words.');
  assert.match((await call.say('john at example dot com')).text, /and john at example dot com\. Is that right\?$/);
  const corrected = await call.say('no it is jane at example dot com');
  assert.equal(corrected.text, "That's five five five, one two three four, and jane at example dot com. Is that right?");
  const yes = await call.say('yes');
  assert.deepEqual(yes.call?.arguments, { phone: '5551234' });
});

test('card details are not taken: the payment intent asks the caller not to give them', async () => {
  const call = await started();
  const move = await call.say('my card number is four one one one one one one one one one one one one one one one');
  assert.match(move.text, /^For your security, please don't give card details on this call\..*Is there anything else I can help with\?$/);
  assert.equal(move.call, undefined);
});

test('too short a number is asked again', async () => {
  const call = await started();
  await call.say('callback please');
  const move = await call.say('five five five one two');
  assert.match(move.text, /^Sorry, I didn't get the whole number\./);
});

test('two misses in a row escalate to transfer_call', async () => {
  const call = await started();
  const first = await call.say('blah the the weather');
  assert.match(first.text, /^Sorry, I didn't catch that\./);
  assert.equal(first.call, undefined);
  const second = await call.say('hmm');
  assert.equal(second.text, 'Let me put you through to the front desk.');
  assert.equal(second.call?.name, 'transfer_call');
  assert.deepEqual(second.call?.arguments, { reason: 'no_match' });
});

test('a miss followed by a match resets the count', async () => {
  const call = await started();
  await call.say('blah');
  await call.say('opening hours');
  const miss = await call.say('purple');
  assert.equal(miss.call, undefined);
});

test('"talk to a human" transfers the call', async () => {
  const call = await started();
  const move = await call.say('can i talk to a human please');
  assert.equal(move.text, 'Sure. Let me put you through.');
  assert.deepEqual(move.call?.arguments, { reason: 'caller asked for a person' });
  assert.equal(move.call?.name, 'transfer_call');
});

test('asking for a person in the middle of a booking transfers too', async () => {
  const call = await started();
  await call.say('book an appointment');
  const move = await call.say('actually let me speak to the receptionist');
  assert.equal(move.call?.name, 'transfer_call');
});

test('DTMF 0 reaches a person from the menu', async () => {
  const call = await started();
  assert.equal((await call.keys('0')).call?.name, 'transfer_call');
});

test('a menu key said instead of pressed works like the key', async () => {
  const call = await started();
  await call.say('blah');
  assert.equal((await call.say('press two')).text, 'Sure. What day would you like?');
});

test('goodbye ends the call with end_call', async () => {
  const call = await started();
  const move = await call.say("that's all bye");
  assert.equal(move.text, 'Thanks for calling Riverside Clinic. Goodbye.');
  assert.equal(move.call?.name, 'end_call');
});

test('a "no" to "anything else?" says goodbye and ends the call', async () => {
  const call = await started();
  await call.say('what are your hours');
  const move = await call.say('no thank you');
  assert.equal(move.call?.name, 'end_call');
  assert.match(move.text, /Goodbye\.$/);
});

test('a "yes" to "anything else?" asks what', async () => {
  const call = await started();
  await call.say('what are your hours');
  assert.equal((await call.say('yes')).text, 'Sure. What can I help with?');
});

test('nothing more is said once end_call is out', async () => {
  const call = await started();
  const bye = await call.say('goodbye');
  const after = await call.result(bye.call, true, {});
  assert.equal(after.text, '');
  assert.equal(after.call, undefined);
});

test('an answer that interrupted its question is accepted', async () => {
  const call = await started();
  await call.say('book an appointment'); // "Sure. What day would you like?"
  const move = await call.say('tuesday', 1); // heard only "Sure."
  assert.equal(move.text, 'And what time?');
});

test('a non-answer that interrupted the question hears the question again, not a reprompt', async () => {
  const call = await started();
  await call.say('book an appointment');
  const move = await call.say('um', 2); // heard "Sure. What"
  assert.equal(move.text, 'What day would you like?');
  assert.equal(call.state.misses, 0);
});

test('a non-answer over a reply the caller heard none of hears it again', async () => {
  const call = await started();
  await call.say('book an appointment');
  call.messages.pop(); // the session keeps no message for a reply cut before any of it was heard
  const move = await call.say('hello');
  assert.equal(move.text, 'Sure. What day would you like?');
  assert.equal(call.state.misses, 0);
});

test('a turn after a transfer that did not happen is answered, a miss is not reprompted', async () => {
  const call = await started();
  await call.say('operator');
  assert.match((await call.say('what are your hours')).text, /^We're open/);
  const call2 = await started();
  await call2.say('operator');
  const miss = await call2.say('hello');
  assert.equal(miss.text, '');
  assert.equal(miss.call, undefined);
});

test('a yes that cut the read-back short is taken', async () => {
  const call = await started();
  await call.say('book tuesday at ten');
  const move = await call.say('yes', 4); // heard "You said Tuesday at"
  assert.equal(move.call?.name, 'book_appointment');
});

test('resumeAfterBargeIn resumes from the sentence that was cut', () => {
  const said = 'You are booked. Your reference is R C. Is there anything else?';
  assert.equal(resumeAfterBargeIn(said, 'You are booked. Your'), 'Your reference is R C. Is there anything else?');
  assert.equal(resumeAfterBargeIn(said, said), undefined);
});

test('a repeat request repeats the last reply without counting a miss', async () => {
  const call = await started();
  await call.say('book an appointment');
  const move = await call.say('sorry can you repeat that');
  assert.equal(move.text, 'Sure. What day would you like?');
  assert.equal(call.state.misses, 0);
});

test('slot reprompts escalate after the slot\'s attempts', async () => {
  const call = await started();
  await call.say('book an appointment');
  assert.match((await call.say('whenever')).text, /^Sorry, which day\?/);
  assert.match((await call.say('dunno')).text, /^Please say a day of the week/);
  const third = await call.say('hmm');
  assert.equal(third.call?.name, 'transfer_call');
});

test('state survives JSON and a fresh engine instance mid-call', async () => {
  const call = await started();
  await call.say('book an appointment');
  call.engine = new FlowEngine(frontDesk, { now }); // another process picks the call up
  await call.say('friday');
  const move = await call.say('at noon');
  assert.equal(move.text, 'You said Friday at twelve noon. Is that right?');
  assert.deepEqual(JSON.parse(JSON.stringify(call.state)), call.state);
});

test('a state from another flow or version starts afresh with the greeting', async () => {
  const call = new Call();
  call.stateJson = JSON.stringify({ v: 99, phase: 'confirm' });
  assert.equal((await call.start()).text, frontDesk.greeting);
});

test('speech while a tool runs re-issues the same call (same id, so idempotent)', async () => {
  const call = await started();
  await call.say('book tuesday at ten');
  const yes = await call.say('yes');
  const again = await call.say('hello?');
  assert.equal(again.text, 'One moment please.');
  assert.equal(again.call?.id, yes.call?.id);
});

test('a failed transfer apologises and offers a callback', async () => {
  const call = await started();
  const t = await call.say('operator');
  const failed = await call.result(t.call, false, { error: 'no answer' });
  assert.match(failed.text, /^Sorry, no one is free/);
  assert.match((await call.say('yes')).text, /What number should we call\?/);
});

test('an aborted generate emits nothing more, not even the state', async () => {
  const engine = new FlowEngine(frontDesk, { now });
  const ac = new AbortController();
  const chunks: DialogueChunk[] = [];
  for await (const c of engine.generate({ sessionId: 's', agent: 'a', messages: [], tools: [], state: {} }, ac.signal)) {
    chunks.push(c);
    if (chunks.length === 2) ac.abort();
  }
  assert.equal(chunks.length, 2);
  assert.ok(chunks.every((c) => c.type === 'text'));
});

test('a text slot, no confirmation and then: end, in a small custom flow', async () => {
  const flow: AgentFlow = validateFlow({
    version: 1,
    name: 'message',
    greeting: 'Hello.',
    intents: [
      {
        id: 'message',
        keywords: ['message'],
        collect: [{ name: 'name', type: 'text', prompt: 'Your name?' }],
        tool: { name: 'leave_message', args: { who: 'name' }, success: 'Thanks {name}.', failure: { say: 'Sorry.' } },
        then: 'end',
        reason: 'message_left',
      },
    ],
    noMatch: { reprompts: ['Sorry?'], say: 'Goodbye.', then: 'end' },
    goodbye: { say: 'Bye.', keywords: ['bye'] },
  });
  const call = new Call(new FlowEngine(flow, { now }));
  await call.start();
  await call.say('leave a message');
  const tool = await call.say('my name is Ann Lee');
  assert.deepEqual(tool.call?.arguments, { who: 'Ann Lee' });
  const done = await call.result(tool.call, true, { ok: true });
  assert.equal(done.text, 'Thanks Ann Lee.');
  assert.deepEqual(done.call?.arguments, { reason: 'message_left' });
  assert.equal(done.call?.name, 'end_call');
});
