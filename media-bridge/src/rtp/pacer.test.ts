import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pacer, type PacerClock, type PacerTick } from './pacer.js';
import { silentLogger } from '@callgate/contracts';
import { eventually } from '../testing/udp-peer.js';

const MS = 1_000_000n;

/** A hand-driven clock: time moves only when the test says so, timers fire only on `fire()`. */
class FakeClock implements PacerClock {
  t = 1_000_000n * MS;
  pending: { fn: () => void; ms: number } | undefined;
  timersSet = 0;
  now = () => this.t;
  setTimer = (fn: () => void, ms: number) => {
    this.timersSet++;
    this.pending = { fn, ms };
    return this.pending;
  };
  clearTimer = (h: unknown) => {
    if (this.pending === h) this.pending = undefined;
  };
  /** moves time to `atNs` and runs the pending timer */
  fireAt(atNs: bigint) {
    this.t = atNs;
    const p = this.pending;
    this.pending = undefined;
    p?.fn();
  }
}

function recorder() {
  const ticks: PacerTick[] = [];
  return { ticks, onTick: (t: PacerTick) => void ticks.push(t) };
}

test('ticks are keyed to absolute deadlines: timer lateness does not accumulate', () => {
  const clock = new FakeClock();
  const pacer = new Pacer({ clock });
  const ep = recorder();
  const t0 = clock.t;
  pacer.register(ep);
  assert.equal(clock.pending?.ms, 20);
  clock.fireAt(t0 + 23n * MS); // 3 ms late
  assert.equal(ep.ticks[0]!.deadline, t0 + 20n * MS);
  assert.equal(ep.ticks[0]!.periods, 1);
  assert.equal(clock.pending?.ms, 17, 'next wait is measured to the absolute deadline t0+40');
  clock.fireAt(t0 + 41n * MS);
  assert.equal(ep.ticks[1]!.deadline, t0 + 40n * MS);
  assert.equal(clock.pending?.ms, 19);
});

test('after a stall longer than a period the missed deadlines are skipped, not burst', () => {
  const clock = new FakeClock();
  const pacer = new Pacer({ clock });
  const ep = recorder();
  const t0 = clock.t;
  pacer.register(ep);
  clock.fireAt(t0 + 75n * MS); // deadlines 20, 40, 60 are past: serve 60 once, skip 2
  assert.equal(ep.ticks.length, 1);
  assert.equal(ep.ticks[0]!.periods, 3);
  assert.equal(ep.ticks[0]!.deadline, t0 + 60n * MS);
  assert.equal(clock.pending?.ms, 5, 'back on the 20 ms grid at t0+80');
  assert.equal(pacer.stats().skippedPeriods, 2);
});

test('an early wake-up waits again instead of ticking', () => {
  const clock = new FakeClock();
  const pacer = new Pacer({ clock });
  const ep = recorder();
  const t0 = clock.t;
  pacer.register(ep);
  clock.fireAt(t0 + 15n * MS);
  assert.equal(ep.ticks.length, 0);
  assert.equal(clock.pending?.ms, 5);
});

/** A fake clock that can also poll (like setImmediate): polls run only on `runPolls()`. */
class PollingClock extends FakeClock {
  polls: Array<() => void> = [];
  poll = (fn: () => void) => void this.polls.push(fn);
  /** moves time to `atNs` and runs the polls queued so far (those they queue wait for the next call) */
  runPolls(atNs: bigint) {
    this.t = atNs;
    const due = this.polls;
    this.polls = [];
    for (const fn of due) fn();
  }
}

