/**
 * Agent flow definition, version 1: the declarative dialogue that agent-core's flow engine runs when no language
 * model is available (no GPU, no network). A flow is a YAML (or JSON) file: a greeting, the intents a caller
 * may have (example phrases and keywords, matched robustly against imperfect speech-to-text), what each intent
 * does (answer, collect typed slots with prompts, confirm, call a tool, transfer, end), and the global
 * behaviour (no-match reprompts and escalation, DTMF menu keys, "anything else?", goodbye).
 *
 * Every object is strict: an unknown field is refused, and `loadFlowFile` names the wrong field.
 *
 * Templates. Spoken lines may hold placeholders `{name}` or `{name|filter}`:
 *   - `{slot}`: the spoken form of a collected slot of the same intent ("Tuesday", "ten A M",
 *     "five five five, one two three four");
 *   - `{result.field}` (tool `success` only): a field of the tool's JSON result, dotted paths allowed;
 *   - filters: `spell` (letters and digits one by one: "R C, one zero four two"), `digits` (digit words),
 *     `time` ("14:30" → "two thirty P M"), `day` ("tuesday" → "Tuesday"), `raw` (as is). Without a filter a
 *     result value is made speakable by its look (a time, a weekday, a code with digits is spelled).
 *   A sentence whose placeholder has no value (a result without that field) is left out.
 * Which placeholders a line may use is checked when the flow loads.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatIssues } from '../config/load.js';

export const AGENT_FLOW_VERSION = 1 as const;

/** What a slot holds and how the engine reads it from a transcript. */
export const FLOW_SLOT_TYPES = ['day', 'time', 'phone', 'email', 'yes_no', 'text'] as const;
export type FlowSlotType = (typeof FLOW_SLOT_TYPES)[number];

/** Template filters (see the file comment). */
export const FLOW_TEMPLATE_FILTERS = ['spell', 'digits', 'time', 'day', 'raw'] as const;

/** Tools the session executes itself; a flow reaches them with `then: transfer | end`, never as `tool`. */
export const FLOW_BUILTIN_TOOLS = ['transfer_call', 'end_call'] as const;

/** `{name}` or `{name|filter}` inside a spoken line. */
export const FLOW_PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_.]*)(?:\|([a-z]+))?\}/g;

const ident = z
  .string()
  .max(64)
  .regex(/^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and _, starting with a letter');
/** a line the agent speaks: plain English for the TTS, short sentences */
const line = z.string().trim().min(1).max(600);
/** something a caller may say */
const utterance = z.string().trim().min(1).max(200);
const reason = z.string().trim().min(1).max(200);

/** One piece of information an intent collects. */
export const flowSlotSchema = z
  .object({
    /** referenced by templates (`{day}`) and tool `args` */
    name: ident,
    /**
     * day: monday…sunday, today, tomorrow (resolved to a weekday in the flow's timezone);
     * time: "ten a m", "3 pm", "half past two", "10 30", "noon" (value HH:MM, 24 h; without a.m./p.m. 7–11 is
     * morning, 12–6 afternoon); phone: spoken digits ("oh", "double five") or DTMF keys ending with #;
     * email: an address said as "john dot smith at example dot com" or written (value "john.smith@example.com",
     * read back the way it is said); yes_no: value true/false; text: what the caller said (lead-ins such as
     * "my name is" removed)
     */
    type: z.enum(FLOW_SLOT_TYPES),
    /** asked when the slot is still empty */
    prompt: line,
    /** said instead of the prompt after a miss, in order (the last repeats); empty: "Sorry, " + prompt */
    reprompts: z.array(line).default([]),
    /** misses in a row before the call escalates (noMatch.say, then transfer or end) */
    maxAttempts: z.number().int().min(1).max(10).default(3),
    /**
     * words callers use in this slot's answers that the speech recogniser must know, such as the names and mail
     * domains of email addresses: the embedded recogniser only hears the flow's own words
     */
    vocabulary: z.array(utterance).default([]),
    /** phone only: digits a number must have */
    minDigits: z.number().int().min(1).max(32).default(7),
    maxDigits: z.number().int().min(1).max(32).default(15),
  })
  .strict()
  .refine((s) => s.minDigits <= s.maxDigits, { message: 'minDigits must not exceed maxDigits', path: ['minDigits'] });
export type FlowSlot = z.infer<typeof flowSlotSchema>;

/** What the agent says when something failed, and an intent it may offer instead (a yes/no question). */
export const flowFallbackSchema = z
  .object({
    /** the apology; when `offer` is set it should end with a yes/no question ("Would you like that?") */
    say: line,
    /** id of the intent started when the caller says yes (e.g. a transfer or a callback) */
    offer: ident.optional(),
  })
  .strict();
export type FlowFallback = z.infer<typeof flowFallbackSchema>;

/** A tool the session runs (defined, with its JSON Schema, in config by the integrator). */
export const flowToolSchema = z
  .object({
    /** the tool's name as the session knows it */
    name: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and -, at most 64')
      .refine((n) => !(FLOW_BUILTIN_TOOLS as readonly string[]).includes(n), {
        message: `a built-in tool; use \`then: transfer\` or \`then: end\` instead`,
      }),
    /** argument name → slot name; an argument whose slot is empty is left out */
    args: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'an argument name'), ident).default({}),
    /** said while the tool runs (keep it short) */
    wait: line.optional(),
    /** said when the tool succeeded; may use `{result.field}` */
    success: line,
    /** said when the tool failed (or the session could not run it) */
    failure: flowFallbackSchema,
  })
  .strict();
