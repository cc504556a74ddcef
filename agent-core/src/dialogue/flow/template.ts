/**
 * Renders the flow's spoken lines: `{slot}`, `{result.path}` and `{name|filter}` placeholders are replaced by
 * speakable text; a sentence whose placeholder has no value is left out (a tool result without a reference
 * must not make the agent say "your reference is ."). Whatever is substituted is plain words: nothing the
 * caller said or a tool returned can add markup or braces.
 */
import { FLOW_PLACEHOLDER } from '@callgate/contracts';
import type { SlotValue } from './slots.js';
import { WEEKDAYS, capitalize, sentences, speakDigits, speakTime, spell } from './text.js';

export interface TemplateContext {
  slots: Record<string, SlotValue>;
  /** the tool's JSON result (only in a success line) */
  result?: unknown;
}

function lookup(result: unknown, path: string[]): unknown {
  let at: unknown = result;
  for (const key of path) {
    if (at === null || typeof at !== 'object' || !Object.prototype.hasOwnProperty.call(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** "10:00" or "10:00:00" → its spoken form; undefined when it is not a time. */
function asTime(s: string): string | undefined {
  const m = /^(\d{1,2}):(\d{2})(?::\d{2})?$/.exec(s.trim());
  return m ? speakTime(`${m[1]!}:${m[2]!}`) : undefined;
}

function asDay(s: string): string | undefined {
  const w = s.trim().toLowerCase();
  return (WEEKDAYS as readonly string[]).includes(w) ? capitalize(w) : undefined;
}

/** Plain words only: no braces or control characters, bounded length. */
function clean(s: string): string {
  return s.replace(/[{}<>\\\p{Cc}]/gu, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** A value as the TTS should read it, by filter or (without one) by its look. */
export function speakValue(value: unknown, filter?: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const s = String(value);
  if (s.trim() === '') return undefined;
  switch (filter) {
    case 'raw':
      return clean(s);
    case 'spell':
      return spell(s) || undefined;
    case 'digits':
      return /\d/.test(s) ? speakDigits(s) : undefined;
    case 'time':
      return asTime(s) ?? clean(s);
    case 'day':
      return asDay(s) ?? clean(s);
  }
  if (typeof value === 'number') return String(value);
  const smart = asTime(s) ?? asDay(s);
  if (smart) return smart;
  // a code such as "RC-1042" or "A7X9" is spelled; prose with digits ("2 hours") is left alone
  if (/\d/.test(s) && !/\s/.test(s.trim())) return spell(s);
  return clean(s);
}

function resolve(name: string, filter: string | undefined, ctx: TemplateContext): string | undefined {
  if (name === 'result' || name.startsWith('result.')) {
    const path = name === 'result' ? [] : name.slice('result.'.length).split('.');
    return speakValue(lookup(ctx.result, path), filter);
  }
  const slot = ctx.slots[name];
  if (!slot) return undefined;
  if (filter === undefined) return slot.spoken;
  return speakValue(slot.value, filter);
}

/** Fills a template; sentences with a placeholder that has no value are dropped. */
export function render(template: string, ctx: TemplateContext): string {
  const out: string[] = [];
  for (const sentence of sentences(template)) {
    let missing = false;
    const filled = sentence.replace(FLOW_PLACEHOLDER, (_m, name: string, filter: string | undefined) => {
      const v = resolve(name, filter, ctx);
      if (v === undefined) missing = true;
      return v ?? '';
    });
    if (!missing) out.push(filled);
  }
  return out.join(' ');
}
