/**
 * The dashboard server against real parts: a private redis-server (live events on pub/sub, BullMQ queues), a
 * SQLite store file, HTTP and WebSocket over loopback. Authentication, CSRF, roles, audit, live snapshots and
 * history, as a browser (or an attacker without a session) would meet them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { Registry } from 'prom-client';
import { dashboardSchema, LIVE_EVENTS_CHANNEL, silentLogger, type LiveEvent } from '@callgate/contracts';
import { deriveCallerKey, openStore, startTestRedis, type ConversationStore, type PrivateRedis } from '@callgate/agent-core';
import { startDashboard, type RunningDashboard, type ServerMessage } from '@callgate/supervisor-dashboard';

describe('supervisor dashboard server', () => {
  let redis: PrivateRedis;
  let store: ConversationStore;
  let dash: RunningDashboard;
  let dir: string;
  let pub: Redis;
  const registry = new Registry();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'callgate-dash-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>Callgate</title>');
    redis = await startTestRedis();
    store = await openStore({ kind: 'sqlite', path: join(dir, 'store.db') });
    const config = dashboardSchema.parse({ listen: { port: 0 }, liveFlushMs: 50, loginMaxFailures: 3, slo: { minSamples: 1, holdMs: 0, turnLatencyP95Ms: 500 } });
    dash = await startDashboard({
      config,
      redis: redis.connection,
      store,
      callerKeyOf: (n) => deriveCallerKey(n, 'k'),
      queues: { realtime: 'test-realtime', batch: 'test-batch' },
      logger: silentLogger,
      registry,
      webRoot: dir,
    });
    pub = new Redis(redis.connection);
  });
  after(async () => {
    pub.disconnect();
    await dash.stop();
    await store.close();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const http = (path: string, init: RequestInit = {}) => fetch(dash.url + path, init);
  async function login(username: string, password = 'callgate') {
    const res = await http('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    assert.equal(res.status, 200);
    const cookie = res.headers.get('set-cookie')!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const me = (await res.json()) as { csrf: string; role: string };
    return { cookie: cookie.split(';')[0]!, csrf: me.csrf, role: me.role };
  }
  function openSocket(headers: Record<string, string>): Promise<{ ws: WebSocket; messages: ServerMessage[] } | { refused: number }> {
    return new Promise((resolve) => {
      const ws = new WebSocket(dash.url.replace('http', 'ws') + '/api/live', { headers });
      const messages: ServerMessage[] = [];
      ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as ServerMessage));
      ws.on('open', () => resolve({ ws, messages }));
      ws.on('unexpected-response', (_req, res) => resolve({ refused: res.statusCode ?? 0 }));
      ws.on('error', () => {});
    });
  }
  async function until<T>(what: string, f: () => T | undefined, ms = 5000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = f();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  async function untilAsync<T>(what: string, f: () => Promise<T | undefined>, ms = 5000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await f();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  let seq = 0;
  const publish = (e: Record<string, unknown>) => pub.publish(LIVE_EVENTS_CHANNEL, JSON.stringify({ v: 1, sessionId: 'live-1', seq: ++seq, at: Date.now(), ...e } as LiveEvent));

  it('serves the page with security headers; the API and the live socket refuse anyone not logged in', async () => {
    const page = await http('/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    for (const path of ['/api/calls', '/api/system', '/api/history', '/api/me', '/api/admin/audit']) assert.equal((await http(path)).status, 401, path);
    assert.deepEqual(await openSocket({}), { refused: 401 });
    const { cookie } = await login('supervisor');
    assert.deepEqual(await openSocket({ cookie, origin: 'http://evil.example' }), { refused: 403 }, 'cross-site WebSocket hijacking refused');
    const bad = await http('/api/login', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    assert.equal(bad.status, 415);
  });

  it('a supervisor cannot reach admin-only routes; an admin can', async () => {
    const sup = await login('supervisor');
    assert.equal((await http('/api/admin/audit', { headers: { cookie: sup.cookie } })).status, 403);
    assert.equal((await http('/api/admin/users', { headers: { cookie: sup.cookie } })).status, 403);
    const admin = await login('admin');
    const users = (await (await http('/api/admin/users', { headers: { cookie: admin.cookie } })).json()) as { users: { username: string }[] };
    assert.deepEqual(users.users.map((u) => u.username), ['admin', 'supervisor']);
  });

  it('logout needs the CSRF token, then the session is gone', async () => {
    const s = await login('supervisor');
    assert.equal((await http('/api/logout', { method: 'POST', headers: { cookie: s.cookie } })).status, 403);
    assert.equal((await http('/api/logout', { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': 'guess' } })).status, 403);
    assert.equal((await http('/api/logout', { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, origin: 'http://evil.example' } })).status, 403);
    assert.equal((await http('/api/logout', { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } })).status, 204);
    assert.equal((await http('/api/me', { headers: { cookie: s.cookie } })).status, 401);
  });

  it('repeated wrong passwords lock the username out with 429 and Retry-After', async () => {
    const attempt = () => http('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'ghost', password: 'nope' }) });
    for (let i = 0; i < 3; i++) assert.equal((await attempt()).status, 401);
    const locked = await attempt();
    assert.equal(locked.status, 429);
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
  });

  it('live events become call rows and a call detail on the socket; opening a transcript is audited', async () => {
    const s = await login('supervisor');
    const sock = await openSocket({ cookie: s.cookie });
    assert.ok('ws' in sock);
    sock.ws.send(JSON.stringify({ type: 'subscribe', topic: 'calls' }));
    await publish({ type: 'call_started', agent: 'front-desk', callId: 'c-1', from: '********0198', to: 'sip:1000@127.0.0.1' });
    await publish({ type: 'transcript', turnId: 't1', speaker: 'caller', final: true, text: 'my card is [CARD_NUMBER]' });
    await publish({ type: 'quality', mos: 4.32, jitterMs: 1.5, lossPct: 0 });
    await publish({ type: 'turn_timing', turnId: 't1', sttFirstPartialMs: 200, sttFinalMs: 60, firstTokenMs: 70, firstAudioMs: 180, firstRtpOutMs: 720, bargeInMs: null, playbackStoppedMs: null, filler: false });
    const row = await until('the call row with its quality and latency', () => {
      const calls = sock.messages.filter((m) => m.type === 'calls').at(-1);
      const r = calls?.type === 'calls' ? calls.calls.find((c) => c.sessionId === 'live-1') : undefined;
      return r && r.mos !== null && r.lastV2vMs !== null ? r : undefined;
    });
    assert.deepEqual([row.caller, row.dialed, row.agent, row.mos, row.lastV2vMs], ['********0198', '1000', 'front-desk', 4.32, 720]);
    sock.ws.send(JSON.stringify({ type: 'subscribe', topic: 'call', sessionId: 'live-1' }));
    const detail = await until('the call detail', () => {
      const m = sock.messages.find((x) => x.type === 'call');
      return m?.type === 'call' ? m.detail : undefined;
    });
    assert.deepEqual(detail.transcript.map((l) => l.text), ['my card is [CARD_NUMBER]']);
    assert.equal(detail.turns[0]?.firstRtpOutMs, 720);
    sock.ws.close();
    const admin = await login('admin');
    const audited = await untilAsync('the audit record', async () => {
      const body = (await (await http('/api/admin/audit', { headers: { cookie: admin.cookie } })).json()) as { records: { actor: string; action: string; target: string }[] };
      return body.records.find((r) => r.actor === 'supervisor' && r.action === 'transcript_viewed' && r.target === 'live-1');
    });
    assert.ok(audited);
    const turn = await untilAsync('the SLO clock to judge the turn', async () => {
      const system = (await (await http('/api/system', { headers: { cookie: s.cookie } })).json()) as { slo: { name: string; p95Ms: number | null; breached: boolean }[]; queues: { name: string }[] };
      assert.deepEqual(system.queues.map((q) => q.name), ['realtime', 'batch']);
      const t = system.slo.find((x) => x.name === 'turn_latency')!;
      return t.p95Ms !== null ? t : undefined;
    });
    assert.deepEqual([turn.p95Ms, turn.breached], [720, true], 'one 720 ms turn against a 500 ms target, no hold time');
    const metrics = await registry.getSingleMetricAsString('callgate_slo_breached');
    assert.match(metrics, /callgate_slo_breached\{slo="turn_latency"\} 1/);
  });

  it('history finds stored calls by dialed number and by the caller (through the caller key), and shows one', async () => {
    const s = await login('supervisor');
    const t0 = Date.now() - 60_000;
    await store.createSession({ id: 'past-1', callId: 'c-p1', agent: 'front-desk', dialed: '1000', callerKey: deriveCallerKey('+12125550198', 'k'), startedAt: t0 });
    await store.appendTurn({ sessionId: 'past-1', seq: 1, turnId: 't1', at: t0 + 1000, callerText: 'my number is [PHONE_NUMBER]', agentText: 'Thanks.' });
    await store.endSession('past-1', { endedAt: t0 + 30_000, outcome: 'completed' });
    await store.setSessionSummary('past-1', { text: 'The caller left a callback number.', at: t0 + 31_000 });
    const get = async (q: string) => (await (await http('/api/history' + q, { headers: { cookie: s.cookie } })).json()) as { calls: { sessionId: string; outcome: string }[] };
    assert.deepEqual((await get('?number=1000')).calls.map((c) => c.sessionId), ['past-1']);
    assert.deepEqual((await get('?number=%2B12125550198')).calls.map((c) => c.sessionId), ['past-1']);
    assert.deepEqual((await get('?number=999')).calls, []);
    assert.deepEqual((await get('?outcome=completed')).calls.map((c) => c.outcome), ['completed']);
    assert.equal((await http('/api/history?from=yesterday', { headers: { cookie: s.cookie } })).status, 400);
    const d = (await (await http('/api/history/past-1', { headers: { cookie: s.cookie } })).json()) as { transcript: { speaker: string; text: string }[]; summary: string };
    assert.deepEqual(d.transcript.map((l) => `${l.speaker}: ${l.text}`), ['caller: my number is [PHONE_NUMBER]', 'agent: Thanks.']);
    assert.equal(d.summary, 'The caller left a callback number.');
    assert.equal((await http('/api/history/nope', { headers: { cookie: s.cookie } })).status, 404);
  });
});
