/**
 * The flow engine: a deterministic DialogueModel that runs an agent flow (contracts/src/agent-flow/v1.ts)
 * instead of a language model. Each `generate` is one move: it reads the last message (the caller's turn, or
 * the result of the tool call it asked for), advances the per-call state the session keeps for it, streams
 * the reply word by word, then any tool call, then the new state (always last).
 *
 * Moves, in the flow's terms: greeting → the caller's intent (words or a DTMF key) → the intent's answer,
 * slots asked one by one (values already said are not asked again), a read-back with yes/no, the tool call and
 * its success or failure line (a failure may offer another intent), then "anything else?"; a "no" there, or
 * a goodbye anywhere, ends the call. Misses are reprompted, then escalated (transfer or end). A caller who
 * barged in before hearing the question and said something that does not answer it hears the question again
 * (from the sentence that was cut); an answer is taken however much of the question was heard.
 */
import type { AgentFlow, FlowFallback, FlowIntent, FlowSlot } from '@callgate/contracts';
import type { DialogueChunk, DialogueMessage, DialogueModel, DialogueRequest, ToolCall } from '../../providers/ports.js';
import { GOODBYE_ID, goodbyeRecognisable, intentById, isRepeatRequest, matchIntent, spokenKey, type Recognisable } from './match.js';
import { parseSlot, parseYesNo, phoneFromDtmf, type DayContext, type SlotValue } from './slots.js';
import { freshState, readState, type FlowState } from './state.js';
import { render } from './template.js';
import { sentences, words } from './text.js';

export interface FlowEngineOptions {
  /** the DialogueModel id (default `flow`) */
  id?: string;
  /** clock for "today"/"tomorrow" (default: the system clock) */
  now?: () => Date;
}

/** One move, before it is streamed. */
export interface FlowTurn {
  /** what the agent says (may be empty) */
  text: string;
  call?: ToolCall;
  state: FlowState;
}

/** What the caller's turn carries, and what the engine knows about the reply it interrupted. */
interface Heard {
  text: string;
  dtmf: string;
  /** the unheard rest of the last reply (from the sentence that was cut) when the caller barged in */
  resume?: string;
}

/** Collects one move's words and tool call. */
class Reply {
  readonly parts: string[] = [];
  call?: ToolCall;
  say(text: string): void {
    const t = text.trim();
    if (t) this.parts.push(t);
  }
  get text(): string {
    return this.parts.join(' ');
  }
}

/** The rest of `said` from the sentence in which the caller cut it off; undefined when all of it was heard. */
export function resumeAfterBargeIn(said: string, heard: string): string | undefined {
  const heardWords = words(heard).length;
  const ss = sentences(said);
  let seen = 0;
  for (let i = 0; i < ss.length; i++) {
    const n = words(ss[i]!).length;
    if (heardWords < seen + n) return ss.slice(i).join(' ');
    seen += n;
  }
  return undefined;
}

/**
 * What the caller heard of the agent's last reply before their turn: the heard part when they barged in on it,
 * '' when they heard none of it (the session keeps no message for a reply cut before any of it was heard,
 * so two caller turns follow each other), undefined when they heard it all.
 */
function heardOfLastReply(messages: DialogueMessage[]): string | undefined {
  for (let i = messages.length - 2; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role === 'assistant') return m.interrupted ? m.content : undefined;
    if (m.role === 'user') return '';
  }
  return undefined;
}

function parseResult(content: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    return content;
  }
}

export class FlowEngine implements DialogueModel {
  readonly id: string;
  private readonly now: () => Date;

  constructor(
    readonly flow: AgentFlow,
    options: FlowEngineOptions = {},
  ) {
    this.id = options.id ?? 'flow';
    this.now = options.now ?? (() => new Date());
  }

  async *generate(request: DialogueRequest, signal: AbortSignal): AsyncIterable<DialogueChunk> {
    if (signal.aborted) return;
    const turn = this.step(request);
    const ws = turn.text.split(/\s+/).filter((w) => w.length > 0);
    for (let i = 0; i < ws.length; i++) {
      if (signal.aborted) return;
      yield { type: 'text', text: i < ws.length - 1 ? `${ws[i]!} ` : ws[i]! };
    }
    if (signal.aborted) return;
    if (turn.call) yield { type: 'tool_call', call: turn.call };
    if (signal.aborted) return;
    yield { type: 'state', state: JSON.parse(JSON.stringify(turn.state)) as FlowState };
  }