export type FlowTool = z.infer<typeof flowToolSchema>;

/** Something a caller may want, how to recognise it, and what the agent does about it. */
export const flowIntentSchema = z
  .object({
    id: ident,
    description: z.string().max(300).optional(),
    /** example utterances; scored by (fuzzy) word overlap with what was heard */
    phrases: z.array(utterance).default([]),
    /** words or short word sequences (synonyms) that signal the intent; matched with small spelling slack */
    keywords: z.array(utterance).default([]),
    /** also recognised in the middle of another task (while a slot or a yes/no is asked), e.g. "a human" */
    anytime: z.boolean().default(false),
    /** said first (the answer, or "Sure." before the first prompt); no placeholders */
    say: line.optional(),
    /** slots asked in order; values the caller already said (even in the first utterance) are not asked */
    collect: z.array(flowSlotSchema).default([]),
    /** yes/no question read back once every slot is filled ("You said {day} at {time}. Is that right?") */
    confirm: line.optional(),
    tool: flowToolSchema.optional(),
    /** after the intent is done: ask "anything else?", transfer the call, or end it */
    then: z.enum(['anything_else', 'transfer', 'end']).default('anything_else'),
    /** reason given to transfer_call / end_call when `then` is transfer or end */
    reason: reason.optional(),
  })
  .strict();
export type FlowIntent = z.infer<typeof flowIntentSchema>;

