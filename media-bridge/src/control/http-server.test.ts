import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { allocationSchema, mediaControlHealthSchema, mediaEventSchema, mediaSchema, silentLogger, type AllocateRequest, type MediaEvent } from '@callgate/contracts';
import { startMediaBridge } from '../service.js';
import { eventually, UdpPeer } from '../testing/udp-peer.js';
import { startMediaControlServer, type ServedMediaControl } from './http-server.js';
import { allocateRequest } from '../testing/requests.js';

// RTP ports 31000–31023 belong to these tests (31024–31039: the HTTP round trip test in test/media)
const config = mediaSchema.parse({ address: '127.0.0.1', rtpPortMin: 31000, rtpPortMax: 31019, control: { address: '127.0.0.1', port: 0 } });

const allocateBody = (peerPort: number, over: Partial<AllocateRequest> = {}): AllocateRequest => allocateRequest(peerPort, { sessionId: 'call-http-1', ...over });

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** One request with a JSON (or raw) body; the answer with its JSON body parsed. */
function call(port: number, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { ...(text !== undefined && { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) }), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: raw ? (JSON.parse(raw) as unknown) : undefined });
      });
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** Subscribes to the event stream; collects the parsed events and counts heartbeats. */
async function subscribe(port: number, headers: Record<string, string> = {}) {
  const events: MediaEvent[] = [];
  let heartbeats = 0;
  const req = http.request({ host: '127.0.0.1', port, path: '/v1/events', headers, agent: false });
  req.end();
  const [res] = (await once(req, 'response')) as [http.IncomingMessage];
  let pending = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line === '') heartbeats++;
      else events.push(mediaEventSchema.parse(JSON.parse(line)));
    }
  });
  res.on('error', () => {});
  return { res, events, heartbeats: () => heartbeats, close: () => req.destroy() };
}

test('HTTP control over a real media bridge: allocate, update, connect, play, DTMF both ways, events, release', async () => {
  const bridge = await startMediaBridge(config, silentLogger, { rtpTimeoutMs: 0, controlServer: true });
  const server = bridge.controlServer!;
  const peer = await UdpPeer.open();
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const stream = await subscribe(server.port);
    await eventually(() => server.subscribers() === 1, 2000, 'the subscriber');
    assert.equal(stream.res.headers['content-type'], 'application/x-ndjson; charset=utf-8');

    const created = await call(server.port, 'POST', '/v1/endpoints', allocateBody(peer.port));
    assert.equal(created.status, 201);
    const alloc = allocationSchema.parse(created.body);
    assert.ok(alloc.port >= 31000 && alloc.port < 31019 && alloc.port % 2 === 0);
    assert.deepEqual(bridge.control.activeEndpoints(), [alloc.endpointId]);
    const ep = `/v1/endpoints/${alloc.endpointId}`;

    const health = mediaControlHealthSchema.parse((await call(server.port, 'GET', '/v1/health')).body);
    assert.deepEqual(health, { v: 1, status: 'ok', endpoints: 1, subscribers: 1 });

    assert.equal((await call(server.port, 'PUT', `${ep}/remote`, { address: '127.0.0.1', port: peer.port, direction: 'recvonly' })).status, 204);
    assert.equal(bridge.control.stats(alloc.endpointId)?.direction, 'recvonly');
    assert.equal((await call(server.port, 'POST', `${ep}/dtmf-out`, { digits: '1' })).status, 409, 'not sending while recvonly');
    assert.equal((await call(server.port, 'PUT', `${ep}/remote`, { address: '127.0.0.1', port: peer.port, direction: 'sendrecv' })).status, 204);

    assert.equal((await call(server.port, 'POST', `${ep}/connect`, { callId: 'abc' })).status, 204);
    assert.equal((await call(server.port, 'POST', `${ep}/play`, { promptId: 'demo' })).status, 204);
    await peer.waitFor((rx) => rx.filter((r) => r.packet.payloadType === 0).length >= 5, 5000, 'demo prompt packets');

    assert.equal((await call(server.port, 'POST', `${ep}/dtmf-out`, { digits: '12' })).status, 204);
    assert.ok(peer.received.filter((r) => r.packet.payloadType === 101).length >= 8, 'RFC 4733 packets went out before the answer');

    assert.equal((await call(server.port, 'POST', `${ep}/dtmf-in`, { digit: '7', durationMs: 120 })).status, 204);
    await eventually(() => stream.events.some((e) => e.type === 'dtmf'), 2000, 'the dtmf event on the stream');
    assert.deepEqual(
      stream.events.find((e) => e.type === 'dtmf'),
      { v: 1, type: 'dtmf', endpointId: alloc.endpointId, digit: '7', durationMs: 120, source: 'sip-info' },
    );

    assert.equal((await call(server.port, 'DELETE', `${ep}?reason=bye`)).status, 204);
    assert.deepEqual(bridge.control.activeEndpoints(), []);
    assert.equal((await call(server.port, 'DELETE', ep, { reason: 'again' })).status, 204, 'release is idempotent');
    assert.equal((await call(server.port, 'POST', `${ep}/play`, { promptId: 'demo' })).status, 404);
    stream.close();
    await eventually(() => server.subscribers() === 0, 2000, 'the subscriber to go');
  } finally {
    peer.close();
    await bridge.stop();
  }
});

