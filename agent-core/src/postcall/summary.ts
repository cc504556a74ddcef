/**
 * The embedded extractive summary of an ended call: no model, deterministic, a few sentences, built only from
 * what the call recorded —
 *   the caller's most informative sentences (what they wanted: sentences with intent cues and content words),
 *   what the tools did ("Booked Tuesday 10:00 (ref A-1001)." from a booking tool's result),
 *   the agent's most informative confirmation (a sentence with a confirmation cue, not a question),
 *   how the call ended (transferred, hung up, ...).
 * Every sentence goes through the redactor before it is returned, so the summary holds redacted text only even
 * when a tool result carried something personal.
 */
import { redact } from '../privacy/index.js';
import type { CallSummary, SessionRecord, ToolCallRecord, TurnRecord } from './store-port.js';

export interface ExtractiveSummaryOptions {
  /** caller sentences kept (default 2) */
  callerSentences?: number;
  /** agent sentences kept (default 1) */
  agentSentences?: number;
  /** tool outcome sentences kept (default 3; the rest are counted in one more sentence) */
  toolSentences?: number;
  /** longer sentences are cut at a word boundary (default 200 characters) */
  maxSentenceChars?: number;
}

const STOPWORDS = new Set(
  (
    'a an the and or but if so of to in on at for with by from as is are was were be been being am do does did ' +
    'have has had i me my we us our you your he she it its they them their this that these those there here ' +
    'what which who whom when where why how not no yes yeah ok okay um uh er ah oh hi hello hey please thanks ' +
    'thank just can could would should will shall may might must also very really then than too about up out ' +
    'all any some one get got go going well like know see let right sure great good fine'
  ).split(' '),
);

