import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SentenceChunker } from './sentence-chunker.js';

function feed(chunker: SentenceChunker, tokens: string[]): string[] {
  const out: string[] = [];
  for (const t of tokens) out.push(...chunker.push(t));
  const last = chunker.end();
  if (last) out.push(last);
  return out;
}

describe('SentenceChunker', () => {
  it('emits each sentence as soon as the space after its end arrives', () => {
    const c = new SentenceChunker();
    assert.deepEqual(c.push('Thanks for calling'), []);
    assert.deepEqual(c.push('.'), []);
    assert.deepEqual(c.push(' How'), ['Thanks for calling.']);
    assert.deepEqual(c.push(' can'), []);
    assert.deepEqual(c.push(' I help?'), []);
    assert.equal(c.end(), 'How can I help?');
  });

  it('cuts the first chunk at an early clause, later ones only after enough words', () => {
    const c = new SentenceChunker({ firstClauseWords: 2, clauseWords: 4 });
    const out = feed(c, 'Of course, we open at nine, and close at five, every weekday.'.split(/(?<= )/));
    assert.deepEqual(out, ['Of course,', 'we open at nine,', 'and close at five,', 'every weekday.']);
  });

  it('does not end a sentence at abbreviations or decimal points', () => {
    const out = feed(new SentenceChunker(), ['Dr. Smith sees you at 10.30 on Monday. ', 'Bye.']);
    assert.deepEqual(out, ['Dr. Smith sees you at 10.30 on Monday.', 'Bye.']);
  });

  it('caps a chunk that never reaches a boundary', () => {
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    const out = feed(new SentenceChunker({ maxChars: 80 }), [words]);
    assert.ok(out.length > 1);
    for (const chunk of out) assert.ok(chunk.length <= 80, chunk);
    assert.equal(out.join(' '), words);
  });

  it('drops chunks with nothing to say and clears on reset', () => {
    const c = new SentenceChunker();
    assert.deepEqual(c.push('... '), []);
    c.push('half a sente');
    c.reset();
    assert.equal(c.end(), undefined);
  });
});
