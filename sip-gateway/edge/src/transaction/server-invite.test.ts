import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerTransaction } from './base.js';
import { TCP_PEER, UDP_PEER, harness, makeRequest, makeResponse, schedule } from './test-support.js';

function newInvite(h: ReturnType<typeof harness>, source = UDP_PEER): ServerTransaction {
  const r = h.mgr.handleRequest(makeRequest(), source);
  assert.equal(r.kind, 'new');
  return (r as { txn: ServerTransaction }).txn;
}

const is = (status: number) => (m: { status: number }) => m.status === status;

test('INVITE server: 100 Trying at once, to the source over the same transport', () => {
  const h = harness();
  const txn = newInvite(h);
  assert.equal(txn.state, 'proceeding');
  assert.equal(txn.kind, 'invite');
  assert.equal(h.sent.length, 1);
  const trying = h.sent[0];
  assert.equal(trying?.msg.status, 100);
  assert.deepEqual(trying?.target, UDP_PEER);
  assert.equal(trying?.msg.getAll('via').length, 2);
  assert.equal(trying?.msg.get('cseq'), '1 INVITE');
  assert.ok(!trying?.msg.get('to')?.includes('tag='));
  txn.terminate();
  assert.equal(h.mgr.size(), 0);
});

test('INVITE server: sendTryingForInvite=false sends nothing on creation', () => {
  const h = harness({ sendTryingForInvite: false });
  const txn = newInvite(h);
  assert.equal(h.sent.length, 0);
  assert.deepEqual(h.mgr.handleRequest(makeRequest(), UDP_PEER), { kind: 'absorbed' });
  assert.equal(h.sent.length, 0, 'no provisional yet: nothing to re-send');
  txn.terminate();
});

test('INVITE server: retransmitted INVITE is absorbed and the last provisional re-sent', () => {
  const h = harness();
  const txn = newInvite(h);
  const ringing = makeResponse(txn.request, 180, 'Ringing', 'uas1');
  assert.equal(txn.sendResponse(ringing), true);
  h.clear();
  assert.deepEqual(h.mgr.handleRequest(makeRequest(), UDP_PEER), { kind: 'absorbed' });
  assert.equal(h.sent.length, 1);
  assert.equal(h.sent[0]?.msg, ringing);
  txn.terminate();
  assert.equal(h.mgr.size(), 0);
});

test('INVITE server: 486 retransmitted at 500/1000/2000/4000/4000… then Timer H fires at 32 s', () => {
  const h = harness();
  const txn = newInvite(h);
  let timeouts = 0;
  let terminated = 0;
  txn.onTimeout = () => timeouts++;
  txn.onTerminated = () => terminated++;
  const busy = makeResponse(txn.request, 486, 'Busy Here', 'uas1');
  assert.equal(txn.sendResponse(busy), true);
  assert.equal(txn.state, 'completed');
  assert.equal(txn.lastFinalStatus, 486);
  assert.equal(txn.sendResponse(makeResponse(txn.request, 200, 'OK', 'uas1')), false, 'second final refused');
  h.clock.advance(31_999);
  assert.deepEqual(h.timesOf(is(486)), schedule([500, 1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000, 4000]));
  assert.equal(timeouts, 0);
  // an INVITE retransmission in Completed re-sends the final response
  h.mgr.handleRequest(makeRequest(), UDP_PEER);
  assert.equal(h.timesOf(is(486)).length, 12);
  h.clock.advance(1);
  assert.equal(timeouts, 1);
  assert.equal(terminated, 1);
  assert.equal(txn.state, 'terminated');
  assert.equal(h.mgr.size(), 0);
  assert.equal(h.clock.pending, 0);
});

