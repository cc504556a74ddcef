import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DtmfReceiver } from './receiver.js';
import { digitToEvent, eventToDigit, parseTelephoneEvent, serializeTelephoneEvent } from './rfc4733.js';
import { DtmfSender, type DtmfStep } from './sender.js';

const ev = (event: number, duration: number, end = false) => serializeTelephoneEvent({ event, end, volume: 10, duration });

test('telephone-event payload round-trips and maps digits', () => {
  const p = parseTelephoneEvent(serializeTelephoneEvent({ event: 11, end: true, volume: 10, duration: 800 }));
  assert.deepEqual(p, { event: 11, end: true, volume: 10, duration: 800 });
  assert.equal(parseTelephoneEvent(Buffer.alloc(3)), undefined);
  assert.equal(eventToDigit(10), '*');
  assert.equal(eventToDigit(15), 'D');
  assert.equal(eventToDigit(16), undefined);
  assert.equal(digitToEvent('#'), 11);
  assert.equal(digitToEvent('a'), 12);
  assert.equal(digitToEvent('x'), undefined);
});

test('a press with three end packets is reported once, with its duration', () => {
  const r = new DtmfReceiver();
  const ts = 123456;
  const out = [
    ...r.onPacket(ts, ev(5, 160), 0),
    ...r.onPacket(ts, ev(5, 320), 20),
    ...r.onPacket(ts, ev(5, 800, true), 40),
    ...r.onPacket(ts, ev(5, 800, true), 41),
    ...r.onPacket(ts, ev(5, 800, true), 42),
    ...r.onPacket(ts, ev(5, 320), 43), // a reordered continuation after the end
  ];
  assert.deepEqual(out, [{ digit: '5', durationMs: 100 }]);
});

test('the same digit pressed twice (new timestamps) is reported twice', () => {
  const r = new DtmfReceiver();
  const out = [...r.onPacket(1000, ev(1, 800, true), 0), ...r.onPacket(3000, ev(1, 800, true), 200)];
  assert.deepEqual(out.map((d) => d.digit), ['1', '1']);
});

test('a press whose end packets are lost is reported when the next starts, or after a quiet period', () => {
  const r = new DtmfReceiver(500);
  assert.deepEqual(r.onPacket(1000, ev(2, 480), 0), []);
  assert.deepEqual(r.onPacket(5000, ev(3, 160), 100), [{ digit: '2', durationMs: 60 }]);
  assert.equal(r.poll(300), undefined);
  assert.deepEqual(r.poll(700), { digit: '3', durationMs: 20 });
  assert.equal(r.poll(2000), undefined);
});

test('non-DTMF events and short payloads are ignored', () => {
  const r = new DtmfReceiver();
  assert.deepEqual(r.onPacket(1, ev(16, 800, true), 0), []);
  assert.deepEqual(r.onPacket(2, Buffer.alloc(2), 0), []);
});

test('the sender emits start (marker), continuations, three end packets, then a pause between digits', () => {
  const s = new DtmfSender('1#', { toneMs: 60, gapMs: 40 });
  const steps: DtmfStep[] = [];
  for (let ts = 1000; steps.at(-1)?.kind !== 'done'; ts += 160) steps.push(s.next(ts));
  const kinds = steps.map((x) => (x.kind === 'packet' ? (parseTelephoneEvent(x.payload)!.end ? 'E' : 'T') : x.kind[0]));
  assert.deepEqual(kinds.join(''), 'TTTEEEppTTTEEEd');
  const packets = steps.filter((x): x is Extract<DtmfStep, { kind: 'packet' }> => x.kind === 'packet');
  const first = packets.slice(0, 6);
  assert.ok(first.every((p) => p.timestamp === 1000), 'one timestamp per event');
  assert.deepEqual(first.map((p) => p.marker), [true, false, false, false, false, false]);
  assert.deepEqual(first.map((p) => parseTelephoneEvent(p.payload)!.duration), [160, 320, 480, 480, 480, 480]);
  assert.equal(parseTelephoneEvent(packets[6]!.payload)!.event, 11);
  assert.equal(packets[6]!.timestamp, 1000 + 8 * 160);
  assert.throws(() => new DtmfSender('12x'), RangeError);
});
