import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { silentLogger, type AllocateRequest, type MediaEvent } from '@callgate/contracts';
import { HttpMediaControl, MediaControlHttpError } from './http-media-control.js';

/** What the fake bridge saw. */
interface Seen {
  method: string;
  url: string;
  auth?: string;
  body: unknown;
}

type Reply = (req: http.IncomingMessage, res: http.ServerResponse, body: unknown) => void;

/** A stand-in for the media bridge's control server: records requests, answers with `reply`, keeps the event streams. */
async function fakeBridge(reply: Reply, port = 0) {
  const seen: Seen[] = [];
  const streams = new Set<http.ServerResponse>();
  let streamRequests = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = raw ? (JSON.parse(raw) as unknown) : undefined;
      if (req.url === '/v1/events') {
        streamRequests++;
        res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
        res.flushHeaders();
        streams.add(res);
        res.on('close', () => streams.delete(res));
        return;
      }
      seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body });
      reply(req, res, body);
    });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    seen,
    streams,
    streamRequests: () => streamRequests,
    port: (server.address() as net.AddressInfo).port,
    /** writes raw text to every open stream */
    push(text: string) {
      for (const s of streams) s.write(text);
    },
    async close() {
      for (const s of streams) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const json = (res: http.ServerResponse, status: number, body?: unknown) => {
  if (body === undefined) res.writeHead(status).end();
  else res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
};

const request: AllocateRequest = {
  v: 1,
  sessionId: 's-1',
  codec: { name: 'PCMA', payloadType: 8, clockRate: 8000 },
  remote: { address: '192.0.2.10', port: 4000, direction: 'sendrecv' },
  agent: 'demo',
};

async function until(cond: () => boolean, limitMs = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('each MediaControl call becomes its request (path, body, token); the allocation is validated', async () => {
  const bridge = await fakeBridge((req, res) => {
    if (req.method === 'POST' && req.url === '/v1/endpoints') json(res, 201, { v: 1, endpointId: 'ep-1', address: '192.0.2.1', port: 20000 });
    else json(res, 204);
  });
  const media = new HttpMediaControl({ address: '127.0.0.1', port: bridge.port, logger: silentLogger, token: 'tok' });
  try {
    assert.equal(media.url, `http://127.0.0.1:${bridge.port}/v1`);
    assert.deepEqual(await media.allocate(request), { v: 1, endpointId: 'ep-1', address: '192.0.2.1', port: 20000 });
    await media.update('ep-1', { address: '192.0.2.10', port: 4002, direction: 'sendonly' });
    await media.connect('ep-1', { callId: 'c-1' });
    await media.connect('ep-1', { callId: 'c-2', from: `sip:${'x'.repeat(600)}@example.com`, to: 'sip:1000@example.com' });
    await media.play('ep-1', 'demo');
    await media.sendDtmf('ep-1', '12#');
    await media.release('ep/odd id', 'bye');
    await media.connect('ep-1');
    await media.release('ep-1', '');
    media.dtmfFromSignalling('ep-1', '5', 160);
    media.dtmfFromSignalling('ep-1', '6', Number.NaN);
    await until(() => bridge.seen.length === 11, 2000, 'the SIP INFO digits');
    assert.deepEqual(
      bridge.seen.map((s) => [s.method, s.url, s.body]),
      [
        ['POST', '/v1/endpoints', request],
        ['PUT', '/v1/endpoints/ep-1/remote', { address: '192.0.2.10', port: 4002, direction: 'sendonly' }],
        ['POST', '/v1/endpoints/ep-1/connect', { callId: 'c-1' }],
        ['POST', '/v1/endpoints/ep-1/connect', { callId: 'c-2', to: 'sip:1000@example.com' }],
        ['POST', '/v1/endpoints/ep-1/play', { promptId: 'demo' }],
        ['POST', '/v1/endpoints/ep-1/dtmf-out', { digits: '12#' }],
        ['DELETE', '/v1/endpoints/ep%2Fodd%20id', { reason: 'bye' }],
        ['POST', '/v1/endpoints/ep-1/connect', {}],
        ['DELETE', '/v1/endpoints/ep-1', { reason: 'released' }],
        ['POST', '/v1/endpoints/ep-1/dtmf-in', { digit: '5', durationMs: 160 }],
        ['POST', '/v1/endpoints/ep-1/dtmf-in', { digit: '6', durationMs: 0 }],
      ],
    );
    assert.ok(bridge.seen.every((s) => s.auth === 'Bearer tok'));
  } finally {
    media.close();
    await bridge.close();
  }
});

test('errors say what failed: HTTP status and message, invalid answers, timeouts, an unreachable bridge', async () => {
  const bridge = await fakeBridge((req, res) => {
    if (req.url === '/v1/endpoints') json(res, 201, { v: 1, endpointId: '', address: '192.0.2.1', port: 0 });
    else if (req.url?.endsWith('/play')) json(res, 404, { error: 'unknown media endpoint ep-x' });
    else if (req.url?.endsWith('/remote')) json(res, 503, { error: 'no free RTP port pair in 1-2' });
    else if (req.url?.endsWith('/connect')) res.writeHead(200).end('not json');
    // dtmf-out: never answered
  });
  const media = new HttpMediaControl({ address: '127.0.0.1', port: bridge.port, logger: silentLogger, timeoutMs: 150 });
  try {
    await assert.rejects(media.allocate(request), (err: MediaControlHttpError) => err.kind === 'invalid_response' && /endpointId/.test(err.message) && /port/.test(err.message));
    await assert.rejects(
      media.play('ep-x', 'demo'),
      (err: MediaControlHttpError) => err instanceof MediaControlHttpError && err.status === 404 && err.message === 'media control POST /endpoints/ep-x/play: 404 unknown media endpoint ep-x',
    );
    await assert.rejects(media.update('ep-x', request.remote), (err: MediaControlHttpError) => err.status === 503 && /no free RTP port/.test(err.message));
    await assert.rejects(media.connect('ep-x'), (err: MediaControlHttpError) => err.kind === 'invalid_response');
    const started = Date.now();
    await assert.rejects(media.sendDtmf('ep-x', '1'), (err: MediaControlHttpError) => err.kind === 'timeout' && /within 400 ms/.test(err.message));
    assert.ok(Date.now() - started < 3000);
  } finally {
    media.close();
    await bridge.close();
  }

  // nothing listens on a port we just freed
  const gone = net.createServer().listen(0, '127.0.0.1');
  await once(gone, 'listening');
  const freePort = (gone.address() as net.AddressInfo).port;
  await new Promise((r) => gone.close(r));
  const nowhere = new HttpMediaControl({ address: '127.0.0.1', port: freePort, logger: silentLogger });
  try {
    await assert.rejects(nowhere.allocate(request), (err: MediaControlHttpError) => err.kind === 'unreachable' && /ECONNREFUSED/.test(err.message));
    nowhere.dtmfFromSignalling('ep-1', '1', 100); // logged, never thrown
    await assert.rejects(nowhere.ready(300), /not open after 300 ms/);
  } finally {
    nowhere.close();
  }
  await assert.rejects(nowhere.play('ep-1', 'demo'), /client closed/);
});

test('events: NDJSON lines split anywhere, heartbeats, invalid lines skipped, handlers isolated, unsubscribe', async () => {
  const bridge = await fakeBridge((_req, res) => json(res, 204));
  const media = new HttpMediaControl({ address: '127.0.0.1', port: bridge.port, logger: silentLogger });
  const got: MediaEvent[] = [];
  const second: MediaEvent[] = [];
  try {
    media.onEvent(() => {
      throw new Error('a broken handler does not stop the others');
    });
    media.onEvent((e) => got.push(e));
    const off = media.onEvent((e) => second.push(e));
    await media.ready();
    assert.equal(media.streaming, true);
    assert.equal(bridge.streamRequests(), 1, 'one stream for every handler');

    const dtmf = JSON.stringify({ v: 1, type: 'dtmf', endpointId: 'ep-1', digit: '5', durationMs: 100, source: 'rfc4733' });
    bridge.push('\n');
    bridge.push(dtmf.slice(0, 10));
    await new Promise((r) => setTimeout(r, 20));
    bridge.push(`${dtmf.slice(10)}\n\n{"v":1,"type":"bogus","endpointId":"ep-1"}\nnot json\n`);
    bridge.push(`${JSON.stringify({ v: 1, type: 'playback_done', endpointId: 'ep-1', promptId: 'demo', extra: true })}\r\n`);
    await until(() => got.length === 2, 2000, 'two events');
    assert.deepEqual(got, [
      { v: 1, type: 'dtmf', endpointId: 'ep-1', digit: '5', durationMs: 100, source: 'rfc4733' },
      { v: 1, type: 'playback_done', endpointId: 'ep-1', promptId: 'demo' },
    ]);
    assert.equal(second.length, 2);
    off();
    bridge.push(`${JSON.stringify({ v: 1, type: 'rtp_timeout', endpointId: 'ep-1', silentMs: 30000 })}\n`);
    await until(() => got.length === 3, 2000, 'the third event');
    assert.equal(second.length, 2, 'unsubscribed');
  } finally {
    media.close();
    await bridge.close();
  }
});

test('the event stream is re-opened with backoff when it ends, when the bridge restarts, and when it goes quiet', async () => {
  const reply: Reply = (_req, res) => json(res, 204);
  let bridge = await fakeBridge(reply);
  const port = bridge.port;
  const media = new HttpMediaControl({ address: '127.0.0.1', port, logger: silentLogger, reconnectMinMs: 20, reconnectMaxMs: 200, streamIdleMs: 300 });
  const got: MediaEvent[] = [];
  media.onEvent((e) => got.push(e));
  const event = (n: number) => `${JSON.stringify({ v: 1, type: 'rtp_timeout', endpointId: `ep-${n}`, silentMs: n })}\n`;
  try {
    await media.ready();
    // the bridge ends the stream: re-opened
    for (const s of bridge.streams) s.end();
    await until(() => bridge.streamRequests() === 2 && bridge.streams.size === 1, 3000, 'the second stream');
    bridge.push(event(1));
    await until(() => got.length === 1, 2000, 'an event on the re-opened stream');

    // the bridge goes away and comes back on the same port
    await bridge.close();
    await until(() => !media.streaming, 2000, 'the client to notice');
    await new Promise((r) => setTimeout(r, 300)); // a few refused attempts
    bridge = await fakeBridge(reply, port);
    await media.ready(3000);
    bridge.push(event(2));
    await until(() => got.length === 2, 2000, 'an event after the restart');

    // quiet for longer than streamIdleMs (no heartbeats from this fake): dropped and re-opened
    const before = bridge.streamRequests();
    await until(() => bridge.streamRequests() > before, 3000, 'a re-open after silence');
    await media.ready(3000);
    bridge.push(event(3));
    await until(() => got.length === 3, 2000, 'an event after the idle re-open');
    assert.deepEqual(
      got.map((e) => e.endpointId),
      ['ep-1', 'ep-2', 'ep-3'],
    );
  } finally {
    media.close();
    await bridge.close();
  }
});

test('SIP INFO digits of one endpoint arrive in order even when the bridge answers slowly', async () => {
  const order: string[] = [];
  const bridge = await fakeBridge((_req, res, body) => {
    const digit = (body as { digit: string }).digit;
    setTimeout(() => {
      order.push(digit);
      json(res, 204);
    }, digit === '1' ? 60 : 0);
  });
  const media = new HttpMediaControl({ address: '127.0.0.1', port: bridge.port, logger: silentLogger });
  try {
    for (const d of ['1', '2', '3']) media.dtmfFromSignalling('ep-1', d, 100);
    await until(() => order.length === 3, 3000, 'three digits');
    assert.deepEqual(order, ['1', '2', '3']);
  } finally {
    media.close();
    await bridge.close();
  }
});

test('a request the bridge answers re-opens a stream that is waiting out its backoff', async () => {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const media = new HttpMediaControl({ address: '127.0.0.1', port, logger: silentLogger, reconnectMinMs: 60_000, reconnectMaxMs: 60_000 });
  media.onEvent(() => {});
  await until(() => !media.streaming, 1000);
  await new Promise((r) => setTimeout(r, 100)); // the first attempt is refused: the next one waits 30–60 s
  const bridge = await fakeBridge((_req, res) => json(res, 204), port);
  try {
    assert.equal(bridge.streamRequests(), 0);
    await media.play('ep-1', 'demo');
    await media.ready(2000);
    assert.equal(bridge.streamRequests(), 1);
  } finally {
    media.close();
    await bridge.close();
  }
});