test('INVITE server: ACK stops retransmissions, Confirmed absorbs ACKs, Timer I (T4) ends it', () => {
  const h = harness();
  const txn = newInvite(h);
  let timeouts = 0;
  txn.onTimeout = () => timeouts++;
  txn.sendResponse(makeResponse(txn.request, 486, 'Busy Here', 'uas1'));
  h.clock.advance(1600); // 486 at 0, 500, 1500
  assert.deepEqual(h.mgr.handleRequest(makeRequest({ method: 'ACK', toTag: 'uas1' }), UDP_PEER), { kind: 'absorbed' });
  assert.equal(txn.state, 'confirmed');
  assert.deepEqual(h.mgr.handleRequest(makeRequest({ method: 'ACK', toTag: 'uas1' }), UDP_PEER), { kind: 'absorbed' });
  h.mgr.handleRequest(makeRequest(), UDP_PEER); // INVITE retransmission in Confirmed: absorbed silently
  h.clock.advance(4999);
  assert.deepEqual(h.timesOf(is(486)), [0, 500, 1500]);
  assert.equal(txn.state, 'confirmed');
  h.clock.advance(1);
  assert.equal(txn.state, 'terminated');
  assert.equal(timeouts, 0);
  assert.equal(h.mgr.size(), 0);
  assert.equal(h.clock.pending, 0);
});

test('INVITE server over TCP: no retransmissions, Timer I = 0, Timer H still applies', () => {
  const h = harness();
  const txn = newInvite(h, TCP_PEER);
  txn.sendResponse(makeResponse(txn.request, 603, 'Decline', 'uas1'));
  h.clock.advance(20_000);
  assert.deepEqual(h.timesOf(is(603)), [0]);
  assert.deepEqual(h.sent[1]?.target, TCP_PEER);
  h.mgr.handleRequest(makeRequest({ method: 'ACK', toTag: 'uas1' }), TCP_PEER);
  assert.equal(txn.state, 'terminated', 'Timer I is zero on TCP');
  assert.equal(h.mgr.size(), 0);

  const txn2 = newInvite(h, TCP_PEER);
  let timeouts = 0;
  txn2.onTimeout = () => timeouts++;
  txn2.sendResponse(makeResponse(txn2.request, 603, 'Decline', 'uas1'));
  h.clock.advance(32_000);
  assert.equal(timeouts, 1);
  assert.equal(h.mgr.size(), 0);
});

test('INVITE server 2xx: Accepted, retransmitted INVITE absorbed, TU 2xx re-sends pass, ACK to TU, Timer L', () => {
  const h = harness();
  const txn = newInvite(h);
  let terminated = 0;
  txn.onTerminated = () => terminated++;
  const ok = makeResponse(txn.request, 200, 'OK', 'uas1');
  assert.equal(txn.sendResponse(ok), true);
  assert.equal(txn.state, 'accepted');
  h.clear();
  assert.deepEqual(h.mgr.handleRequest(makeRequest(), UDP_PEER), { kind: 'absorbed' });
  assert.equal(h.sent.length, 0, 'the transaction never re-sends a 2xx itself');
  assert.equal(txn.sendResponse(ok), true, 'the TU retransmits the 2xx through the transaction');
  assert.equal(txn.sendResponse(makeResponse(txn.request, 180, 'Ringing')), false);
  assert.equal(h.sent.length, 1);
  // an ACK with the INVITE's branch (non-compliant UAC) while Accepted still goes to the TU
  assert.deepEqual(h.mgr.handleRequest(makeRequest({ method: 'ACK', toTag: 'uas1' }), UDP_PEER), { kind: 'ack-for-2xx' });
  // the compliant ACK has its own branch and matches nothing
  const ack = makeRequest({ method: 'ACK', toTag: 'uas1', branch: 'z9hG4bKack2xx' });
  assert.deepEqual(h.mgr.handleRequest(ack, UDP_PEER), { kind: 'ack-for-2xx' });
  h.clock.advance(31_999);
  assert.equal(txn.state, 'accepted');
  h.clock.advance(1);
  assert.equal(txn.state, 'terminated');
  assert.equal(terminated, 1);
  assert.equal(h.mgr.size(), 0);
});

test('INVITE server: transport error on the final response terminates and reports', () => {
  const h = harness();
  const txn = newInvite(h);
  const errors: string[] = [];
  txn.onTransportError = (e) => errors.push(e.message);
  h.failNextSend(new Error('EPIPE'));
  assert.equal(txn.sendResponse(makeResponse(txn.request, 486, 'Busy Here', 'uas1')), false);
  assert.deepEqual(errors, ['EPIPE']);
  assert.equal(txn.state, 'terminated');
  assert.equal(h.mgr.size(), 0);
  assert.equal(h.clock.pending, 0);
});