  /** Computes one move without streaming it (what `generate` streams). */
  step(request: DialogueRequest): FlowTurn {
    const st = readState(request.state, this.flow.name);
    const r = new Reply();
    const last = request.messages[request.messages.length - 1];
    if (last?.role === 'tool') {
      this.onToolResult(st, last, r);
    } else if (last?.role === 'user') {
      if (st.phase === 'new') st.phase = 'menu';
      const heard = heardOfLastReply(request.messages);
      const resume = heard !== undefined && st.lastSaid ? resumeAfterBargeIn(st.lastSaid, heard) : undefined;
      this.onCaller(st, { text: last.content ?? '', dtmf: last.dtmf ?? '', resume }, r);
    } else if (st.phase === 'new') {
      r.say(this.flow.greeting);
      st.phase = 'menu';
    } else if (['menu', 'anything_else', 'collect', 'confirm', 'offer'].includes(st.phase)) {
      // asked again without a new turn (a resumed link): say the pending question again
      r.say(st.lastSaid);
    }
    if (r.parts.length) st.lastSaid = r.text;
    return r.call ? { text: r.text, call: r.call, state: st } : { text: r.text, state: st };
  }

  // ------------------------------------------------------------------------------------------ turn handlers

  private onCaller(st: FlowState, heard: Heard, r: Reply): void {
    switch (st.phase) {
      case 'new':
      case 'menu':
      case 'anything_else':
        return this.atMenu(st, heard, r);
      case 'collect':
        return this.atCollect(st, heard, r);
      case 'confirm':
        return this.atConfirm(st, heard, r);
      case 'offer':
        return this.atOffer(st, heard, r);
      case 'tool':
        // the caller spoke before the result came back: ask again under the same id (idempotent)
        r.say(this.flow.wait);
        if (st.pending) r.call = { id: st.pending.id, name: st.pending.name, arguments: st.pending.args };
        return;
      case 'transfer':
      case 'ended':
        // the transfer or hangup did not happen (the session would not pass a turn otherwise): answer what is
        // recognisable, but do not reprompt or escalate again
        st.pending = undefined;
        st.phase = 'menu';
        st.misses = 0;
        return this.atMenu(st, { ...heard, resume: undefined }, r, true);
    }
  }

  private atMenu(st: FlowState, heard: Heard, r: Reply, quietMiss = false): void {
    // a key pressed, or said ("press one") after the reprompt listed the keys
    const keys = heard.dtmf || spokenKey(heard.text);
    if (keys) {
      const intent = this.intentForKeys(keys, false);
      if (intent) return this.startIntent(st, intent, '', r);
      if (heard.dtmf) return quietMiss ? undefined : this.menuMiss(st, heard, r);
    }
    if (isRepeatRequest(heard.text) && st.lastSaid) return r.say(st.lastSaid);
    const m = matchIntent(this.flow, heard.text);
    if (m?.id === GOODBYE_ID) return this.goodbye(st, r);
    const intent = m && intentById(this.flow, m.id);
    if (intent) return this.startIntent(st, intent, heard.text, r);
    if (st.phase === 'anything_else') {
      const yes = parseYesNo(heard.text);
      if (yes === false) return this.goodbye(st, r);
      if (yes === true) {
        r.say(this.flow.anythingElse.whatElse);
        st.phase = 'menu';
        st.misses = 0;
        return;
      }
    }
    if (!quietMiss) this.menuMiss(st, heard, r);
  }

  private atCollect(st: FlowState, heard: Heard, r: Reply): void {
    const intent = st.intent ? intentById(this.flow, st.intent) : undefined;
    const slot = intent?.collect.find((s) => s.name === st.slot);
    if (!intent || !slot) return this.toMenu(st, heard, r);
    if (heard.dtmf) return this.collectKeys(st, intent, slot, heard, r);
    st.dtmf = ''; // the caller spoke instead of finishing the keys
    if (this.switchTo(st, heard.text, this.anytime(), r)) return;
    const value = parseSlot(slot, heard.text, 'asked', this.dayContext());
    if (value) {
      st.slots[slot.name] = value;
      this.extract(st, intent, heard.text, true);
      return this.advance(st, intent, r);
    }
    // not this slot, but another one ("at ten" when the day was asked): keep it, ask this one again
    if (this.extract(st, intent, heard.text, true) > 0) return this.advance(st, intent, r);
    if (isRepeatRequest(heard.text) && st.lastSaid) return r.say(st.lastSaid);
    if (this.switchTo(st, heard.text, this.others(intent.id), r)) return;
    this.slotMiss(st, slot, heard, r);
  }

