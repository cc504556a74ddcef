import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Dialog, DialogStore, type DialogInit } from './dialog.js';

function init(over: Partial<DialogInit> = {}): DialogInit {
  return {
    role: 'uas',
    callId: 'c1@host',
    localTag: 'ours',
    remoteTag: 'theirs',
    localParty: '<sip:1000@127.0.0.1>;tag=ours',
    remoteParty: '<sip:caller@127.0.0.1>;tag=theirs',
    remoteTarget: 'sip:caller@127.0.0.1:5062',
    routeSet: [],
    localSeq: 0,
    remoteSeq: 1,
    localContact: '<sip:127.0.0.1:5060>',
    flow: { transport: 'udp', address: '127.0.0.1', port: 5062 },
    appId: 'app-1',
    inviteSeq: 1,
    ...over,
  };
}

describe('dialogs', () => {
  it("take drachtio's id: Call-ID and the caller's From tag, for either role", () => {
    assert.equal(new Dialog(init()).id, 'c1@host;from-tag=theirs');
    assert.equal(new Dialog(init({ role: 'uac' })).id, 'c1@host;from-tag=ours');
  });

  it('are found by id and by Call-ID + local tag + remote tag, and only so', () => {
    const store = new DialogStore();
    const d = new Dialog(init());
    store.add(d);
    assert.equal(store.get(d.id), d);
    assert.equal(store.match('c1@host', 'ours', 'theirs'), d);
    assert.equal(store.match('c1@host', 'theirs', 'ours'), undefined, 'tags are not interchangeable');
    assert.equal(store.match('c2@host', 'ours', 'theirs'), undefined);
    assert.equal(store.findByCallId('c1@host'), d);
    assert.deepEqual(store.ownedBy('app-1'), [d]);
    assert.deepEqual(store.ownedBy('app-2'), []);
  });

  it('are gone from every index once removed', () => {
    const store = new DialogStore();
    const d = new Dialog(init());
    store.add(d);
    store.remove(d);
    assert.equal(d.terminated, true);
    assert.equal(store.size, 0);
    assert.equal(store.match('c1@host', 'ours', 'theirs'), undefined);
    assert.equal(store.get(d.id), undefined);
  });
});
