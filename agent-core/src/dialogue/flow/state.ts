/**
 * The flow engine's per-call state. The session stores it as JSON between turns and hands it back; it is
 * checked on the way in, and anything unusable (another flow's, another version, hand-edited) starts afresh.
 */
import type { SlotValue } from './slots.js';

/**
 * new: nothing said yet; menu: waiting for what the caller wants; anything_else: "anything else?" was asked;
 * collect: a slot's prompt was asked; confirm: the read-back was asked; tool: a tool call is out;
 * offer: a fallback's yes/no offer was asked; transfer: transfer_call is out; ended: end_call is out or the
 * transfer succeeded.
 */
export const FLOW_PHASES = ['new', 'menu', 'anything_else', 'collect', 'confirm', 'tool', 'offer', 'transfer', 'ended'] as const;
export type FlowPhase = (typeof FLOW_PHASES)[number];

export interface PendingCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

/** JSON-safe (a type alias, so it is a DialogueState as it is). */
export type FlowState = {
  v: 1;
  /** the flow's name: a state from another flow is not reused */
  flow: string;
  phase: FlowPhase;
  /** the intent being served (collect, confirm, tool) */
  intent?: string;
  /** the slot whose prompt was asked */
  slot?: string;
  slots: Record<string, SlotValue>;
  /** misses in a row on the current question */
  misses: number;
  /** the tool call waiting for its result */
  pending?: PendingCall;
  /** the intent offered by a fallback */
  offer?: string;
  /** everything the agent said in its last spoken turn (for repeats and resuming after a barge-in) */
  lastSaid: string;
  /** tool calls made so far (their ids count up) */
  seq: number;
  /** DTMF keys typed so far for a phone slot, before # */
  dtmf: string;
};

export function freshState(flow: string): FlowState {
  return { v: 1, flow, phase: 'new', slots: {}, misses: 0, lastSaid: '', seq: 0, dtmf: '' };
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const optString = (x: unknown) => x === undefined || typeof x === 'string';
const count = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 0;

function isSlotValue(x: unknown): x is SlotValue {
  return isObject(x) && (typeof x.value === 'string' || typeof x.value === 'boolean') && typeof x.spoken === 'string';
}

function isPending(x: unknown): x is PendingCall {
  return isObject(x) && typeof x.id === 'string' && typeof x.name === 'string' && isObject(x.args);
}

/** The state handed back by the session, or a fresh one when it is empty or not this flow's. */
export function readState(raw: unknown, flow: string): FlowState {
  if (!isObject(raw) || raw.v !== 1 || raw.flow !== flow) return freshState(flow);
  const ok =
    typeof raw.phase === 'string' &&
    (FLOW_PHASES as readonly string[]).includes(raw.phase) &&
    optString(raw.intent) &&
    optString(raw.slot) &&
    isObject(raw.slots) &&
    Object.values(raw.slots).every(isSlotValue) &&
    count(raw.misses) &&
    (raw.pending === undefined || isPending(raw.pending)) &&
    optString(raw.offer) &&
    typeof raw.lastSaid === 'string' &&
    count(raw.seq) &&
    typeof raw.dtmf === 'string';
  if (!ok) return freshState(flow);
  // a deep copy: the engine mutates its working state, never the caller's object
  return JSON.parse(JSON.stringify(raw)) as FlowState;
}