  private atConfirm(st: FlowState, heard: Heard, r: Reply): void {
    const intent = st.intent ? intentById(this.flow, st.intent) : undefined;
    if (!intent?.confirm) return this.toMenu(st, heard, r);
    if (heard.dtmf) {
      const key = this.intentForKeys(heard.dtmf, true);
      return key ? this.startIntent(st, key, '', r) : this.confirmMiss(st, intent, heard, r);
    }
    if (this.switchTo(st, heard.text, this.anytime(), r)) return;
    if (isRepeatRequest(heard.text) && st.lastSaid) return r.say(st.lastSaid);
    // "no, Wednesday": a correction read back again
    const changed = this.corrections(st, intent, heard.text);
    if (changed.length > 0) {
      for (const [name, v] of changed) st.slots[name] = v;
      st.misses = 0;
      return r.say(render(intent.confirm, { slots: st.slots }));
    }
    const yes = parseYesNo(heard.text);
    if (yes === true) {
      st.misses = 0;
      return this.execute(st, intent, r);
    }
    if (yes === false) {
      st.slots = {};
      r.say(this.flow.confirmRetry);
      return this.advance(st, intent, r);
    }
    if (this.switchTo(st, heard.text, this.others(intent.id), r)) return;
    this.confirmMiss(st, intent, heard, r);
  }

  private atOffer(st: FlowState, heard: Heard, r: Reply): void {
    const offered = st.offer ? intentById(this.flow, st.offer) : undefined;
    if (!offered) return this.toMenu(st, heard, r);
    if (heard.dtmf) {
      const key = this.intentForKeys(heard.dtmf, true);
      return key ? this.startIntent(st, key, '', r) : this.yesNoMiss(st, heard, r);
    }
    if (isRepeatRequest(heard.text) && st.lastSaid) return r.say(st.lastSaid);
    if (this.switchTo(st, heard.text, this.flow.intents, r)) return;
    const yes = parseYesNo(heard.text);
    if (yes === true) return this.startIntent(st, offered, '', r);
    if (yes === false) return this.anythingElse(st, r);
    if (this.switchTo(st, heard.text, [goodbyeRecognisable(this.flow)], r)) return;
    this.yesNoMiss(st, heard, r);
  }

  private onToolResult(st: FlowState, msg: Extract<DialogueMessage, { role: 'tool' }>, r: Reply): void {
    const pending = st.pending;
    if (!pending || msg.toolCallId !== pending.id) return; // not the call we wait for: nothing to say
    st.pending = undefined;
    if (pending.name === 'end_call') {
      st.phase = 'ended';
      return;
    }
    if (pending.name === 'transfer_call') {
      if (msg.ok) {
        st.phase = 'ended';
        return;
      }
      return this.fallback(st, this.flow.transferFailure, r);
    }
    const intent = st.intent ? intentById(this.flow, st.intent) : undefined;
    if (!intent?.tool) return this.anythingElse(st, r);
    if (!msg.ok) return this.fallback(st, intent.tool.failure, r);
    r.say(render(intent.tool.success, { slots: st.slots, result: parseResult(msg.content) }));
    this.finish(st, intent, r);
  }

  // ------------------------------------------------------------------------------------------------ moves

  private startIntent(st: FlowState, intent: FlowIntent, text: string, r: Reply): void {
    st.intent = intent.id;
    st.slot = undefined;
    st.slots = {};
    st.misses = 0;
    st.offer = undefined;
    st.dtmf = '';
    if (intent.say) r.say(intent.say);
    if (text) this.extract(st, intent, text);
    this.advance(st, intent, r);
  }

  /** Asks the next empty slot, or reads back, or runs the intent. */
  private advance(st: FlowState, intent: FlowIntent, r: Reply): void {
    const next = intent.collect.find((s) => !st.slots[s.name]);
    if (next) {
      if (st.phase !== 'collect' || st.slot !== next.name) st.misses = 0;
      st.phase = 'collect';
      st.slot = next.name;
      return r.say(this.prompt(st, next));
    }
    st.slot = undefined;
    st.misses = 0;
    if (intent.confirm) {
      st.phase = 'confirm';
      return r.say(render(intent.confirm, { slots: st.slots }));
    }
    this.execute(st, intent, r);
  }

