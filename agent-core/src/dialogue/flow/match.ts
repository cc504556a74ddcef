/**
 * Intent recognition robust to speech-to-text errors. Each intent gets a score in 0..1 from two signals, and
 * the best intent at or above the flow's threshold wins:
 *   - keywords (synonym sets): each keyword found in the utterance adds evidence, 1 - Π(1 - 0.65·w) where w is
 *     1 for the word or its stem, 0.8 for one edit ("ours" for "hours"), 0.7 for two edits on long words;
 *     a keyword of several words must appear as a sequence (or run together: "callback" for "call back");
 *   - phrases: the share of a phrase's content words (stop words left out) heard in the utterance, scaled by
 *     0.8 + 0.2 × the share of the utterance's content words the phrase explains.
 */
import type { AgentFlow, FlowIntent } from '@callgate/contracts';
import { STOPWORDS, wordSimilarity, words } from './text.js';

/** What an intent-like thing is recognised by (an intent, or the flow's goodbye). */
export interface Recognisable {
  id: string;
  phrases: string[];
  keywords: string[];
}

export interface IntentScore {
  id: string;
  /** 0..1 */
  score: number;
  /** keywords found (for tie-breaks and debugging) */
  keywordHits: string[];
}

/** The flow's goodbye as a recognisable (its id cannot clash with an intent's: ids are [a-z][a-z0-9_]*). */
export const GOODBYE_ID = '$goodbye';

export function goodbyeRecognisable(flow: AgentFlow): Recognisable {
  return { id: GOODBYE_ID, phrases: flow.goodbye.phrases, keywords: flow.goodbye.keywords };
}

/** How well a keyword (one word or a sequence) appears in the heard words: 0..1. */
function keywordWeight(heard: string[], keyword: string): number {
  const kw = words(keyword);
  if (kw.length === 0) return 0;
  let best = 0;
  if (kw.length === 1) {
    for (let i = 0; i < heard.length; i++) {
      best = Math.max(best, wordSimilarity(heard[i]!, kw[0]!));
      // "call back" heard as two words for the keyword "callback"
      if (i + 1 < heard.length) best = Math.max(best, wordSimilarity(heard[i]! + heard[i + 1]!, kw[0]!));
      if (best === 1) break;
    }
    return best;
  }
  const runTogether = kw.join('');
  for (let i = 0; i < heard.length; i++) {
    // "callback" heard as one word for the keyword "call back"
    best = Math.max(best, wordSimilarity(heard[i]!, runTogether));
    if (i + kw.length > heard.length) continue;
    let w = 1;
    for (let j = 0; j < kw.length && w > 0; j++) w = Math.min(w, wordSimilarity(heard[i + j]!, kw[j]!));
    best = Math.max(best, w);
  }
  return best;
}

/** The share of a phrase heard, scaled by how much of the utterance it explains. */
function phraseScore(heard: string[], heardContent: string[], phrase: string): number {
  const all = words(phrase);
  const content = all.filter((w) => !STOPWORDS.has(w));
  // a phrase of stop words only ("that's all") is matched on all its words, in order
  if (content.length === 0) return all.length > 0 && keywordWeight(heard, phrase) === 1 ? 1 : 0;
  let covered = 0;
  const used = new Set<number>();
  for (const p of content) {
    let best = 0;
    let at = -1;
    heardContent.forEach((h, i) => {
      const s = wordSimilarity(h, p);
      if (s > best) {
        best = s;
        at = i;
      }
    });
    covered += best;
    if (at >= 0) used.add(at);
  }
  const coverage = covered / content.length;
  const explained = heardContent.length ? used.size / heardContent.length : 0;
  return coverage * (0.8 + 0.2 * explained);
}

/** Scores one intent against what was heard. */
export function scoreIntent(intent: Recognisable, text: string): IntentScore {
  const heard = words(text);
  const heardContent = heard.filter((w) => !STOPWORDS.has(w));
  const keywordHits: string[] = [];
  let miss = 1;
  for (const kw of intent.keywords) {
    const w = keywordWeight(heard, kw);
    if (w > 0) {
      keywordHits.push(kw);
      miss *= 1 - 0.65 * w;
    }
  }
  let phrase = 0;
  for (const p of intent.phrases) phrase = Math.max(phrase, phraseScore(heard, heardContent, p));
  return { id: intent.id, score: Math.max(1 - miss, phrase), keywordHits };
}

/** Every candidate's score, best first (ties: more keyword hits, then flow order). */
export function rankIntents(candidates: Recognisable[], text: string): IntentScore[] {
  return candidates
    .map((c, order) => ({ s: scoreIntent(c, text), order }))
    .sort((a, b) => b.s.score - a.s.score || b.s.keywordHits.length - a.s.keywordHits.length || a.order - b.order)
    .map((x) => x.s);
}

/**
 * The intent the caller most likely means, if its score reaches the flow's threshold. `candidates` defaults
 * to every intent plus the goodbye (id GOODBYE_ID).
 */
export function matchIntent(
  flow: AgentFlow,
  text: string,
  candidates: Recognisable[] = [...flow.intents, goodbyeRecognisable(flow)],
): IntentScore | undefined {
  const best = rankIntents(candidates, text)[0];
  return best && best.score >= flow.matchThreshold ? best : undefined;
}

export function intentById(flow: AgentFlow, id: string): FlowIntent | undefined {
  return flow.intents.find((i) => i.id === id);
}

const REPEAT_ALONE = new Set(['what', 'huh', 'sorry', 'pardon', 'eh', 'come again', 'sorry what', 'excuse me', 'what was that', 'say again']);

/** "Can you repeat that?", "say that again", "pardon?", a lone "what?" or "sorry?". */
export function isRepeatRequest(text: string): boolean {
  const ws = words(text);
  if (ws.includes('repeat') || ws.includes('pardon')) return true;
  if (ws.includes('again') && (ws.includes('say') || ws.includes('come'))) return true;
  return REPEAT_ALONE.has(ws.join(' '));
}

const KEY_WORDS: Record<string, string> = {
  zero: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9',
  star: '*', pound: '#', hash: '#',
};
const KEY_FILLER = new Set(['press', 'pressing', 'option', 'number', 'key', 'i', "i'll", 'the', 'um', 'uh', 'er', 'please', 'ok', 'okay']);

/** A menu key said instead of pressed ("one", "press two", "option 3"); undefined for anything else. */
export function spokenKey(text: string): string | undefined {
  const ws = words(text).filter((w) => !KEY_FILLER.has(w));
  if (ws.length !== 1) return undefined;
  const w = ws[0]!;
  return /^[0-9]$/.test(w) ? w : KEY_WORDS[w];
}
