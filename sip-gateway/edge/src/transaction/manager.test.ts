import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipMessage } from '../sip/message.js';
import type { ServerTransaction } from './base.js';
import { UDP_PEER, harness, makeRequest, makeResponse } from './test-support.js';

const OLD_VIA = 'SIP/2.0/UDP legacy.example:5060';

function newTxn(h: ReturnType<typeof harness>, req: SipMessage): ServerTransaction {
  const r = h.mgr.handleRequest(req, UDP_PEER);
  assert.equal(r.kind, 'new');
  return (r as { txn: ServerTransaction }).txn;
}

test('CANCEL: own transaction, correlated to the INVITE it cancels by branch; 487 flow cleans up', () => {
  const h = harness();
  const invite = newTxn(h, makeRequest());
  const r = h.mgr.handleRequest(makeRequest({ method: 'CANCEL' }), UDP_PEER);
  assert.equal(r.kind, 'cancel');
  if (r.kind !== 'cancel') return;
  assert.equal(r.txn, invite);
  assert.notEqual(r.cancelTxn, invite);
  assert.notEqual(r.cancelTxn.id, invite.id);
  assert.equal(r.cancelTxn.kind, 'non-invite');
  assert.equal(h.mgr.size(), 2);
  // a retransmitted CANCEL is absorbed by the CANCEL transaction
  assert.deepEqual(h.mgr.handleRequest(makeRequest({ method: 'CANCEL' }), UDP_PEER), { kind: 'absorbed' });
  r.cancelTxn.sendResponse(makeResponse(r.cancelTxn.request, 200, 'OK', 'uas1'));
  invite.sendResponse(makeResponse(invite.request, 487, 'Request Terminated', 'uas1'));
  h.mgr.handleRequest(makeRequest({ method: 'ACK', toTag: 'uas1' }), UDP_PEER);
  h.clock.advance(32_000);
  assert.equal(h.mgr.size(), 0);
  assert.equal(h.clock.pending, 0);
});

test('CANCEL matching no INVITE → txn undefined (the TU answers 481)', () => {
  const h = harness();
  newTxn(h, makeRequest({ branch: 'z9hG4bKother' }));
  const r = h.mgr.handleRequest(makeRequest({ method: 'CANCEL' }), UDP_PEER);
  assert.equal(r.kind, 'cancel');
  if (r.kind !== 'cancel') return;
  assert.equal(r.txn, undefined);
  r.cancelTxn.sendResponse(makeResponse(r.cancelTxn.request, 481, 'Call/Transaction Does Not Exist'));
  h.clock.advance(32_000);
  assert.equal(h.mgr.size(), 1, 'the unrelated INVITE is still live');
});

test('ACK matching no transaction and an ACK-less 2xx flow are reported as ack-for-2xx', () => {
  const h = harness();
  const ack = makeRequest({ method: 'ACK', toTag: 'x', branch: 'z9hG4bKnew' });
  assert.deepEqual(h.mgr.handleRequest(ack, UDP_PEER), { kind: 'ack-for-2xx' });
  assert.equal(h.mgr.size(), 0);
});

test('server transaction ids are unique and stable', () => {
  const h = harness();
  const a = newTxn(h, makeRequest({ branch: 'z9hG4bK1' }));
  const b = newTxn(h, makeRequest({ branch: 'z9hG4bK2' }));
  assert.notEqual(a.id, b.id);
  assert.match(a.id, /^[0-9a-f-]{36}$/);
  a.sendResponse(makeResponse(a.request, 180, 'Ringing'));
  assert.equal(a.id, a.id);
  a.terminate();
  b.terminate();
  assert.equal(h.mgr.size(), 0);
});

test('same branch from a different sent-by is a different transaction', () => {
  const h = harness();
  newTxn(h, makeRequest());
  const other = makeRequest({ via: 'SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bKaaa111' });
  assert.equal(h.mgr.handleRequest(other, UDP_PEER).kind, 'new');
  assert.equal(h.mgr.size(), 2);
});

test('RFC 2543 (no magic cookie): retransmission, ACK with the response tag, CANCEL correlation', () => {
  const h = harness();
  const invite = newTxn(h, makeRequest({ via: OLD_VIA }));
  assert.deepEqual(h.mgr.handleRequest(makeRequest({ via: OLD_VIA }), UDP_PEER), { kind: 'absorbed' });
  assert.equal(h.sent.filter((s) => s.msg.status === 100).length, 2, '100 re-sent on the retransmission');
  const cancel = h.mgr.handleRequest(makeRequest({ via: OLD_VIA, method: 'CANCEL' }), UDP_PEER);
  assert.equal(cancel.kind === 'cancel' && cancel.txn, invite);
  // a different CSeq is a new transaction
  assert.equal(h.mgr.handleRequest(makeRequest({ via: OLD_VIA, cseq: 2 }), UDP_PEER).kind, 'new');
  invite.sendResponse(makeResponse(invite.request, 486, 'Busy Here', 'srv7'));
  // ACK with a foreign To tag does not match
  assert.deepEqual(h.mgr.handleRequest(makeRequest({ via: OLD_VIA, method: 'ACK', toTag: 'nope' }), UDP_PEER), {
    kind: 'ack-for-2xx',
  });
  assert.equal(invite.state, 'completed');
  assert.deepEqual(h.mgr.handleRequest(makeRequest({ via: OLD_VIA, method: 'ACK', toTag: 'srv7' }), UDP_PEER), {
    kind: 'absorbed',
  });
  assert.equal(invite.state, 'confirmed');
  h.clock.advance(5000);
  assert.equal(invite.state, 'terminated');
});

test('client: responses match by branch + CSeq method; INVITE and its CANCEL coexist; misuse throws', () => {
  const h = harness();
  const inv = makeRequest({ branch: 'z9hG4bKc1' });
  const seen: string[] = [];
  h.mgr.sendRequest(inv, UDP_PEER, { onResponse: (r) => seen.push(`inv ${r.status}`), onTimeout: () => {} });
  const cancel = makeRequest({ branch: 'z9hG4bKc1', method: 'CANCEL' });
  h.mgr.sendRequest(cancel, UDP_PEER, { onResponse: (r) => seen.push(`cancel ${r.status}`), onTimeout: () => {} });
  assert.equal(h.mgr.size(), 2);
  h.mgr.handleResponse(makeResponse(cancel, 200, 'OK', 't'), UDP_PEER);
  h.mgr.handleResponse(makeResponse(inv, 487, 'Request Terminated', 't'), UDP_PEER);
  assert.deepEqual(seen, ['cancel 200', 'inv 487']);
  assert.throws(() => h.mgr.sendRequest(makeRequest({ branch: 'z9hG4bKc1' }), UDP_PEER, { onResponse() {}, onTimeout() {} }));
  assert.throws(() => h.mgr.sendRequest(makeRequest({ method: 'ACK' }), UDP_PEER, { onResponse() {}, onTimeout() {} }));
  const noVia = SipMessage.request('OPTIONS', 'sip:x');
  assert.throws(() => h.mgr.sendRequest(noVia, UDP_PEER, { onResponse() {}, onTimeout() {} }));
  assert.throws(() => h.mgr.handleRequest(makeResponse(inv, 200), UDP_PEER), TypeError);
  assert.deepEqual(h.mgr.handleResponse(makeResponse(makeRequest({ branch: 'z9hG4bKzz' }), 200), UDP_PEER), {
    kind: 'stray',
  });
  h.clock.advance(32_000);
  assert.equal(h.mgr.size(), 0);
  assert.equal(h.clock.pending, 0);
});