/** words that say what the caller wants */
const INTENT_CUES =
  /\b(want(?:ed)?|need(?:s|ed)?|would like|i'd like|looking (?:for|to)|book(?:ing)?|appointment|schedul\w*|reschedul\w*|cancel\w*|change|move|order\w*|refund\w*|bill\w*|invoice|payment|pay|problem|issue|question|help|calling (?:about|to|because)|complain\w*|deliver\w*|call(?:ed)? me back|callback|speak (?:to|with)|talk to|open(?:ing)? hours|price|cost)\b/gi;

/** words that say the agent did or settled something */
const CONFIRMATION_CUES =
  /\b(booked|confirm\w*|scheduled|reserved|cancel(?:l)?ed|rescheduled|reference|transferr\w*|connect(?:ing)? you|will call|call you back|sent|emailed|updated|refund(?:ed)?|arranged|created|noted|recorded)\b/gi;

const COURTESY = /^(hi|hello|hey|thanks|thank you|bye|goodbye|ok|okay|yes|yeah|no|sure|great|good (?:morning|afternoon|evening))\b/i;

interface Candidate {
  text: string;
  score: number;
  /** position in the call, for ties and output order */
  order: number;
}

/** sentences of one turn's text (the whole text when it has no sentence punctuation) */
export function splitSentences(text: string): string[] {
  return text
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?])\s+(?=\S)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function words(sentence: string): string[] {
  return sentence.toLowerCase().match(/\[[a-z_]+(?::[0-9a-f]+)?\]|[a-z0-9][a-z0-9'’-]*/g) ?? [];
}

function contentWords(sentence: string): number {
  return words(sentence).filter((w) => !w.startsWith('[') && w.length > 2 && !STOPWORDS.has(w.replace(/['’].*$/, ''))).length;
}

function cueCount(sentence: string, cues: RegExp): number {
  return sentence.match(cues)?.length ?? 0;
}

function clip(sentence: string, max: number): string {
  let s = sentence.trim();
  if (s.length > max) {
    const cut = s.slice(0, max);
    const space = cut.lastIndexOf(' ');
    s = `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.-]+$/, '')}…`;
  }
  return /[.!?…]$/.test(s) ? s : `${s}.`;
}

function sortedTurns(turns: readonly TurnRecord[]): TurnRecord[] {
  return [...turns].sort((a, b) => a.seq - b.seq);
}

/** the n best (ties: the earlier), in call order; a runner-up needs half the best score to be kept */
function pick(cands: Candidate[], n: number): Candidate[] {
  const ranked = [...cands].sort((a, b) => b.score - a.score || a.order - b.order);
  const best = ranked[0]?.score ?? 0;
  return ranked
    .slice(0, Math.max(0, n))
    .filter((c, i) => i === 0 || c.score * 2 >= best)
    .sort((a, b) => a.order - b.order);
}

function callerCandidates(turns: TurnRecord[]): Candidate[] {
  const out: Candidate[] = [];
  let order = 0;
  for (const t of turns) {
    if (t.speaker !== 'caller') continue;
    for (const s of splitSentences(t.text)) {
      order++;
      const content = contentWords(s);
      const intents = cueCount(s, INTENT_CUES);
      if (content < 2 && intents === 0) continue;
      if (COURTESY.test(s) && content < 3 && intents === 0) continue;
      out.push({ text: s, score: content + 3 * Math.min(intents, 3), order });
    }
  }
  return out;
}

function agentCandidates(turns: TurnRecord[]): Candidate[] {
  const out: Candidate[] = [];
  let order = 0;
  for (const t of turns) {
    if (t.speaker !== 'agent') continue;
    for (const s of splitSentences(t.text)) {
      order++;
      if (s.endsWith('?')) continue;
      const cues = cueCount(s, CONFIRMATION_CUES);
      if (cues === 0) continue;
      out.push({ text: s, score: 3 * Math.min(cues, 3) + contentWords(s), order });
    }
  }
  return out;
}

const BUILTIN_TOOLS = new Set(['transfer_call', 'end_call', 'hang_up']);

function humanize(tool: string): string {
  const s = tool.replace(/[_-]+/g, ' ').trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function field(result: unknown, names: readonly string[]): string | undefined {
  if (!result || typeof result !== 'object') return undefined;
  const r = result as Record<string, unknown>;
  for (const n of names) {
    const v = r[n];
    if (typeof v === 'string' && v.trim() !== '' && v.length <= 64) return v.trim();
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return undefined;
}

/**
 * One sentence for a tool call: "Booked Tuesday 10:00 (ref A-1001).", "Callback requested (ref C-1001).",
 * "Check stock failed (timeout)." Only the reference and day/date/time fields of a result are used; built-in
 * tools (transfer, hang-up) give none (the outcome sentence tells them).
 */
export function describeToolCall(call: ToolCallRecord): string | undefined {
  if (BUILTIN_TOOLS.has(call.tool)) return undefined;
  if (!call.ok) return `${humanize(call.tool)} failed${call.errorCode ? ` (${call.errorCode.replace(/[^a-z0-9_ -]/gi, '')})` : ''}.`;
  const name = call.tool.toLowerCase();
  const verb = /callback|call_back/.test(name)
    ? 'Callback requested'
    : /cancel/.test(name)
      ? 'Cancelled'
      : /reschedul|move|change/.test(name)
        ? 'Rescheduled'
        : /book|reserve|schedul|appointment/.test(name)
          ? 'Booked'
          : `${humanize(call.tool)} succeeded`;
  const day = field(call.result, ['day', 'date']);
  const time = field(call.result, ['time']);
  const when = [day ? capitalize(day) : undefined, time].filter((x) => x !== undefined).join(' ');
  const ref = field(call.result, ['reference', 'ref', 'confirmation', 'bookingId', 'booking_id']);
  return `${verb}${when ? ` ${when}` : ''}${ref ? ` (ref ${ref})` : ''}.`;
}

function toolSentences(turns: TurnRecord[], max: number): string[] {
  const lines: string[] = [];
  for (const t of turns) {
    for (const c of t.toolCalls ?? []) {
      const line = describeToolCall(c);
      if (line && !lines.includes(line)) lines.push(line);
    }
  }
  if (lines.length <= max) return lines;
  const more = lines.length - max;
  return [...lines.slice(0, max), `${more} more tool ${more === 1 ? 'result' : 'results'}.`];
}

/** the outcome sentence ("Outcome: transferred to a person.") or undefined when the outcome is unknown */
export function outcomeSentence(session: Pick<SessionRecord, 'outcome'>, turns: readonly TurnRecord[] = []): string | undefined {
  let outcome = session.outcome;
  if (outcome === undefined) {
    const calls = turns.flatMap((t) => t.toolCalls ?? []);
    if (calls.some((c) => c.tool === 'transfer_call' && c.ok)) outcome = 'transferred';
    else if (calls.some((c) => (c.tool === 'end_call' || c.tool === 'hang_up') && c.ok)) outcome = 'agent_hangup';
  }
  switch (outcome) {
    case undefined:
      return undefined;
    case 'transferred':
      return 'Outcome: transferred to a person.';
    case 'caller_hangup':
      return 'Outcome: the caller hung up.';
    case 'agent_hangup':
      return 'Outcome: the agent ended the call.';
    case 'failed':
      return 'Outcome: the call ended on an error.';
    case 'timeout':
      return 'Outcome: the call timed out.';
    default: {
      const plain = outcome.replace(/[_-]+/g, ' ').replace(/[^a-z0-9 ]/gi, '').trim();
      return plain ? `Outcome: ${plain}.` : undefined;
    }
  }
}

/** A few sentences about the call, chosen from its (redacted) turns, tool results and outcome. */
export function extractiveSummary(
  turns: readonly TurnRecord[],
  session: Pick<SessionRecord, 'outcome'>,
  opts: ExtractiveSummaryOptions = {},
): CallSummary {
  const max = opts.maxSentenceChars ?? 200;
  const ordered = sortedTurns(turns);
  const sentences = [
    ...pick(callerCandidates(ordered), opts.callerSentences ?? 2).map((c) => `Caller: ${clip(c.text, max)}`),
    ...toolSentences(ordered, opts.toolSentences ?? 3),
    ...pick(agentCandidates(ordered), opts.agentSentences ?? 1).map((c) => `Agent: ${clip(c.text, max)}`),
  ];
  const outcome = outcomeSentence(session, ordered);
  if (outcome) sentences.push(outcome);
  if (sentences.length === 0) sentences.push(ordered.length === 0 ? 'No conversation was recorded.' : 'Nothing of note was said.');
  const clean = sentences.map((s) => redact(s).text);
  return { text: clean.join(' '), sentences: clean, source: 'extractive' };
}
