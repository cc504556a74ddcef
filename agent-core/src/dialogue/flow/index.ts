/**
 * The deterministic dialogue flow engine (a DialogueModel that needs no GPU and no network) and its helpers.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export { FlowEngine, resumeAfterBargeIn, type FlowEngineOptions, type FlowTurn } from './engine.js';
export { flowHints } from './hints.js';
export { matchIntent, rankIntents, scoreIntent, isRepeatRequest, spokenKey, GOODBYE_ID, type IntentScore, type Recognisable } from './match.js';
export { parseDay, parseTime, parsePhone, parseEmail, speakEmail, parseYesNo, parseFreeText, parseSlot, phoneFromDtmf, type SlotValue, type ParseMode, type DayContext } from './slots.js';
export { render as renderTemplate, speakValue } from './template.js';
export { readState, freshState, FLOW_PHASES, type FlowState, type FlowPhase } from './state.js';
export { speakDigits, speakTime, spell } from './text.js';

/**
 * The directory of the shipped agent flows (`agent-core/agents/`), found from this module whether it runs
 * compiled (dist/src/dialogue/flow/) or from source (src/dialogue/flow/).
 */
export function agentsDir(): string {
  for (const rel of ['../../../../agents/', '../../../agents/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}front-desk.yaml`)) return dir;
  }
  return fileURLToPath(new URL('../../../../agents/', import.meta.url));
}

/** Path of a shipped flow by agent name, e.g. `agentFlowPath('front-desk')`. */
export function agentFlowPath(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(name)) throw new Error(`not an agent name: ${JSON.stringify(name)}`);
  return `${agentsDir()}${name}.yaml`;
}