const flowObjectSchema = z
  .object({
    version: z.literal(AGENT_FLOW_VERSION),
    /** the agent's name (as in the number plan) */
    name: z.string().trim().min(1).max(100),
    description: z.string().max(500).optional(),
    /** IANA timezone in which "today" and "tomorrow" are resolved */
    timezone: z
      .string()
      .default('UTC')
      .refine(validTimeZone, { message: 'an IANA timezone such as Europe/London' }),
    /** first thing the caller hears; keep the first sentence short (audio starts after it) */
    greeting: line,
    /** an intent whose score (0..1) reaches this is taken */
    matchThreshold: z.number().gt(0).max(1).default(0.5),
    intents: z.array(flowIntentSchema).min(1),
    /** DTMF menu: key → intent id (outside the menu only keys of `anytime` intents count) */
    dtmf: z.record(z.string().regex(/^[0-9*#]$/, 'one DTMF key: 0-9, * or #'), ident).default({}),
    /** when nothing matched */
    noMatch: z
      .object({
        /** said after each miss, in order (the last repeats) */
        reprompts: z.array(line).min(1),
        /** misses in a row (in the menu, a yes/no, "anything else?") that escalate */
        escalateAfter: z.number().int().min(1).max(10).default(2),
        /** said when escalating */
        say: line,
        then: z.enum(['transfer', 'end']).default('transfer'),
        reason: reason.default('no_match'),
      })
      .strict(),
    anythingElse: z
      .object({
        /** asked after each completed intent; a "no" ends the call with the goodbye */
        prompt: line.default('Is there anything else I can help with?'),
        /** said when the caller just says "yes" to it */
        whatElse: line.default('Sure. What can I help with?'),
      })
      .strict()
      .default({}),
    /** ending the call: recognised anywhere ("bye", "that's all") and after a "no" to anything else */
    goodbye: z
      .object({
        say: line,
        phrases: z.array(utterance).default([]),
        keywords: z.array(utterance).default([]),
        reason: reason.default('caller_done'),
      })
      .strict(),
    /** said before asking again when the caller says a read-back was wrong */
    confirmRetry: line.default("Okay, let's try again."),
    /** said when a yes/no question got neither */
    yesNoReprompt: line.default('Sorry, was that a yes or a no?'),
    /** said when the caller speaks while a tool is still running */
    wait: line.default('One moment please.'),
    /** when the transfer failed (no one answered, no target) */
    transferFailure: flowFallbackSchema.default({ say: 'Sorry, no one is available to take your call right now.' }),
  })
  .strict();

/** A whole flow file, cross-references checked (intent ids, slots, placeholders, DTMF targets, offers). */
export const agentFlowSchema = flowObjectSchema.superRefine(checkReferences);
export type AgentFlow = z.infer<typeof agentFlowSchema>;
/** what a flow file holds before defaults are applied */
export type AgentFlowInput = z.input<typeof agentFlowSchema>;

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The placeholders of a template: name and optional filter. */
export function templatePlaceholders(template: string): { name: string; filter?: string }[] {
  return [...template.matchAll(FLOW_PLACEHOLDER)].map((m) => (m[2] ? { name: m[1]!, filter: m[2] } : { name: m[1]! }));
}

type Path = (string | number)[];

function checkReferences(f: z.infer<typeof flowObjectSchema>, ctx: z.RefinementCtx): void {
  const ids = new Set<string>();
  const issue = (path: Path, message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
  const checkTemplate = (path: Path, text: string | undefined, slots: string[], result: boolean) => {
    if (text === undefined) return;
    for (const p of templatePlaceholders(text)) {
      if (p.filter && !(FLOW_TEMPLATE_FILTERS as readonly string[]).includes(p.filter)) {
        issue(path, `unknown filter |${p.filter} (one of ${FLOW_TEMPLATE_FILTERS.join(', ')})`);
      }
      const isResult = p.name === 'result' || p.name.startsWith('result.');
      if (isResult ? !result : !slots.includes(p.name)) {
        const allowed = [...slots.map((s) => `{${s}}`), ...(result ? ['{result.…}'] : [])];
        issue(path, `unknown placeholder {${p.name}} (allowed here: ${allowed.length ? allowed.join(', ') : 'none'})`);
      }
    }
  };
  const rootLines: [Path, string | undefined][] = [
    [['greeting'], f.greeting],
    [['noMatch', 'say'], f.noMatch.say],
    [['anythingElse', 'prompt'], f.anythingElse.prompt],
    [['anythingElse', 'whatElse'], f.anythingElse.whatElse],
    [['goodbye', 'say'], f.goodbye.say],
    [['confirmRetry'], f.confirmRetry],
    [['yesNoReprompt'], f.yesNoReprompt],
    [['wait'], f.wait],
    [['transferFailure', 'say'], f.transferFailure.say],
    ...f.noMatch.reprompts.map((r, i): [Path, string] => [['noMatch', 'reprompts', i], r]),
  ];
  for (const [path, text] of rootLines) checkTemplate(path, text, [], false);

  f.intents.forEach((intent, i) => {
    const at = (...rest: Path): Path => ['intents', i, ...rest];
    if (ids.has(intent.id)) issue(at('id'), `duplicate intent id '${intent.id}'`);
    ids.add(intent.id);
    if (intent.phrases.length === 0 && intent.keywords.length === 0) {
      issue(at('phrases'), 'an intent needs at least one phrase or keyword');
    }
    const slots: string[] = [];
    intent.collect.forEach((slot, j) => {
      if (slots.includes(slot.name)) issue(at('collect', j, 'name'), `duplicate slot name '${slot.name}'`);
      slots.push(slot.name);
    });
    checkTemplate(at('say'), intent.say, [], false);
    intent.collect.forEach((slot, j) => {
      checkTemplate(at('collect', j, 'prompt'), slot.prompt, slots, false);
      slot.reprompts.forEach((r, k) => checkTemplate(at('collect', j, 'reprompts', k), r, slots, false));
    });
    if (intent.confirm !== undefined && intent.collect.length === 0) issue(at('confirm'), 'confirm needs slots to read back (collect is empty)');
    checkTemplate(at('confirm'), intent.confirm, slots, false);
    if (intent.tool) {
      for (const [arg, slot] of Object.entries(intent.tool.args)) {
        if (!slots.includes(slot)) issue(at('tool', 'args', arg), `unknown slot '${slot}' (this intent collects: ${slots.join(', ') || 'nothing'})`);
      }
      checkTemplate(at('tool', 'wait'), intent.tool.wait, slots, false);
      checkTemplate(at('tool', 'success'), intent.tool.success, slots, true);
      checkTemplate(at('tool', 'failure', 'say'), intent.tool.failure.say, slots, false);
    }
  });

  const known = (id: string) => f.intents.some((x) => x.id === id);
  const list = () => f.intents.map((x) => x.id).join(', ');
  for (const [key, target] of Object.entries(f.dtmf)) {
    if (!known(target)) issue(['dtmf', key], `unknown intent '${target}' (intents: ${list()})`);
  }
  f.intents.forEach((intent, i) => {
    const offer = intent.tool?.failure.offer;
    if (offer !== undefined && !known(offer)) issue(['intents', i, 'tool', 'failure', 'offer'], `unknown intent '${offer}' (intents: ${list()})`);
  });
  if (f.transferFailure.offer !== undefined && !known(f.transferFailure.offer)) {
    issue(['transferFailure', 'offer'], `unknown intent '${f.transferFailure.offer}' (intents: ${list()})`);
  }
}

/** A flow that cannot be used; `issues` name each wrong field ("intents.1.collect.0.type: …"). */
export class FlowError extends Error {
  constructor(
    message: string,
    readonly issues: string[] = [],
  ) {
    super(message);
    this.name = 'FlowError';
  }
}

/** Validates an already-parsed flow and fills its defaults; throws FlowError naming every wrong field. */
export function validateFlow(raw: unknown, source = 'flow'): AgentFlow {
  const result = agentFlowSchema.safeParse(raw);
  if (!result.success) {
    const issues = formatIssues(result.error);
    throw new FlowError(`invalid ${source}:\n  ${issues.join('\n  ')}`, issues);
  }
  return result.data;
}

/** Parses and validates flow text: JSON when `source` ends with .json, YAML otherwise. */
export function parseFlowText(text: string, source = 'flow.yaml'): AgentFlow {
  const json = source.endsWith('.json');
  let raw: unknown;
  try {
    raw = json ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new FlowError(`${source} is not valid ${json ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  return validateFlow(raw, source);
}

/** Reads, parses and validates a flow file. */
export function loadFlowFile(path: string): AgentFlow {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new FlowError(`cannot read flow file ${path}: ${(err as Error).message}`);
  }
  return parseFlowText(text, path);
}