test('with a polling clock the timer aims leadMs early and the tick waits for its exact deadline', () => {
  const clock = new PollingClock();
  const pacer = new Pacer({ clock, leadMs: 2 });
  const ep = recorder();
  const t0 = clock.t;
  pacer.register(ep);
  assert.equal(clock.pending?.ms, 18, 'timer aimed 2 ms before the deadline');
  clock.fireAt(t0 + 18n * MS + 300_000n); // inside the lead: poll instead of ticking
  assert.equal(ep.ticks.length, 0);
  assert.equal(clock.polls.length, 1);
  clock.runPolls(t0 + 19n * MS + 900_000n); // 0.1 ms early: no tick yet, poll again (a timer would tick here)
  assert.equal(ep.ticks.length, 0);
  assert.equal(clock.polls.length, 1);
  clock.runPolls(t0 + 20n * MS + 50_000n);
  assert.equal(ep.ticks.length, 1);
  assert.equal(ep.ticks[0]!.deadline, t0 + 20n * MS);
  assert.equal(clock.pending?.ms, 17, 'the next timer aims 2 ms before t0+40, measured from now');
});

/** A polling clock that can also sleep (like Atomics.wait): a sleep moves time on by what was asked. */
class SleepingClock extends PollingClock {
  sleeps: bigint[] = [];
  sleep = (ns: bigint) => {
    this.sleeps.push(ns);
    this.t += ns;
  };
}

test('with a sleeping clock the last stretch before a deadline is slept, not polled', () => {
  const clock = new SleepingClock();
  const pacer = new Pacer({ clock, leadMs: 2, inboundOffsetMs: 10 });
  const order: string[] = [];
  const t0 = clock.t;
  pacer.register({ onTick: (t) => void order.push(`send@${(t.deadline - t0) / MS}`), onInbound: () => void order.push(`recv@${(clock.t - t0) / MS}`) });
  assert.equal(clock.pending?.ms, 18, 'timer aimed 2 ms before the deadline');
  clock.fireAt(t0 + 18n * MS + 300_000n);
  assert.deepEqual(clock.sleeps, [MS + 700_000n], 'slept exactly the rest of the way');
  assert.deepEqual(order, ['send@20'], 'sent at the deadline, with no poll');
  assert.equal(clock.polls.length, 0);
  assert.equal(clock.pending?.ms, 8, 'the timer aims 2 ms before the offset side (t0+30)');
  clock.fireAt(t0 + 29n * MS);
  assert.equal(clock.sleeps.at(-1), MS);
  assert.deepEqual(order, ['send@20'], 'the receive side waits for the check phase, after the sockets are read');
  assert.equal(clock.polls.length, 1);
  clock.runPolls(clock.t);
  assert.deepEqual(order, ['send@20', 'recv@30']);
});

test('a sleeping clock reached late does not sleep', () => {
  const clock = new SleepingClock();
  const pacer = new Pacer({ clock, leadMs: 1 });
  const ep = recorder();
  const t0 = clock.t;
  pacer.register(ep);
  clock.fireAt(t0 + 21n * MS);
  assert.deepEqual(clock.sleeps, []);
  assert.equal(ep.ticks.length, 1);
});

test('a poll pending when the clock stops does not tick after a restart', () => {
  const clock = new PollingClock();
  const pacer = new Pacer({ clock, leadMs: 1 });
  const ep = recorder();
  const t0 = clock.t;
  pacer.register(ep);
  clock.fireAt(t0 + 19n * MS + 500_000n);
  assert.equal(clock.polls.length, 1);
  pacer.unregister(ep);
  pacer.register(ep); // restarts: deadline t0+19.5+20
  clock.runPolls(t0 + 21n * MS);
  assert.equal(ep.ticks.length, 0, 'the stale poll of the first run did nothing');
  assert.ok(clock.pending, 'the restarted clock waits on its own timer');
});

test('leadMs must be shorter than the period', () => {
  assert.throws(() => new Pacer({ clock: new PollingClock(), leadMs: 20 }), RangeError);
});

test('one clock drives every endpoint; a failing endpoint does not stop the others', () => {
  const clock = new FakeClock();
  const pacer = new Pacer({ clock, logger: silentLogger });
  const a = recorder();
  const b = recorder();
  pacer.register({ onTick: () => { throw new Error('boom'); } });
  pacer.register(a);
  pacer.register(b);
  assert.equal(clock.timersSet, 1, 'one timer for all endpoints');
  clock.fireAt(clock.t + 20n * MS);
  assert.equal(a.ticks.length, 1);
  assert.equal(b.ticks.length, 1);
  assert.equal(clock.timersSet, 2);
});

