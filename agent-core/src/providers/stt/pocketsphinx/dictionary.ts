/**
 * The PocketSphinx pronunciation dictionary (CMUdict format: `word PH ON ES`, variants as `word(2) ...`).
 * The full en-us dictionary has ~135 000 entries and takes the decoder ~7 s to load; a dictionary cut down to
 * the language model's vocabulary loads in milliseconds, so the adapter writes one per language model.
 */

import { readFile, stat } from 'node:fs/promises';

export class PronunciationDictionary {
  private constructor(
    /** base word → its dictionary lines (all variants, in file order) */
    private readonly entries: Map<string, string[]>,
    /** identifies the file version (path, size, mtime) so caches built from it can be told apart */
    readonly identity: string,
  ) {}

  /** Parses dictionary text. */
  static parse(text: string, identity = ''): PronunciationDictionary {
    const entries = new Map<string, string[]>();
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith(';;;')) continue;
      const space = line.search(/\s/);
      if (space <= 0) continue;
      const head = line.slice(0, space);
      const word = head.replace(/\(\d+\)$/, '');
      let list = entries.get(word);
      if (!list) entries.set(word, (list = []));
      list.push(line);
    }
    return new PronunciationDictionary(entries, identity);
  }

  /** Reads a dictionary file. */
  static async load(path: string): Promise<PronunciationDictionary> {
    const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return PronunciationDictionary.parse(text, `${path}:${st.size}:${st.mtimeMs}`);
  }

  get size(): number {
    return this.entries.size;
  }

  has(word: string): boolean {
    return this.entries.has(word);
  }

  /** Dictionary text holding every pronunciation of `words` (unknown ones skipped), sorted by word. */
  subset(words: Iterable<string>): string {
    const lines: string[] = [];
    for (const w of [...new Set(words)].sort()) lines.push(...(this.entries.get(w) ?? []));
    return lines.length > 0 ? `${lines.join('\n')}\n` : '';
  }
}
