/** What deletion on request touches, shared by both adapters. */
import type { DeletionCounts } from './port.js';

/** collections whose records belong to a session (found by `sessionId`) */
export const PER_SESSION_COLLECTIONS = ['turns', 'transcript_fragments', 'llm_tokens', 'tool_results', 'annotations', 'audio_chunks', 'outbox'] as const;

export const SESSION_DELETED = 'session_deleted';
export const CALLER_DELETED = 'caller_deleted';

export function zeroDeletionCounts(): DeletionCounts {
  return { sessions: 0, turns: 0, transcript_fragments: 0, llm_tokens: 0, tool_results: 0, annotations: 0, audio_chunks: 0, outbox: 0 };
}

export function addDeletionCounts(into: DeletionCounts, more: DeletionCounts): void {
  for (const k of Object.keys(into) as (keyof DeletionCounts)[]) into[k] += more[k];
}
