import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { TcpTransport } from './tcp-transport.js';
import type { InboundPacket, Remote } from './types.js';

const msg = (body = ''): Buffer => Buffer.from(`OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nContent-Length: ${String(Buffer.byteLength(body))}\r\n\r\n${body}`);

/** collects messages; `next(n)` resolves once n have arrived in total */
function inbox(t: TcpTransport): { packets: InboundPacket[]; next(n: number): Promise<void> } {
  const packets: InboundPacket[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  t.onMessage((p) => {
    packets.push(p);
    for (const w of waiters) if (packets.length >= w.n) w.resolve();
  });
  return {
    packets,
    next: (n) => (packets.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
  };
}

async function rawClient(port: number): Promise<Socket> {
  const s = connect(port, '127.0.0.1');
  await once(s, 'connect');
  return s;
}

test('outbound send, inbound receive, reply reuses the same connection', { timeout: 10_000 }, async () => {
  const server = new TcpTransport();
  const client = new TcpTransport();
  const { port } = await server.listen('127.0.0.1', 0);
  try {
    const atServer = inbox(server);
    const atClient = inbox(client);
    await client.send({ transport: 'tcp', address: '127.0.0.1', port }, msg('ping'));
    await atServer.next(1);
    const p = atServer.packets[0]!;
    assert.deepEqual(p.data, msg('ping'));
    assert.equal(p.remote.transport, 'tcp');
    assert.equal(p.local.port, port);
    await server.send(p.remote, msg('pong'));
    await atClient.next(1);
    assert.deepEqual(atClient.packets[0]?.data, msg('pong'));
    assert.equal(atClient.packets[0]?.remote.port, port);
    assert.equal(server.connectionCount, 1);
    assert.equal(client.connectionCount, 1);
    await client.send({ transport: 'tcp', address: '127.0.0.1', port }, msg('again'));
    await atServer.next(2);
    assert.equal(client.connectionCount, 1);
  } finally {
    await client.close();
    await server.close();
  }
});

test('split writes and two messages in one write', { timeout: 10_000 }, async () => {
  const server = new TcpTransport();
  const { port } = await server.listen('127.0.0.1', 0);
  const box = inbox(server);
  const s = await rawClient(port);
  try {
    const whole = msg('split body');
    for (let i = 0; i < whole.length; i += 7) {
      s.write(whole.subarray(i, i + 7));
      await new Promise((r) => setImmediate(r));
    }
    await box.next(1);
    s.write(Buffer.concat([msg('one'), msg('two')]));
    await box.next(3);
    assert.deepEqual(box.packets.map((p) => p.data.toString().split('\r\n\r\n')[1]), ['split body', 'one', 'two']);
  } finally {
    s.destroy();
    await server.close();
  }
});

test('double-CRLF ping gets a CRLF pong', { timeout: 10_000 }, async () => {
  const server = new TcpTransport();
  const { port } = await server.listen('127.0.0.1', 0);
  const s = await rawClient(port);
  try {
    s.write('\r\n\r\n');
    const [data] = (await once(s, 'data')) as [Buffer];
    assert.equal(data.toString(), '\r\n');
  } finally {
    s.destroy();
    await server.close();
  }
});

test('framing error is reported with the header bytes, then the connection closes', { timeout: 10_000 }, async () => {
  const server = new TcpTransport({ errorCloseDelayMs: 0 });
  const { port } = await server.listen('127.0.0.1', 0);
  const reported: { remote: Remote; error: string; partial?: Buffer }[] = [];
  server.onStreamError((remote, error, partial) => {
    reported.push({ remote, error, partial });
    void server.send(remote, Buffer.from('SIP/2.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
  });
  const s = await rawClient(port);
  const received: Buffer[] = [];
  s.on('data', (d: Buffer) => received.push(d));
  s.write('OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n\r\n');
  await once(s, 'close');
  assert.equal(reported.length, 1);
  assert.match(reported[0]?.error ?? '', /Content-Length/);
  assert.ok(reported[0]?.partial?.toString().startsWith('OPTIONS sip:x SIP/2.0'));
  assert.match(Buffer.concat(received).toString(), /^SIP\/2.0 400/);
  await server.close();
});

test('idle connections are closed', { timeout: 10_000 }, async () => {
  const server = new TcpTransport({ idleTimeoutMs: 20 });
  const { port } = await server.listen('127.0.0.1', 0);
  const s = await rawClient(port);
  s.on('error', () => undefined);
  await once(s, 'close');
  assert.equal(server.connectionCount, 0);
  await server.close();
});

test('the connection cap refuses extra inbound connections', { timeout: 10_000 }, async () => {
  const server = new TcpTransport({ maxConnections: 1 });
  const { port } = await server.listen('127.0.0.1', 0);
  const box = inbox(server);
  const first = await rawClient(port);
  first.write(msg('first'));
  await box.next(1);
  const second = await rawClient(port);
  second.on('error', () => undefined);
  await once(second, 'close');
  assert.equal(server.connectionCount, 1);
  first.destroy();
  await server.close();
});

test('socket and handler errors never escape', { timeout: 10_000 }, async () => {
  const errors: Error[] = [];
  const server = new TcpTransport({ onError: (e) => errors.push(e) });
  const { port } = await server.listen('127.0.0.1', 0);
  server.onMessage(() => {
    throw new Error('handler bug');
  });
  const s = await rawClient(port);
  s.write(msg());
  s.write(msg());
  while (errors.length < 2) await new Promise((r) => setTimeout(r, 5));
  s.resetAndDestroy();
  const gone = new TcpTransport();
  const deadPort = (await gone.listen('127.0.0.1', 0)).port;
  await gone.close();
  await assert.rejects(server.send({ transport: 'tcp', address: '127.0.0.1', port: deadPort }, msg()));
  await assert.rejects(server.send({ transport: 'udp', address: '127.0.0.1', port }, msg()), /cannot send udp/);
  assert.equal(errors.filter((e) => e.message === 'handler bug').length, 2);
  await server.close();
  await assert.rejects(server.send({ transport: 'tcp', address: '127.0.0.1', port }, msg()), /closed/);
});
