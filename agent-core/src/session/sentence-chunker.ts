/**
 * Cuts a stream of dialogue-model tokens into speakable chunks as they form, so text-to-speech can start on the
 * first sentence while the model is still writing the rest. A chunk ends at a sentence end (. ! ?), or at a
 * clause break (, ; : —) once it holds enough words to sound natural, or when it grows past a hard cap. The
 * first chunk may be cut earlier (at a clause) than later ones: the caller waits for it.
 */

export interface ChunkerOptions {
  /** words a chunk needs before a clause break may end it (default 4; the first chunk: `firstClauseWords`) */
  clauseWords?: number;
  /** same, for the first chunk of a reply (default 2) */
  firstClauseWords?: number;
  /** a chunk longer than this many characters is cut at the last space (default 200) */
  maxChars?: number;
}

const SENTENCE_END = /[.!?]["')\]]?$/;
const CLAUSE_END = /[,;:\u2014]$/;
/** "Dr." "e.g." "10.30": a period that does not end a sentence */
const NOT_AN_END = /(?:\b(?:mr|mrs|ms|dr|st|e\.g|i\.e|etc|vs|no)\.|\d\.)$/i;

export class SentenceChunker {
  private buffer = '';
  private emitted = 0;
  private readonly clauseWords: number;
  private readonly firstClauseWords: number;
  private readonly maxChars: number;

  constructor(opts: ChunkerOptions = {}) {
    this.clauseWords = opts.clauseWords ?? 4;
    this.firstClauseWords = opts.firstClauseWords ?? 2;
    this.maxChars = opts.maxChars ?? 200;
  }

  /** Adds model text; returns the chunks completed by it (possibly none). */
  push(text: string): string[] {
    const out: string[] = [];
    for (const ch of text) {
      this.buffer += ch;
      if (/\s/.test(ch)) {
        const chunk = this.cutAtBoundary();
        if (chunk) out.push(chunk);
      } else if (this.buffer.length > this.maxChars) {
        const space = this.buffer.lastIndexOf(' ');
        if (space > 0) out.push(...this.take(space));
      }
    }
    return out;
  }

  /** The model finished: whatever is left is the last chunk (undefined when nothing speakable is left). */
  end(): string | undefined {
    const rest = tidy(this.buffer);
    this.buffer = '';
    if (!/[\p{L}\p{N}]/u.test(rest)) return undefined;
    this.emitted++;
    return rest;
  }

  /** Drops what is buffered (barge-in). */
  reset(): void {
    this.buffer = '';
    this.emitted = 0;
  }

  /** called after whitespace: the text before it may end a chunk */
  private cutAtBoundary(): string | undefined {
    const head = this.buffer.trimEnd();
    if (SENTENCE_END.test(head) && !NOT_AN_END.test(head)) return this.take(this.buffer.length)[0];
    if (CLAUSE_END.test(head)) {
      const need = this.emitted === 0 ? this.firstClauseWords : this.clauseWords;
      if (wordCount(head) >= need) return this.take(this.buffer.length)[0];
    }
    return undefined;
  }

  private take(end: number): string[] {
    const chunk = tidy(this.buffer.slice(0, end));
    this.buffer = this.buffer.slice(end).trimStart();
    if (!/[\p{L}\p{N}]/u.test(chunk)) return [];
    this.emitted++;
    return [chunk];
  }
}

function tidy(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function wordCount(s: string): number {
  return s.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}
