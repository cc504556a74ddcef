/**
 * Conversation scripts for `npm run call`: a JSON list of caller turns (or `{ "turns": [...] }` with a
 * description beside it). A turn says a sentence (`{ "say": "..." }`, optionally `"interrupt": true`: start
 * speaking about a second into the agent's reply instead of waiting for it to end) or keys digits
 * (`{ "dtmf": "0" }`, RFC 4733). A bad script is refused with a message naming the turn.
 */
import { readFileSync } from 'node:fs';

export type ScriptTurn =
  | { kind: 'say'; text: string; interrupt: boolean }
  | { kind: 'dtmf'; digits: string; interrupt: boolean };

export interface ConversationScript {
  /** where it came from (a file path, or "inline") */
  source: string;
  description?: string;
  turns: ScriptTurn[];
}

export class ScriptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScriptError';
  }
}

/** the keys RFC 4733 can carry, in event-code order: 0–9 = 0–9, * = 10, # = 11, A–D = 12–15 */
const DTMF_KEYS = '0123456789*#ABCD';

/** RFC 4733 event code of a key, or undefined */
export function dtmfEvent(key: string): number | undefined {
  const i = DTMF_KEYS.indexOf(key.toUpperCase());
  return i >= 0 && key.length === 1 ? i : undefined;
}

const MAX_SAY = 500;

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'string' ? `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}"` : typeof v;
}

/** Validates parsed JSON as a script; throws ScriptError naming the turn (1-based) and what is wrong. */
export function parseScript(raw: unknown, source = 'inline'): ConversationScript {
  let list: unknown = raw;
  let description: string | undefined;
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const o = raw as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!['turns', 'description', 'agent'].includes(k)) throw new ScriptError(`${source}: unknown field "${k}" (expected "turns", "description", "agent")`);
    }
    if (o.description !== undefined && typeof o.description !== 'string') throw new ScriptError(`${source}: "description" must be a string`);
    description = o.description as string | undefined;
    list = o.turns;
  }
  if (!Array.isArray(list)) throw new ScriptError(`${source}: expected a list of turns (or {"turns": [...]}), got ${describeValue(list)}`);
  if (list.length === 0) throw new ScriptError(`${source}: the script has no turns`);
  const turns = list.map((t, i) => parseTurn(t, `${source}: turn ${i + 1}`));
  return { source, ...(description ? { description } : {}), turns };
}

function parseTurn(t: unknown, where: string): ScriptTurn {
  if (t === null || typeof t !== 'object' || Array.isArray(t)) throw new ScriptError(`${where}: expected an object like {"say": "..."} or {"dtmf": "0"}, got ${describeValue(t)}`);
  const o = t as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!['say', 'dtmf', 'interrupt'].includes(k)) throw new ScriptError(`${where}: unknown field "${k}" (expected "say", "dtmf" or "interrupt")`);
  }
  if (o.interrupt !== undefined && typeof o.interrupt !== 'boolean') throw new ScriptError(`${where}: "interrupt" must be true or false, got ${describeValue(o.interrupt)}`);
  const interrupt = o.interrupt === true;
  if (o.say !== undefined && o.dtmf !== undefined) throw new ScriptError(`${where}: a turn either says something or keys digits, not both`);
  if (o.say !== undefined) {
    if (typeof o.say !== 'string') throw new ScriptError(`${where}: "say" must be a string, got ${describeValue(o.say)}`);
    const text = o.say.trim();
    if (!text) throw new ScriptError(`${where}: "say" is empty`);
    if (text.length > MAX_SAY) throw new ScriptError(`${where}: "say" is longer than ${MAX_SAY} characters`);
    if (!/[\p{L}\p{N}]/u.test(text)) throw new ScriptError(`${where}: "say" has nothing to pronounce: "${text}"`);
    return { kind: 'say', text, interrupt };
  }
  if (o.dtmf !== undefined) {
    if (typeof o.dtmf !== 'string' && typeof o.dtmf !== 'number') throw new ScriptError(`${where}: "dtmf" must be a string of keys, got ${describeValue(o.dtmf)}`);
    const digits = String(o.dtmf).replace(/\s+/g, '').toUpperCase();
    if (!digits) throw new ScriptError(`${where}: "dtmf" is empty`);
    if (digits.length > 32) throw new ScriptError(`${where}: "dtmf" has more than 32 keys`);
    const bad = [...digits].find((d) => dtmfEvent(d) === undefined);
    if (bad !== undefined) throw new ScriptError(`${where}: "dtmf" key "${bad}" is not one of 0-9 * # A-D`);
    return { kind: 'dtmf', digits, interrupt };
  }
  throw new ScriptError(`${where}: needs "say" (a sentence) or "dtmf" (keys)`);
}

/** Reads and validates a script file. */
export function loadScript(path: string): ConversationScript {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ScriptError(`cannot read the conversation script ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ScriptError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseScript(raw, path);
}

/** the script with every `interrupt` turned off (`--no-interrupt`) */
export function withoutInterrupts(s: ConversationScript): ConversationScript {
  return { ...s, turns: s.turns.map((t) => ({ ...t, interrupt: false })) };
}

/** how the turn reads in the transcript when no live event says what was heard */
export function turnLabel(t: ScriptTurn): string {
  return t.kind === 'say' ? t.text : `keypad ${t.digits.split('').join(' ')}`;
}
