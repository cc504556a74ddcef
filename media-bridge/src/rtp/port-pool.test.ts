import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { PortPool, PortPoolExhaustedError } from './port-pool.js';
import { udpPortIsFree } from '../testing/udp-peer.js';

// below Linux's ephemeral range (32768+) so no stray client socket lands in it
const BASE = 30100;

async function occupy(port: number): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  s.bind(port, '127.0.0.1');
  await once(s, 'listening');
  return s;
}


test('allocates even ports and holds RTP and RTCP for real', async () => {
  const pool = new PortPool({ address: '127.0.0.1', min: BASE, max: BASE + 9 });
  assert.equal(pool.capacity, 5);
  const a = await pool.allocate();
  const b = await pool.allocate();
  assert.equal(a.port % 2, 0);
  assert.equal(b.port % 2, 0);
  assert.notEqual(a.port, b.port);
  assert.equal(a.rtp.address().port, a.port);
  assert.equal(a.rtcp.address().port, a.port + 1);
  assert.equal(await udpPortIsFree(a.port), false);
  assert.equal(await udpPortIsFree(a.port + 1), false);
  assert.equal(pool.inUse, 2);
  a.release();
  b.release();
  assert.equal(pool.inUse, 0);
});

test('an odd minimum is rounded up and the RTCP port stays inside the range', async () => {
  const pool = new PortPool({ address: '127.0.0.1', min: BASE + 21, max: BASE + 24 });
  assert.equal(pool.capacity, 1);
  const lease = await pool.allocate();
  assert.equal(lease.port, BASE + 22);
  lease.release();
  assert.throws(() => new PortPool({ address: '127.0.0.1', min: BASE + 31, max: BASE + 32 }), RangeError);
});

test('exhaustion throws PortPoolExhaustedError, release makes the port available again', async () => {
  const pool = new PortPool({ address: '127.0.0.1', min: BASE + 40, max: BASE + 43 });
  const a = await pool.allocate();
  const b = await pool.allocate();
  await assert.rejects(pool.allocate(), PortPoolExhaustedError);
  a.release();
  a.release(); // idempotent
  assert.equal(await udpPortIsFree(a.port), true);
  assert.equal(await udpPortIsFree(a.port + 1), true);
  const c = await pool.allocate();
  assert.equal(c.port, a.port);
  b.release();
  c.release();
});

test('ports taken by another socket (RTP or RTCP) are skipped, without leaking the half it bound', async () => {
  const rtpTaken = await occupy(BASE + 60);
  const rtcpTaken = await occupy(BASE + 63);
  const pool = new PortPool({ address: '127.0.0.1', min: BASE + 60, max: BASE + 65 });
  const lease = await pool.allocate();
  assert.equal(lease.port, BASE + 64);
  assert.equal(await udpPortIsFree(BASE + 62), true, 'the RTP half of the failed pair was closed');
  assert.equal(pool.inUse, 1);
  await assert.rejects(pool.allocate(), PortPoolExhaustedError);
  lease.release();
  rtpTaken.close();
  rtcpTaken.close();
});

test('concurrent allocations get distinct ports', async () => {
  const pool = new PortPool({ address: '127.0.0.1', min: BASE + 80, max: BASE + 99 });
  const leases = await Promise.all(Array.from({ length: 10 }, () => pool.allocate()));
  assert.equal(new Set(leases.map((l) => l.port)).size, 10);
  for (const l of leases) l.release();
});

test('a bind error other than EADDRINUSE is thrown, and the port is not kept', async () => {
  const pool = new PortPool({ address: '192.0.2.1', min: BASE + 100, max: BASE + 103 }); // not a local address
  await assert.rejects(pool.allocate(), (err: NodeJS.ErrnoException) => err.code === 'EADDRNOTAVAIL');
  assert.equal(pool.inUse, 0);
});