  /** The intent's tool call, or straight to what follows it. */
  private execute(st: FlowState, intent: FlowIntent, r: Reply): void {
    const tool = intent.tool;
    if (!tool) return this.finish(st, intent, r);
    const args: Record<string, unknown> = {};
    for (const [arg, slotName] of Object.entries(tool.args)) {
      const v = st.slots[slotName];
      if (v) args[arg] = v.value;
    }
    if (tool.wait) r.say(render(tool.wait, { slots: st.slots }));
    st.phase = 'tool';
    this.call(st, tool.name, args, r);
  }

  private finish(st: FlowState, intent: FlowIntent, r: Reply): void {
    if (intent.then === 'transfer') return this.transfer(st, intent.reason ?? intent.id, r);
    if (intent.then === 'end') return this.end(st, intent.reason ?? intent.id, r);
    this.anythingElse(st, r);
  }

  private anythingElse(st: FlowState, r: Reply): void {
    r.say(this.flow.anythingElse.prompt);
    st.phase = 'anything_else';
    st.intent = undefined;
    st.slot = undefined;
    st.slots = {};
    st.offer = undefined;
    st.misses = 0;
  }

  private fallback(st: FlowState, fb: FlowFallback, r: Reply): void {
    r.say(render(fb.say, { slots: st.slots }));
    if (fb.offer === undefined) return this.anythingElse(st, r);
    st.phase = 'offer';
    st.offer = fb.offer;
    st.misses = 0;
  }

  private goodbye(st: FlowState, r: Reply): void {
    r.say(this.flow.goodbye.say);
    this.end(st, this.flow.goodbye.reason, r);
  }

  private transfer(st: FlowState, reason: string, r: Reply): void {
    st.phase = 'transfer';
    this.call(st, 'transfer_call', { reason }, r);
  }

  private end(st: FlowState, reason: string, r: Reply): void {
    st.phase = 'ended';
    this.call(st, 'end_call', { reason }, r);
  }

  private call(st: FlowState, name: string, args: Record<string, unknown>, r: Reply): void {
    st.seq += 1;
    const call: ToolCall = { id: `flow-${st.seq}`, name, arguments: args };
    st.pending = { id: call.id, name, args };
    r.call = call;
  }

  private escalate(st: FlowState, r: Reply): void {
    r.say(this.flow.noMatch.say);
    if (this.flow.noMatch.then === 'end') this.end(st, this.flow.noMatch.reason, r);
    else this.transfer(st, this.flow.noMatch.reason, r);
  }

  // ------------------------------------------------------------------------------------------------ misses

  /**
   * Nothing usable was heard. A caller who cut the question off hears it again (not counted: they did not hear
   * it); otherwise the miss counts, and `limit` misses in a row escalate.
   */
  private miss(st: FlowState, heard: Heard, r: Reply, limit: number, reprompt: (n: number) => string): void {
    if (heard.resume) return r.say(heard.resume);
    st.misses += 1;
    if (st.misses >= limit) return this.escalate(st, r);
    r.say(reprompt(st.misses));
  }

  private slotMiss(st: FlowState, slot: FlowSlot, heard: Heard, r: Reply): void {
    const list = slot.reprompts;
    this.miss(st, heard, r, slot.maxAttempts, (n) => list[Math.min(n, list.length) - 1] ?? `Sorry, ${lowerFirst(this.prompt(st, slot))}`);
  }

  private menuMiss(st: FlowState, heard: Heard, r: Reply): void {
    const list = this.flow.noMatch.reprompts;
    this.miss(st, heard, r, this.flow.noMatch.escalateAfter, (n) => list[Math.min(n, list.length) - 1]!);
  }

  private confirmMiss(st: FlowState, intent: FlowIntent, heard: Heard, r: Reply): void {
    const confirm = intent.confirm ?? '';
    this.miss(st, heard, r, this.flow.noMatch.escalateAfter, () => `${this.flow.yesNoReprompt} ${render(confirm, { slots: st.slots })}`);
  }

  private yesNoMiss(st: FlowState, heard: Heard, r: Reply): void {
    this.miss(st, heard, r, this.flow.noMatch.escalateAfter, () => this.flow.yesNoReprompt);
  }

  // ----------------------------------------------------------------------------------------------- helpers

