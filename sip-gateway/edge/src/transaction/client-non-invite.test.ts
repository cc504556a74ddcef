import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SipMessage } from '../sip/message.js';
import { TCP_PEER, UDP_PEER, harness, makeRequest, makeResponse, schedule } from './test-support.js';

function start(h: ReturnType<typeof harness>, target = UDP_PEER, handlers: { onTransportError?: boolean } = {}) {
  const got: SipMessage[] = [];
  const events: string[] = [];
  const req = makeRequest({ method: 'BYE', branch: 'z9hG4bKbye1', toTag: 'peer' });
  const txn = h.mgr.sendRequest(req, target, {
    onResponse: (r) => got.push(r),
    onTimeout: () => events.push('timeout'),
    ...(handlers.onTransportError === false ? {} : { onTransportError: (e: Error) => events.push(`error:${e.message}`) }),
    onTerminated: () => events.push('terminated'),
  });
  return { req, txn, got, events };
}

const isBye = (m: SipMessage) => m.method === 'BYE';

test('non-INVITE client: Timer E 500, 1000, 2000, 4000, 4000… and Timer F at 32 s', () => {
  const h = harness();
  const c = start(h);
  assert.equal(c.txn.state, 'trying');
  h.clock.advance(31_999);
  assert.deepEqual(h.timesOf(isBye), schedule([500, 1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000, 4000]));
  assert.deepEqual(c.events, []);
  h.clock.advance(1);
  assert.deepEqual(c.events, ['timeout', 'terminated']);
  assert.equal(h.mgr.size(), 0);
  assert.equal(h.clock.pending, 0);
});

test('non-INVITE client: in Proceeding, Timer E continues at T2', () => {
  const h = harness();
  const c = start(h);
  h.clock.advance(600); // sent at 0, 500; next E due at 1500
  h.mgr.handleResponse(makeResponse(c.req, 100, 'Trying'), UDP_PEER);
  assert.equal(c.txn.state, 'proceeding');
  h.clock.advance(10_000);
  assert.deepEqual(h.timesOf(isBye), [0, 500, 1500, 5500, 9500]);
  assert.deepEqual(c.got.map((r) => r.status), [100]);
  c.txn.terminate();
  assert.equal(h.mgr.size(), 0);
});

test('non-INVITE client: final → Completed, retransmissions absorbed, Timer K (T4)', () => {
  const h = harness();
  const c = start(h);
  h.mgr.handleResponse(makeResponse(c.req, 200, 'OK'), UDP_PEER);
  assert.equal(c.txn.state, 'completed');
  assert.deepEqual(h.mgr.handleResponse(makeResponse(c.req, 200, 'OK'), UDP_PEER).kind, 'matched');
  assert.equal(c.got.length, 1);
  h.clock.advance(4999);
  assert.deepEqual(h.timesOf(isBye), [0], 'no retransmission after the final');
  assert.equal(c.txn.state, 'completed');
  h.clock.advance(1);
  assert.equal(c.txn.state, 'terminated');
  assert.deepEqual(c.events, ['terminated']);
  assert.equal(h.mgr.size(), 0);
});

test('non-INVITE client over TCP: no Timer E, Timer F still, Timer K = 0', () => {
  const h = harness();
  const c = start(h, TCP_PEER);
  h.clock.advance(31_999);
  assert.deepEqual(h.timesOf(isBye), [0]);
  h.mgr.handleResponse(makeResponse(c.req, 200, 'OK'), TCP_PEER);
  assert.equal(c.txn.state, 'terminated');
  assert.equal(h.mgr.size(), 0);
  const c2 = start(h, TCP_PEER);
  h.clock.advance(32_000);
  assert.deepEqual(c2.events, ['timeout', 'terminated']);
  assert.equal(h.mgr.size(), 0);
});

test('non-INVITE client: transport error on a retransmission without onTransportError → onTimeout', () => {
  const h = harness();
  const c = start(h, UDP_PEER, { onTransportError: false });
  h.failNextSend();
  h.clock.advance(500);
  assert.deepEqual(c.events, ['timeout', 'terminated']);
  assert.equal(h.mgr.size(), 0);
  assert.equal(h.clock.pending, 0);
});
