import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SipMessage } from '../sip/message.js';
import type { ClientTransaction } from './base.js';
import { TCP_PEER, UDP_PEER, harness, makeRequest, makeResponse, schedule } from './test-support.js';

function start(h: ReturnType<typeof harness>, target = UDP_PEER, route: string[] = []) {
  const got: SipMessage[] = [];
  const events: string[] = [];
  const req = makeRequest({ branch: 'z9hG4bKuac1', route, uri: 'sip:bob@198.51.100.7' });
  const txn: ClientTransaction = h.mgr.sendRequest(req, target, {
    onResponse: (r) => got.push(r),
    onTimeout: () => events.push('timeout'),
    onTransportError: (e) => events.push(`error:${e.message}`),
    onTerminated: () => events.push('terminated'),
  });
  return { req, txn, got, events };
}

const isInvite = (m: SipMessage) => m.method === 'INVITE';
const isAck = (m: SipMessage) => m.method === 'ACK';

test('INVITE client: Timer A doubles (500, 1000, 2000…) and Timer B times out at 64*T1', () => {
  const h = harness();
  const c = start(h);
  assert.equal(c.txn.state, 'calling');
  assert.deepEqual(h.sent[0]?.target, UDP_PEER);
  h.clock.advance(31_999);
  assert.deepEqual(h.timesOf(isInvite), schedule([500, 1000, 2000, 4000, 8000, 16000]));
  assert.deepEqual(c.events, []);
  h.clock.advance(1);
  assert.deepEqual(c.events, ['timeout', 'terminated']);
  assert.equal(c.txn.state, 'terminated');
  assert.equal(h.mgr.size(), 0);
  assert.equal(h.clock.pending, 0);
});

test('INVITE client over TCP: no Timer A, Timer B still fires', () => {
  const h = harness();
  const c = start(h, TCP_PEER);
  h.clock.advance(32_000);
  assert.deepEqual(h.timesOf(isInvite), [0]);
  assert.deepEqual(c.events, ['timeout', 'terminated']);
  assert.equal(h.mgr.size(), 0);
});

test('INVITE client: 1xx stops retransmission; 486 → ACK built and sent, re-sent for retransmitted 486, Timer D', () => {
  const h = harness();
  const c = start(h, UDP_PEER, ['<sip:proxy1.example;lr>', '<sip:proxy2.example;lr>']);
  h.clock.advance(600);
  assert.equal(h.mgr.handleResponse(makeResponse(c.req, 180, 'Ringing', 'uas9'), UDP_PEER).kind, 'matched');
  assert.equal(c.txn.state, 'proceeding');
  h.clock.advance(60_000);
  assert.deepEqual(h.timesOf(isInvite), [0, 500], 'no retransmission and no Timer B in Proceeding');
  const busy = makeResponse(c.req, 486, 'Busy Here', 'uas9');
  h.mgr.handleResponse(busy, UDP_PEER);
  assert.equal(c.txn.state, 'completed');
  assert.deepEqual(c.got.map((r) => r.status), [180, 486]);
  const acks = h.sent.filter((s) => isAck(s.msg));
  assert.equal(acks.length, 1);
  const ack = acks[0]?.msg;
  assert.ok(ack);
  assert.deepEqual(acks[0]?.target, UDP_PEER);
  assert.equal(ack.uri, 'sip:bob@198.51.100.7');
  assert.deepEqual(ack.getAll('via'), [c.req.getAll('via')[0]]);
  assert.equal(ack.get('call-id'), c.req.get('call-id'));
  assert.equal(ack.get('from'), c.req.get('from'));
  assert.equal(ack.get('to'), '<sip:bob@example.com>;tag=uas9');
  assert.equal(ack.get('cseq'), '1 ACK');
  assert.deepEqual(ack.getAll('route'), ['<sip:proxy1.example;lr>', '<sip:proxy2.example;lr>']);
  // retransmitted 486: ACK again, not passed up
  h.mgr.handleResponse(makeResponse(c.req, 486, 'Busy Here', 'uas9'), UDP_PEER);
  assert.equal(h.sent.filter((s) => isAck(s.msg)).length, 2);
  assert.equal(c.got.length, 2);
  h.clock.advance(31_999);
  assert.equal(c.txn.state, 'completed');
  h.clock.advance(1);
  assert.equal(c.txn.state, 'terminated');
  assert.equal(h.mgr.size(), 0);
  assert.equal(h.clock.pending, 0);
  // a 486 after Timer D is stray
  assert.deepEqual(h.mgr.handleResponse(makeResponse(c.req, 486, 'Busy Here', 'uas9'), UDP_PEER), { kind: 'stray' });
});

test('INVITE client over TCP: Timer D = 0 after the ACK', () => {
  const h = harness();
  const c = start(h, TCP_PEER);
  h.mgr.handleResponse(makeResponse(c.req, 503, 'Service Unavailable', 'u'), TCP_PEER);
  assert.equal(h.sent.filter((s) => isAck(s.msg)).length, 1);
  assert.equal(c.txn.state, 'terminated');
  assert.equal(h.mgr.size(), 0);
});

test('INVITE client 2xx: Accepted, every 2xx (retransmits, forks) passed up, others dropped, Timer M', () => {
  const h = harness();
  const c = start(h);
  h.mgr.handleResponse(makeResponse(c.req, 200, 'OK', 'a'), UDP_PEER);
  assert.equal(c.txn.state, 'accepted');
  h.mgr.handleResponse(makeResponse(c.req, 200, 'OK', 'a'), UDP_PEER);
  h.mgr.handleResponse(makeResponse(c.req, 200, 'OK', 'b'), UDP_PEER);
  h.mgr.handleResponse(makeResponse(c.req, 180, 'Ringing', 'c'), UDP_PEER);
  h.mgr.handleResponse(makeResponse(c.req, 486, 'Busy', 'd'), UDP_PEER);
  assert.deepEqual(c.got.map((r) => `${r.status}`), ['200', '200', '200']);
  assert.equal(h.sent.filter((s) => isAck(s.msg)).length, 0, 'the TU ACKs a 2xx, not the transaction');
  h.clock.advance(10_000);
  assert.deepEqual(h.timesOf(isInvite), [0], 'Timer A stopped');
  h.clock.advance(22_000);
  assert.equal(c.txn.state, 'terminated');
  assert.deepEqual(c.events, ['terminated']);
  assert.equal(h.mgr.size(), 0);
  assert.deepEqual(h.mgr.handleResponse(makeResponse(c.req, 200, 'OK', 'a'), UDP_PEER), { kind: 'stray' });
});

test('INVITE client: transport error on send → onTransportError, terminated, nothing leaks', () => {
  const h = harness();
  h.failNextSend(new Error('ECONNREFUSED'));
  const c = start(h, TCP_PEER);
  assert.deepEqual(c.events, ['error:ECONNREFUSED', 'terminated']);
  assert.equal(h.mgr.size(), 0);
  assert.equal(h.clock.pending, 0);
});

test('INVITE client: terminate() abandons a transaction stuck in Proceeding', () => {
  const h = harness();
  const c = start(h);
  h.mgr.handleResponse(makeResponse(c.req, 183, 'Session Progress', 'x'), UDP_PEER);
  c.txn.terminate();
  assert.equal(h.mgr.size(), 0);
  assert.deepEqual(c.events, ['terminated']);
});