test('bad requests are answered 400/404/405/413 with the field named, and the server keeps serving', async () => {
  const bridge = await startMediaBridge(config, silentLogger, { rtpTimeoutMs: 0, controlServer: true });
  const { port } = bridge.controlServer!;
  try {
    const badCodec = await call(port, 'POST', '/v1/endpoints', allocateBody(4000, { codec: { name: 'G729', payloadType: 18, clockRate: 8000 } as unknown as AllocateRequest['codec'] }));
    assert.equal(badCodec.status, 400);
    assert.match((badCodec.body as { error: string }).error, /codec\.name/);
    const noRemote = await call(port, 'POST', '/v1/endpoints', { ...allocateBody(4000), remote: undefined });
    assert.equal(noRemote.status, 400);
    assert.match((noRemote.body as { error: string }).error, /remote: Required/);
    assert.equal((await call(port, 'POST', '/v1/endpoints', '{"v":1,')).status, 400);
    assert.match(((await call(port, 'POST', '/v1/endpoints', '{"v":1,')).body as { error: string }).error, /invalid JSON/);
    assert.equal((await call(port, 'POST', '/v1/endpoints')).status, 400, 'no body');
    assert.deepEqual(bridge.control.activeEndpoints(), [], 'no port taken by a bad request');

    const { body } = await call(port, 'POST', '/v1/endpoints', allocateBody(4000));
    const ep = `/v1/endpoints/${allocationSchema.parse(body).endpointId}`;
    const badDigit = await call(port, 'POST', `${ep}/dtmf-in`, { digit: 'X', durationMs: 100 });
    assert.equal(badDigit.status, 400);
    assert.match((badDigit.body as { error: string }).error, /digit/);
    assert.match(((await call(port, 'POST', `${ep}/dtmf-in`, { digit: '1' })).body as { error: string }).error, /durationMs/);
    assert.match(((await call(port, 'POST', `${ep}/dtmf-out`, { digits: '' })).body as { error: string }).error, /digits/);
    assert.match(((await call(port, 'POST', `${ep}/play`, {})).body as { error: string }).error, /promptId/);
    const unknownPrompt = await call(port, 'POST', `${ep}/play`, { promptId: 'nope' });
    assert.equal(unknownPrompt.status, 400);
    assert.match((unknownPrompt.body as { error: string }).error, /promptId: unknown prompt 'nope'/);
    assert.match(((await call(port, 'PUT', `${ep}/remote`, { address: '127.0.0.1', port: 70000, direction: 'sendrecv' })).body as { error: string }).error, /port/);
    assert.match(((await call(port, 'PUT', `${ep}/remote`, [1, 2])).body as { error: string }).error, /\(root\)/);
    assert.match(((await call(port, 'POST', `${ep}/connect`, { callId: 5 })).body as { error: string }).error, /callId/);

    for (const [method, path, payload] of [
      ['PUT', '/v1/endpoints/ep-nope/remote', { address: '127.0.0.1', port: 4000, direction: 'sendrecv' }],
      ['POST', '/v1/endpoints/ep-nope/connect', {}],
      ['POST', '/v1/endpoints/ep-nope/play', { promptId: 'demo' }],
      ['POST', '/v1/endpoints/ep-nope/dtmf-in', { digit: '1', durationMs: 100 }],
      ['POST', '/v1/endpoints/ep-nope/dtmf-out', { digits: '1' }],
    ] as const) {
      const r = await call(port, method, path, payload);
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.match((r.body as { error: string }).error, /unknown media endpoint ep-nope/);
    }
    assert.equal((await call(port, 'GET', '/v2/health')).status, 404);
    assert.equal((await call(port, 'GET', '/v1/nothing')).status, 404);
    assert.equal((await call(port, 'GET', `${ep}/frobnicate`)).status, 404);
    const wrongMethod = await call(port, 'GET', '/v1/endpoints');
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.allow, 'POST');
    assert.equal((await call(port, 'POST', '/v1/endpoints/%E0%A4%A/play', { promptId: 'demo' })).status, 400, 'malformed id encoding');

    const huge = { ...allocateBody(4000), agent: 'x'.repeat(70 * 1024) };
    const tooLarge = await call(port, 'POST', '/v1/endpoints', huge);
    assert.equal(tooLarge.status, 413);
    // a body over the limit without a Content-Length (chunked) is cut off too
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/endpoints', headers: { 'Transfer-Encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 5; i++) req.write('x'.repeat(16 * 1024));
      req.end();
    });
    assert.equal(chunked, 413);

    // garbage on the socket is answered 400 and does not take the server down
    const sock = net.connect(port, '127.0.0.1');
    sock.end('NOT HTTP AT ALL\r\n\r\n');
    const raw: Buffer[] = [];
    sock.on('data', (c: Buffer) => raw.push(c));
    await once(sock, 'close');
    assert.match(Buffer.concat(raw).toString(), /^HTTP\/1\.1 400/);

    assert.equal((await call(port, 'GET', '/v1/health')).status, 200);
    assert.equal(bridge.control.activeEndpoints().length, 1);
  } finally {
    await bridge.stop();
  }
});

