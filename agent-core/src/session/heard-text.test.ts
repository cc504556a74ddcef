import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HeardText } from './heard-text.js';

describe('HeardText', () => {
  const reply = () => {
    const h = new HeardText();
    h.add('We open at nine.', 1000);
    h.add('On Saturdays we open at ten and close at two.', 2000);
    return h;
  };

  it('keeps whole chunks that finished and the spoken share of the interrupted one', () => {
    const h = reply();
    assert.equal(h.heard(0), '');
    assert.equal(h.heard(999), 'We open at');
    assert.equal(h.heard(1000), 'We open at nine.');
    // half of the second chunk's 10 words
    assert.equal(h.heard(2000), 'We open at nine. On Saturdays we open at');
    assert.equal(h.heard(5000), h.fullText());
  });

  it('splits by part: a filler (part -1) is heard but belongs to no part', () => {
    const h = new HeardText();
    h.add('One moment.', 500, -1);
    h.add('Let me check.', 500, 0);
    h.add('You are booked.', 1000, 1);
    assert.equal(h.heard(1500, 0), 'Let me check.');
    assert.equal(h.heard(1700, 1), 'You are');
    assert.equal(h.heard(400, 1), '');
    assert.equal(h.fullText(1), 'You are booked.');
  });

  it('counts the queued audio', () => {
    assert.equal(reply().queuedMs, 3000);
  });
});
