import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { UdpTransport } from './udp-transport.js';
import type { InboundPacket } from './types.js';

function nextPacket(t: UdpTransport): Promise<InboundPacket> {
  return new Promise((resolve) => t.onMessage(resolve));
}

const MSG = Buffer.from('OPTIONS sip:b@127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n');

test('send and receive both ways over loopback', { timeout: 10_000 }, async () => {
  const a = new UdpTransport();
  const b = new UdpTransport();
  const la = await a.listen('127.0.0.1', 0);
  const lb = await b.listen('127.0.0.1', 0);
  assert.ok(la.port > 0 && lb.port > 0 && la.port !== lb.port);
  try {
    const atB = nextPacket(b);
    await a.send({ transport: 'udp', address: '127.0.0.1', port: lb.port }, MSG);
    const p = await atB;
    assert.deepEqual(p.data, MSG);
    assert.deepEqual(p.remote, { transport: 'udp', address: '127.0.0.1', port: la.port });
    assert.deepEqual(p.local, lb);
    const atA = nextPacket(a);
    await b.send(p.remote, Buffer.from('reply'));
    assert.equal((await atA).data.toString(), 'reply');
  } finally {
    await a.close();
    await b.close();
  }
});

test('keep-alive datagrams are dropped, handler exceptions are contained', { timeout: 10_000 }, async () => {
  const errors: Error[] = [];
  const t = new UdpTransport({ onError: (e) => errors.push(e) });
  const { port } = await t.listen('127.0.0.1', 0);
  const raw = createSocket('udp4');
  try {
    const got: string[] = [];
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((r) => (resolveDone = r));
    t.onMessage((p) => {
      got.push(p.data.toString());
      if (got.length === 2) resolveDone();
      throw new Error('handler bug');
    });
    for (const d of ['\r\n\r\n', 'first', '\r\n', 'second']) {
      await new Promise<void>((r, j) => raw.send(Buffer.from(d), port, '127.0.0.1', (e) => (e ? j(e) : r())));
    }
    await done;
    assert.deepEqual(got, ['first', 'second']);
    assert.equal(errors.filter((e) => e.message === 'handler bug').length, 2);
  } finally {
    raw.close();
    await t.close();
  }
});

test('errors are promise rejections, not crashes', { timeout: 10_000 }, async () => {
  const t = new UdpTransport();
  await assert.rejects(t.send({ transport: 'udp', address: '127.0.0.1', port: 9 }, MSG), /not listening/);
  await t.listen('127.0.0.1', 0);
  await assert.rejects(t.send({ transport: 'tcp', address: '127.0.0.1', port: 9 }, MSG), /cannot send tcp/);
  await assert.rejects(t.listen('127.0.0.1', 0), /already listening/);
  await t.close();
  await t.close();
  const u = new UdpTransport();
  await assert.rejects(u.listen('192.0.2.123', 0));
});
