import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import type { CallDetail, LiveCallRow, SystemStatus } from '../api/types.js';
import { LiveHub, parseClientMessage, type LiveSources } from './live-hub.js';

class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  send(text: string) {
    this.sent.push(text);
  }
  ping() {}
  terminate() {}
  close() {
    this.readyState = 3;
  }
}

function sources(): LiveSources & { version: number; opened: string[] } {
  const s = {
    version: 1,
    openedIds: [] as string[],
    listVersion: () => s.version,
    rows: (): LiveCallRow[] => [{ sessionId: 'a', caller: 'x', dialed: '1000', agent: 'demo', state: 'listening', startedAt: 0, endedAt: null, endReason: null, turns: s.version, mos: null, jitterMs: null, loss: null, lastV2vMs: null }],
    callVersion: (id: string) => (id === 'a' ? s.version : undefined),
    detail: (id: string) => (id === 'a' ? ({ row: s.rows()[0]!, transcript: [], turns: [], tools: [], quality: [], bargeIns: [] } as CallDetail) : undefined),
    systemVersion: () => 1,
    system: () => ({ activeCalls: 1, slo: [], queues: [], providers: [], errors: [], at: 0 }) as SystemStatus,
    opened: (_l: unknown, id: string) => void s.openedIds.push(id),
  };
  return s as unknown as LiveSources & { version: number; opened: string[] };
}

const login = { id: 'L1', username: 'sam', role: 'supervisor' as const, csrf: 'c', createdAt: 0, lastSeen: 0 };

test('a subscriber gets a snapshot now and then one per change, never the same version twice', () => {
  const src = sources();
  const hub = new LiveHub(src, { maxBufferedBytes: 1000 });
  const ws = new FakeSocket();
  hub.add(ws as unknown as WebSocket, login);
  ws.emit('message', Buffer.from(JSON.stringify({ type: 'subscribe', topic: 'calls' })), false);
  assert.equal(ws.sent.length, 1);
  hub.flush();
  assert.equal(ws.sent.length, 1, 'nothing changed');
  src.version = 2;
  src.version = 3;
  hub.flush();
  assert.equal(ws.sent.length, 2, 'two changes between flushes: one message');
  assert.equal(JSON.parse(ws.sent[1]!).calls[0].turns, 3);
});

test('a backed-up socket gets nothing until it drains, then only the newest state', () => {
  const src = sources();
  let coalesced = 0;
  const hub = new LiveHub(src, { maxBufferedBytes: 1000, onCoalesced: () => coalesced++ });
  const slow = new FakeSocket();
  const fast = new FakeSocket();
  hub.add(slow as unknown as WebSocket, login);
  hub.add(fast as unknown as WebSocket, login);
  for (const ws of [slow, fast]) ws.emit('message', Buffer.from(JSON.stringify({ type: 'subscribe', topic: 'calls' })), false);
  slow.bufferedAmount = 5000;
  for (let v = 2; v <= 10; v++) {
    src.version = v;
    hub.flush();
  }
  assert.equal(slow.sent.length, 1, 'held back while backed up');
  assert.equal(fast.sent.length, 10);
  assert.equal(coalesced, 9);
  slow.bufferedAmount = 0;
  hub.flush();
  assert.equal(slow.sent.length, 2);
  assert.equal(JSON.parse(slow.sent[1]!).calls[0].turns, 10, 'straight to the newest snapshot');
});

test('call subscriptions are audited once, bounded per socket, and bad messages get an error', () => {
  const src = sources();
  const hub = new LiveHub(src, { maxBufferedBytes: 1000, maxCallSubscriptions: 1 });
  const ws = new FakeSocket();
  hub.add(ws as unknown as WebSocket, login);
  ws.emit('message', Buffer.from(JSON.stringify({ type: 'subscribe', topic: 'call', sessionId: 'a' })), false);
  ws.emit('message', Buffer.from(JSON.stringify({ type: 'subscribe', topic: 'call', sessionId: 'a' })), false);
  assert.deepEqual((src as unknown as { openedIds: string[] }).openedIds, ['a']);
  ws.emit('message', Buffer.from(JSON.stringify({ type: 'subscribe', topic: 'call', sessionId: 'b' })), false);
  assert.match(ws.sent.at(-1)!, /too many call subscriptions/);
  ws.emit('message', Buffer.from('{nope'), false);
  assert.match(ws.sent.at(-1)!, /unreadable message/);
});

test('client messages are validated', () => {
  assert.deepEqual(parseClientMessage('{"type":"subscribe","topic":"calls"}'), { type: 'subscribe', topic: 'calls' });
  assert.equal(parseClientMessage('{"type":"subscribe","topic":"call"}'), undefined);
  assert.equal(parseClientMessage('{"type":"subscribe","topic":"call","sessionId":"../x y"}'), undefined);
  assert.equal(parseClientMessage('{"type":"publish","topic":"calls"}'), undefined);
  assert.equal(parseClientMessage('x'.repeat(2000)), undefined);
});