test('the clock stops when the last endpoint leaves, and restarts on the next register', () => {
  const clock = new FakeClock();
  const pacer = new Pacer({ clock });
  const a = recorder();
  pacer.register(a);
  assert.equal(pacer.isRunning, true);
  pacer.unregister(a);
  assert.equal(pacer.isRunning, false);
  assert.equal(clock.pending, undefined);
  pacer.register(a);
  assert.equal(pacer.isRunning, true);
  assert.ok(clock.pending);
});

test('an endpoint unregistering itself (or another) during a tick is honoured at once', () => {
  const clock = new FakeClock();
  const pacer = new Pacer({ clock });
  const b = recorder();
  const a = { onTick: () => pacer.unregister(b) };
  pacer.register(a);
  pacer.register(b);
  clock.fireAt(clock.t + 20n * MS);
  assert.equal(b.ticks.length, 0);
  assert.equal(pacer.stats().registered, 1);
});

test('the real clock ticks registered endpoints until stopped', async () => {
  const pacer = new Pacer();
  const ep = recorder();
  pacer.register(ep);
  await eventually(() => ep.ticks.length >= 3, 5000, 'three real ticks');
  pacer.stop();
  assert.equal(pacer.isRunning, false);
  assert.ok(ep.ticks.every((t) => t.periods >= 1));
});

/** a fake clock holding any number of timers, fired in due order by `advanceTo` */
class MultiTimerClock implements PacerClock {
  t = 1_000_000n * MS;
  timers = new Set<{ fn: () => void; at: bigint }>();
  now = () => this.t;
  setTimer = (fn: () => void, ms: number) => {
    const h = { fn, at: this.t + BigInt(ms) * MS };
    this.timers.add(h);
    return h;
  };
  clearTimer = (h: unknown) => void this.timers.delete(h as { fn: () => void; at: bigint });
  advanceTo(atNs: bigint) {
    for (;;) {
      const due = [...this.timers].filter((h) => h.at <= atNs).sort((a, b) => (a.at < b.at ? -1 : 1))[0];
      if (!due) break;
      this.timers.delete(due);
      this.t = due.at;
      due.fn();
    }
    this.t = atNs;
  }
}

test('with inboundOffsetMs the receive side runs that long after the send side, then the after-tick hooks', () => {
  const clock = new MultiTimerClock();
  const pacer = new Pacer({ clock, inboundOffsetMs: 10 });
  const order: string[] = [];
  const t0 = clock.t;
  pacer.register({ onTick: () => void order.push(`send@${(clock.t - t0) / MS}`), onInbound: () => void order.push(`recv@${(clock.t - t0) / MS}`) });
  pacer.onAfterTick(() => void order.push(`after@${(clock.t - t0) / MS}`));
  clock.advanceTo(t0 + 45n * MS);
  assert.deepEqual(order, ['send@20', 'recv@30', 'after@30', 'send@40']);
});

test('by default the receive side runs first in the tick; an endpoint without onInbound is only ticked', () => {
  const clock = new MultiTimerClock();
  const pacer = new Pacer({ clock });
  const order: string[] = [];
  pacer.register({ onTick: () => void order.push('send'), onInbound: () => void order.push('recv') });
  pacer.register({ onTick: () => void order.push('send-only') });
  pacer.onAfterTick(() => void order.push('after'));
  clock.advanceTo(clock.t + 20n * MS);
  assert.deepEqual(order, ['recv', 'send', 'send-only', 'after']);
  assert.throws(() => new Pacer({ inboundOffsetMs: 20 }), RangeError);
});