test('an exhausted port pool is answered 503 with Retry-After', async () => {
  const small = mediaSchema.parse({ address: '127.0.0.1', rtpPortMin: 31020, rtpPortMax: 31023, control: { address: '127.0.0.1', port: 0 } });
  const bridge = await startMediaBridge(small, silentLogger, { rtpTimeoutMs: 0, controlServer: true });
  const { port } = bridge.controlServer!;
  try {
    assert.equal((await call(port, 'POST', '/v1/endpoints', allocateBody(4000, { sessionId: 'a' }))).status, 201);
    assert.equal((await call(port, 'POST', '/v1/endpoints', allocateBody(4000, { sessionId: 'b' }))).status, 201);
    const full = await call(port, 'POST', '/v1/endpoints', allocateBody(4000, { sessionId: 'c' }));
    assert.equal(full.status, 503);
    assert.equal(full.headers['retry-after'], '1');
    assert.match((full.body as { error: string }).error, /no free RTP port pair in 31020-31023/);
  } finally {
    await bridge.stop();
  }
});

test('a bearer token is required when configured', async () => {
  const bridge = await startMediaBridge(config, silentLogger, { rtpTimeoutMs: 0, controlServer: true, controlToken: 's3cret' });
  const { port } = bridge.controlServer!;
  try {
    const none = await call(port, 'GET', '/v1/health');
    assert.equal(none.status, 401);
    assert.match(String(none.headers['www-authenticate']), /^Bearer/);
    assert.equal((await call(port, 'GET', '/v1/health', undefined, { Authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await call(port, 'POST', '/v1/endpoints', allocateBody(4000), { Authorization: 'Basic czNjcmV0' })).status, 401);
    assert.deepEqual(bridge.control.activeEndpoints(), []);
    assert.equal((await call(port, 'GET', '/v1/health', undefined, { Authorization: 'Bearer s3cret' })).status, 200);
    const events = await subscribe(port);
    assert.equal(events.res.statusCode, 401);
    events.close();
  } finally {
    await bridge.stop();
  }
});

/** A control whose events the test emits itself (the server's fan-out without any media). */
function fakeControl(): ServedMediaControl & { emit(e: MediaEvent): void } {
  const handlers = new Set<(e: MediaEvent) => void>();
  const unused = () => Promise.reject(new Error('not in this test'));
  return {
    allocate: unused,
    update: unused,
    play: unused,
    connect: unused,
    release: unused,
    sendDtmf: unused,
    dtmfFromSignalling: () => {},
    onEvent: (h) => {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    endpoint: () => undefined,
    activeEndpoints: () => [],
    emit: (e) => handlers.forEach((h) => h(e)),
  };
}

test('heartbeats keep a quiet stream alive; a subscriber that stops reading is dropped, the others keep their events', async () => {
  const control = fakeControl();
  const server = await startMediaControlServer(control, { address: '127.0.0.1', port: 0, logger: silentLogger, heartbeatMs: 30, maxSubscriberBufferBytes: 256 * 1024 });
  try {
    const good = await subscribe(server.port);
    await eventually(() => good.heartbeats() >= 2, 2000, 'heartbeats');

    // a subscriber that never reads: a raw socket, paused
    const slow = net.connect(server.port, '127.0.0.1');
    slow.write('GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n');
    slow.pause();
    await eventually(() => server.subscribers() === 2, 2000, 'both subscribers');
    const closed = once(slow, 'close');
    slow.on('error', () => {});

    const big = 'x'.repeat(8 * 1024);
    let sent = 0;
    // enough to fill the kernel's socket buffers and then the server's bounded one
    while (server.subscribers() === 2 && sent < 4000) {
      control.emit({ v: 1, type: 'hangup_request', endpointId: `ep-${sent}`, reason: big });
      sent++;
      if (sent % 4 === 0) await new Promise((r) => setImmediate(r));
    }
    assert.equal(server.subscribers(), 1, `the slow subscriber is dropped (after ${sent} events)`);
    slow.resume(); // let the close arrive
    await closed;
    await eventually(() => good.events.length === sent, 10_000, 'every event at the reading subscriber');
    assert.deepEqual(
      good.events.map((e) => e.endpointId),
      Array.from({ length: sent }, (_, i) => `ep-${i}`),
      'in order, none lost',
    );
    good.close();
  } finally {
    await server.close();
    await server.close();
  }
});

test('close ends the event streams and frees the port', async () => {
  const server = await startMediaControlServer(fakeControl(), { address: '127.0.0.1', port: 0, logger: silentLogger });
  const stream = await subscribe(server.port);
  const ended = once(stream.res, 'end');
  await server.close();
  await ended;
  const again = await startMediaControlServer(fakeControl(), { address: '127.0.0.1', port: server.port, logger: silentLogger });
  await again.close();
});
