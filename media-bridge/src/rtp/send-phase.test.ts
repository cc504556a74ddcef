import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANSWER_ALLOWANCE_MS, sendsOnSecondHalf } from './send-phase.js';

test('the send half is the first one after the answer can be ready', () => {
  // ticks at 0, 20, 40…; second halves at 10, 30…; here the answer is ready 5 ms after the packet
  assert.equal(sendsOnSecondHalf(0, 20, 10, undefined, 5), true, 'ready at 5: the half at 10 comes first');
  assert.equal(sendsOnSecondHalf(5, 20, 10, undefined, 5), true, 'ready at 10 exactly');
  assert.equal(sendsOnSecondHalf(6, 20, 10, undefined, 5), false, 'ready at 11: the deadline at 20');
  assert.equal(sendsOnSecondHalf(14, 20, 10, undefined, 5), false);
  assert.equal(sendsOnSecondHalf(16, 20, 10, undefined, 5), true, 'ready at 21: the half at 30 comes before the deadline at 40');
  assert.equal(sendsOnSecondHalf(43, 20, 10, undefined, 5), true, 'a late tick: only the phase counts (ready at 48: the half at 50)');
  assert.equal(sendsOnSecondHalf(47, 20, 10, undefined, 5), false, 'ready at 52: the deadline at 60');
  assert.equal(sendsOnSecondHalf(-3, 20, 10, undefined, 5), true, 'a packet just before the deadline was noted (ready at 2)');
});

test('the longest wait from a packet to the send is half a period plus the allowance', () => {
  const a = ANSWER_ALLOWANCE_MS;
  for (let since = 0; since < 20; since += 0.25) {
    const ready = since + a;
    const half = sendsOnSecondHalf(since, 20, 10);
    // the first send of the chosen half at or after `ready`
    let sendAt = half ? 10 : 0;
    while (sendAt < ready) sendAt += 20;
    assert.ok(sendAt - since <= 10 + a, `packet at ${since}: send at ${sendAt}`);
  }
});

test('no second half (offset 0) or no phase known: the deadline', () => {
  assert.equal(sendsOnSecondHalf(0, 20, 0, undefined, 5), false);
  assert.equal(sendsOnSecondHalf(NaN, 20, 10, undefined, 5), false);
});

test('near a boundary a call keeps the half it has', () => {
  assert.equal(sendsOnSecondHalf(5.5, 20, 10, true, 5), true, 'ready at 10.5: within 1 ms of the boundary, stays');
  assert.equal(sendsOnSecondHalf(4.5, 20, 10, false, 5), false, 'ready at 9.5: stays on the deadline');
  assert.equal(sendsOnSecondHalf(7, 20, 10, true, 5), false, 'ready at 12: clearly past, moves');
  assert.equal(sendsOnSecondHalf(14.5, 20, 10, false, 5), false, 'ready at 19.5: keeps the deadline');
  assert.equal(sendsOnSecondHalf(14.5, 20, 10, true, 5), true, 'ready at 19.5: keeps the second half');
});