test('a receive side overdue when the next tick comes runs before that tick; none runs after the clock stops', () => {
  const clock = new MultiTimerClock();
  const pacer = new Pacer({ clock, inboundOffsetMs: 10 });
  const order: string[] = [];
  const t0 = clock.t;
  const ep = { onTick: () => void order.push('send'), onInbound: () => void order.push('recv') };
  pacer.register(ep);
  clock.advanceTo(t0 + 20n * MS); // send at 20, receive due at 30
  assert.equal(clock.timers.size, 1, 'one timer at a time: the next half');
  // a stall: the clock's timer fires only at 41, past the next tick's deadline
  const [pending] = [...clock.timers];
  clock.timers.clear();
  clock.t = t0 + 41n * MS;
  pending!.fn();
  assert.deepEqual(order, ['send', 'recv'], 'the overdue receive side ran first, on its own');
  clock.advanceTo(t0 + 45n * MS);
  assert.deepEqual(order, ['send', 'recv', 'send']);
  pacer.unregister(ep);
  assert.equal(clock.timers.size, 0, 'stopping clears the timer');
  clock.advanceTo(t0 + 100n * MS);
  assert.deepEqual(order, ['send', 'recv', 'send']);
});

test('an endpoint that sendsAtOffset sends on the second half, before the receive sides; switching moves it a half', () => {
  const clock = new MultiTimerClock();
  const pacer = new Pacer({ clock, inboundOffsetMs: 10 });
  const order: string[] = [];
  const t0 = clock.t;
  const at = () => (clock.t - t0) / MS;
  const a = { onTick: () => void order.push(`a@${at()}`), onInbound: () => void order.push(`ra@${at()}`) };
  const b = { sendsAtOffset: true, onTick: () => void order.push(`b@${at()}`), onInbound: () => void order.push(`rb@${at()}`) };
  pacer.register(a);
  pacer.register(b);
  pacer.onAfterTick(() => void order.push(`after@${at()}`));
  clock.advanceTo(t0 + 45n * MS);
  assert.deepEqual(order, ['a@20', 'b@30', 'ra@30', 'rb@30', 'after@30', 'a@40']);
  order.length = 0;
  b.sendsAtOffset = false; // taken at the next tick: b sends at 60 (an interval of 30 once), then every 20
  clock.advanceTo(t0 + 85n * MS);
  assert.deepEqual(order.filter((o) => o.startsWith('b')), ['b@50', 'b@60', 'b@80']);
});

test('with a polling clock an offset side reached by a late timer waits for the check phase (after I/O)', () => {
  const clock = new PollingClock();
  const pacer = new Pacer({ clock, leadMs: 1, inboundOffsetMs: 10 });
  const order: string[] = [];
  const t0 = clock.t;
  pacer.register({ onTick: () => void order.push('send'), onInbound: () => void order.push('recv') });
  clock.fireAt(t0 + 19n * MS);
  clock.runPolls(t0 + 20n * MS);
  assert.deepEqual(order, ['send']);
  assert.equal(clock.pending?.ms, 9, 'the timer aims 1 ms before the offset side');
  clock.fireAt(t0 + 33n * MS); // late, from a timer
  assert.deepEqual(order, ['send'], 'not in the timer phase');
  clock.runPolls(t0 + 33n * MS + 100_000n);
  assert.deepEqual(order, ['send', 'recv']);
});

test('on the second half, the endpoints that sent on the deadline get their chance after that half\'s sends, before the receive sides', () => {
  const clock = new FakeClock();
  const pacer = new Pacer({ clock, inboundOffsetMs: 10 });
  const order: string[] = [];
  const t0 = clock.t;
  const endpoint = (name: string, sendsAtOffset: boolean) => ({
    sendsAtOffset,
    onTick: () => void order.push(`${name}:send`),
    onOffsetHalf: () => void order.push(`${name}:chance`),
    onInbound: () => void order.push(`${name}:recv`),
  });
  pacer.register(endpoint('d', false));
  pacer.register(endpoint('o', true));
  clock.fireAt(t0 + 20n * MS);
  assert.deepEqual(order, ['d:send']);
  clock.fireAt(t0 + 30n * MS);
  assert.deepEqual(order, ['d:send', 'o:send', 'd:chance', 'd:recv', 'o:recv']);
});
