import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerTransaction } from './base.js';
import { TCP_PEER, UDP_PEER, harness, makeRequest, makeResponse } from './test-support.js';

const options = () => makeRequest({ method: 'OPTIONS', branch: 'z9hG4bKopt1' });

function newTxn(h: ReturnType<typeof harness>, source = UDP_PEER): ServerTransaction {
  const r = h.mgr.handleRequest(options(), source);
  assert.equal(r.kind, 'new');
  return (r as { txn: ServerTransaction }).txn;
}

test('non-INVITE server: Trying absorbs silently, Proceeding re-sends last provisional', () => {
  const h = harness();
  const txn = newTxn(h);
  assert.equal(txn.kind, 'non-invite');
  assert.equal(txn.state, 'trying');
  assert.equal(h.sent.length, 0, 'no automatic 100 for non-INVITE');
  assert.deepEqual(h.mgr.handleRequest(options(), UDP_PEER), { kind: 'absorbed' });
  assert.equal(h.sent.length, 0);
  const trying = makeResponse(txn.request, 100, 'Trying');
  txn.sendResponse(trying);
  assert.equal(txn.state, 'proceeding');
  h.mgr.handleRequest(options(), UDP_PEER);
  assert.deepEqual(h.sent.map((s) => s.msg), [trying, trying]);
  txn.terminate();
  assert.equal(h.mgr.size(), 0);
});

test('non-INVITE server: retransmission gets the final response; Timer J (64*T1) on UDP', () => {
  const h = harness();
  const txn = newTxn(h);
  const ok = makeResponse(txn.request, 200, 'OK', 'x1');
  assert.equal(txn.sendResponse(ok), true);
  assert.equal(txn.state, 'completed');
  assert.equal(txn.lastFinalStatus, 200);
  assert.equal(txn.sendResponse(makeResponse(txn.request, 500, 'Oops')), false);
  h.clock.advance(10_000);
  assert.equal(h.sent.length, 1, 'no retransmission on its own');
  assert.deepEqual(h.mgr.handleRequest(options(), UDP_PEER), { kind: 'absorbed' });
  assert.deepEqual(h.sent.map((s) => [s.at, s.msg.status]), [[0, 200], [10_000, 200]]);
  h.clock.advance(21_999);
  assert.equal(txn.state, 'completed');
  h.clock.advance(1);
  assert.equal(txn.state, 'terminated');
  assert.equal(h.mgr.size(), 0);
  assert.equal(h.clock.pending, 0);
  // after Timer J the same request is a new transaction
  assert.equal(h.mgr.handleRequest(options(), UDP_PEER).kind, 'new');
});

test('non-INVITE server over TCP: Timer J = 0', () => {
  const h = harness();
  const txn = newTxn(h, TCP_PEER);
  let terminated = 0;
  txn.onTerminated = () => terminated++;
  txn.sendResponse(makeResponse(txn.request, 200, 'OK'));
  assert.equal(txn.state, 'terminated');
  assert.equal(terminated, 1);
  assert.deepEqual(h.sent[0]?.target, TCP_PEER);
  assert.equal(h.mgr.size(), 0);
});