  /**
   * DTMF while a slot is asked: a phone number keyed in (ending with #, or with a pause once it has enough
   * digits; * starts over), or the key of an `anytime` intent.
   */
  private collectKeys(st: FlowState, intent: FlowIntent, slot: FlowSlot, heard: Heard, r: Reply): void {
    if (slot.type === 'phone' && /^[0-9*#]+$/.test(heard.dtmf)) {
      if (heard.dtmf.includes('*')) {
        st.dtmf = '';
        return r.say(this.prompt(st, slot));
      }
      const keys = st.dtmf + heard.dtmf;
      const digits = keys.replace(/[^0-9]/g, '');
      // keys come in turns closed by # or by a pause; a pause before the number is long enough means more
      // keys are coming: stay silent and keep them
      if (!keys.includes('#') && digits.length < slot.minDigits) {
        st.dtmf = keys;
        return;
      }
      st.dtmf = '';
      const value = phoneFromDtmf(keys, slot.minDigits, slot.maxDigits);
      if (value) {
        st.slots[slot.name] = value;
        return this.advance(st, intent, r);
      }
      return this.slotMiss(st, slot, { ...heard, resume: undefined }, r);
    }
    const key = this.intentForKeys(heard.dtmf, true);
    if (key) return this.startIntent(st, key, '', r);
    this.slotMiss(st, slot, heard, r);
  }

  /** The intent of the first mapped key pressed (only `anytime` intents when `anytimeOnly`). */
  private intentForKeys(keys: string, anytimeOnly: boolean): FlowIntent | undefined {
    for (const key of keys) {
      const id = this.flow.dtmf[key];
      const intent = id ? intentById(this.flow, id) : undefined;
      if (intent && (!anytimeOnly || intent.anytime)) return intent;
    }
    return undefined;
  }

  /** Starts the best of `candidates` (the goodbye included when passed) if it matches; true when it did. */
  private switchTo(st: FlowState, text: string, candidates: Recognisable[], r: Reply): boolean {
    if (!text.trim() || candidates.length === 0) return false;
    const m = matchIntent(this.flow, text, candidates);
    if (!m) return false;
    if (m.id === GOODBYE_ID) {
      this.goodbye(st, r);
      return true;
    }
    const intent = intentById(this.flow, m.id);
    if (!intent) return false;
    this.startIntent(st, intent, text, r);
    return true;
  }

  private anytime(): FlowIntent[] {
    return this.flow.intents.filter((i) => i.anytime);
  }

  /** Every intent but the current one, and the goodbye. */
  private others(current: string): Recognisable[] {
    return [...this.flow.intents.filter((i) => i.id !== current), goodbyeRecognisable(this.flow)];
  }

  /**
   * Slot values said in passing ("tomorrow at ten"): fills empty slots, and with `override` also replaces a
   * filled one the caller now says differently ("actually Wednesday"); returns how many changed.
   */
  private extract(st: FlowState, intent: FlowIntent, text: string, override = false): number {
    let n = 0;
    for (const slot of intent.collect) {
      const had = st.slots[slot.name];
      if (had && (!override || slot.name === st.slot)) continue;
      const v = parseSlot(slot, text, 'extract', this.dayContext());
      if (v && v.value !== had?.value) {
        st.slots[slot.name] = v;
        n++;
      }
    }
    return n;
  }

  /** Slot values in a reply to the read-back that differ from what was read back. */
  private corrections(st: FlowState, intent: FlowIntent, text: string): [string, SlotValue][] {
    const out: [string, SlotValue][] = [];
    for (const slot of intent.collect) {
      if (slot.type === 'text' || slot.type === 'yes_no') continue;
      const v = parseSlot(slot, text, 'asked', this.dayContext());
      if (v && v.value !== st.slots[slot.name]?.value) out.push([slot.name, v]);
    }
    return out;
  }

  private prompt(st: FlowState, slot: FlowSlot): string {
    return render(slot.prompt, { slots: st.slots });
  }

  /** The state no longer fits the flow (it changed under a live call): treat the turn as a fresh request. */
  private toMenu(st: FlowState, heard: Heard, r: Reply): void {
    Object.assign(st, { ...freshState(this.flow.name), phase: 'menu', seq: st.seq, lastSaid: st.lastSaid });
    this.atMenu(st, heard, r);
  }

  private dayContext(): DayContext {
    return { now: this.now(), timezone: this.flow.timezone };
  }
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
